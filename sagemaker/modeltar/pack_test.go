package modeltar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTree creates files (name -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// modelDir lays out a typical PyTorch model: model.pth and a code directory.
func modelDir(t *testing.T) (dir string, a Spec) {
	t.Helper()
	dir = t.TempDir()
	writeTree(t, dir, map[string]string{
		"model.pth":             strings.Repeat("weights", 1000),
		"src/inference.py":      "def model_fn(model_dir): pass\n",
		"src/requirements.txt":  "pillow\n",
		"src/lib/transforms.py": "MEAN = [0.485, 0.456, 0.406]\n",
	})
	return dir, Spec{
		ModelFiles: []string{filepath.Join(dir, "model.pth")},
		CodeDir:    filepath.Join(dir, "src"),
		EntryPoint: "inference.py",
	}
}

type tarEntry struct {
	hdr  *tar.Header
	body string
}

func readTarGz(t *testing.T, b []byte) []tarEntry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []tarEntry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tarEntry{h, string(body)})
	}
}

func TestPackPutsModelAtRootAndCodeUnderCode(t *testing.T) {
	_, a := modelDir(t)
	var buf bytes.Buffer
	st, err := Pack(&buf, a)
	if err != nil {
		t.Fatal(err)
	}
	entries := readTarGz(t, buf.Bytes())
	var names []string
	for _, e := range entries {
		names = append(names, e.hdr.Name)
	}
	want := []string{"code/", "code/inference.py", "code/lib/", "code/lib/transforms.py", "code/requirements.txt", "model.pth"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("entries = %v, want %v", names, want)
	}
	for _, e := range entries {
		h := e.hdr
		wantMode := int64(0o644)
		if h.Typeflag == tar.TypeDir {
			wantMode = 0o755
		}
		if h.Mode != wantMode || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(archiveTime) {
			t.Errorf("%s: mode %o uid %d gid %d uname %q gname %q mtime %v; want mode %o, owner 0, no names, mtime %v",
				h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, wantMode, archiveTime)
		}
	}
	if got := entries[1].body; got != "def model_fn(model_dir): pass\n" {
		t.Errorf("code/inference.py content = %q", got)
	}
	wantBytes := int64(7000 + len("def model_fn(model_dir): pass\n") + len("pillow\n") + len("MEAN = [0.485, 0.456, 0.406]\n"))
	if st.Files != 4 || st.Bytes != wantBytes || st.Largest != "model.pth" || st.LargestBytes != 7000 {
		t.Errorf("stats = %+v, want 4 files, %d bytes, largest model.pth 7000", st, wantBytes)
	}
	if st.CompressedBytes != int64(buf.Len()) {
		t.Errorf("CompressedBytes = %d, archive is %d bytes", st.CompressedBytes, buf.Len())
	}
	// The gzip header carries no file name and no time: FLG (byte 3) has no FNAME, and
	// MTIME (bytes 4-7) is zero.
	b := buf.Bytes()
	if b[3]&0x08 != 0 || !bytes.Equal(b[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("gzip header flags %#x mtime % x; want no name and zero mtime", b[3], b[4:8])
	}
}

func TestPackIsReproducible(t *testing.T) {
	dir, a := modelDir(t)
	var first bytes.Buffer
	if _, err := Pack(&first, a); err != nil {
		t.Fatal(err)
	}
	// Same content, different times, permissions and location: same bytes.
	later := time.Now().Add(48 * time.Hour)
	for _, p := range []string{"model.pth", "src/inference.py", "src/lib/transforms.py"} {
		if err := os.Chtimes(filepath.Join(dir, p), later, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "src/inference.py"), 0o755); err != nil {
		t.Fatal(err)
	}
	moved := t.TempDir()
	if err := os.Rename(dir, filepath.Join(moved, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	nd := filepath.Join(moved, "elsewhere")
	b := Spec{ModelFiles: []string{filepath.Join(nd, "model.pth")}, CodeDir: filepath.Join(nd, "src"), EntryPoint: "inference.py"}
	var second bytes.Buffer
	if _, err := Pack(&second, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("archives differ: %d and %d bytes", first.Len(), second.Len())
	}
	// And a change of content changes the bytes.
	writeTree(t, nd, map[string]string{"src/inference.py": "changed\n"})
	var third bytes.Buffer
	if _, err := Pack(&third, b); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first.Bytes(), third.Bytes()) {
		t.Fatal("archive did not change with its content")
	}
}

func TestPackEntryPointWithoutCodeDir(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"model.pth": "w", "serve.py": "print(1)\n"})
	var buf bytes.Buffer
	_, err := Pack(&buf, Spec{ModelFiles: []string{filepath.Join(dir, "model.pth")}, EntryPoint: filepath.Join(dir, "serve.py")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range readTarGz(t, buf.Bytes()) {
		names = append(names, e.hdr.Name)
	}
	if got := strings.Join(names, ","); got != "code/,code/serve.py,model.pth" {
		t.Fatalf("entries = %s", got)
	}
}

func TestPackKeepsSymlinkInsideTree(t *testing.T) {
	dir, a := modelDir(t)
	if err := os.Symlink("lib/transforms.py", filepath.Join(dir, "src", "alias.py")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Pack(&buf, a); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range readTarGz(t, buf.Bytes()) {
		if e.hdr.Name == "code/alias.py" {
			found = e.hdr.Typeflag == tar.TypeSymlink && e.hdr.Linkname == "lib/transforms.py"
		}
	}
	if !found {
		t.Fatal("code/alias.py is not stored as a symlink to lib/transforms.py")
	}
	if _, err := Inspect(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("our own archive does not inspect: %v", err)
	}
}

func TestPackRefusesBadInput(t *testing.T) {
	dir, good := modelDir(t)
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.txt": "s"})
	escDir := t.TempDir()
	writeTree(t, escDir, map[string]string{"inference.py": "x"})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(escDir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	relEscDir := t.TempDir()
	writeTree(t, relEscDir, map[string]string{"inference.py": "x"})
	if err := os.Symlink("../../../../../../etc/hostname", filepath.Join(relEscDir, "leak")); err != nil {
		t.Fatal(err)
	}
	with := func(f func(*Spec)) Spec { a := good; f(&a); return a }
	cases := []struct {
		name string
		a    Spec
		want string
	}{
		{"nothing", Spec{}, "no model files and no code"},
		{"missing model", with(func(a *Spec) { a.ModelFiles = []string{filepath.Join(dir, "nope.pth")} }), "nope.pth does not exist"},
		{"model is dir", with(func(a *Spec) { a.ModelFiles = []string{dir} }), "is a directory"},
		{"duplicate model names", with(func(a *Spec) { a.ModelFiles = append(a.ModelFiles, a.ModelFiles[0]) }), "same name"},
		{"entry point missing", with(func(a *Spec) { a.EntryPoint = "serve.py" }), "entry point serve.py is not a file in code dir"},
		{"entry point empty", with(func(a *Spec) { a.EntryPoint = "" }), "EntryPoint is empty"},
		{"entry point absolute", with(func(a *Spec) { a.EntryPoint = "/etc/passwd" }), "must be relative"},
		{"entry point dotdot", with(func(a *Spec) { a.EntryPoint = "../model.pth" }), `".."`},
		{"entry point is dir", with(func(a *Spec) { a.EntryPoint = "lib" }), "is not a file"},
		{"code dir missing", with(func(a *Spec) { a.CodeDir = filepath.Join(dir, "nope") }), "code dir"},
		{"absolute symlink out", Spec{CodeDir: escDir, EntryPoint: "inference.py"}, "leaves the code directory"},
		{"relative symlink out", Spec{CodeDir: relEscDir, EntryPoint: "inference.py"}, "leak"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := Pack(&buf, tc.a)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "modeltar: ") {
				t.Fatalf("err = %v, want a modeltar error containing %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", buf.Len())
			}
		})
	}
}
