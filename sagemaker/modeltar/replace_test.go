package modeltar

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplaceCodeSwapsCodeAndKeepsModel(t *testing.T) {
	// A user's archive: model at the root, old code, written by some other tool with
	// "./" names and arbitrary times.
	old := craft(t, dir("./"), file("./model.pth", "weights"), dir("./code/"),
		file("./code/inference.py", "old"), file("./code/stale.py", "stale"), file("./labels.txt", "cat\ndog\n"))
	codeDir := t.TempDir()
	writeTree(t, codeDir, map[string]string{"inference.py": "new", "requirements.txt": "pillow\n"})
	code := Spec{CodeDir: codeDir, EntryPoint: "inference.py"}

	var out bytes.Buffer
	st, err := ReplaceCode(&out, bytes.NewReader(old), code)
	if err != nil {
		t.Fatal(err)
	}
	entries := readTarGz(t, out.Bytes())
	var names []string
	content := map[string]string{}
	for _, e := range entries {
		names = append(names, e.hdr.Name)
		content[e.hdr.Name] = e.body
		if !e.hdr.ModTime.Equal(archiveTime) || e.hdr.Uid != 0 {
			t.Errorf("%s: header not normalized: %v uid %d", e.hdr.Name, e.hdr.ModTime, e.hdr.Uid)
		}
	}
	want := "model.pth,labels.txt,code/,code/inference.py,code/requirements.txt"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("entries = %s, want %s", got, want)
	}
	if content["model.pth"] != "weights" || content["labels.txt"] != "cat\ndog\n" || content["code/inference.py"] != "new" {
		t.Errorf("contents = %v", content)
	}
	if st.Files != 4 || st.Bytes != int64(len("weights")+len("cat\ndog\n")+len("new")+len("pillow\n")) {
		t.Errorf("stats = %+v", st)
	}

	// Same inputs, same bytes.
	var again bytes.Buffer
	if _, err := ReplaceCode(&again, bytes.NewReader(old), code); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), again.Bytes()) {
		t.Fatal("ReplaceCode is not reproducible")
	}
}

func TestReplaceCodeRefuses(t *testing.T) {
	codeDir := t.TempDir()
	writeTree(t, codeDir, map[string]string{"inference.py": "new"})
	code := Spec{CodeDir: codeDir, EntryPoint: "inference.py"}
	cases := []struct {
		name string
		old  []byte
		code Spec
		want string
	}{
		{"traversal in old archive", craft(t, file("model.pth", "w"), file("../evil", "x")), code, `"../evil"`},
		{"model files given", craft(t, file("model.pth", "w")), Spec{ModelFiles: []string{"x"}, CodeDir: codeDir, EntryPoint: "inference.py"}, "ModelFiles must be empty"},
		{"no code", craft(t, file("model.pth", "w")), Spec{}, "no CodeDir"},
		{"bad entry point", craft(t, file("model.pth", "w")), Spec{CodeDir: codeDir, EntryPoint: "serve.py"}, "entry point serve.py"},
		{"hard link into old code", craft(t, file("code/a.py", "a"), hardlink("keep.py", "code/a.py")), code, "hard link"},
		{"missing code dir", craft(t, file("model.pth", "w")), Spec{CodeDir: filepath.Join(codeDir, "nope"), EntryPoint: "inference.py"}, "code dir"},
	}
	// A kept symlink that steps back out of a symlink of the new code: the new code's
	// lib is its own directory, so m, extracted, would be the file etc next to the
	// archive's directory.
	linkedCode := t.TempDir()
	writeTree(t, linkedCode, map[string]string{"inference.py": "new"})
	if err := os.Symlink(".", filepath.Join(linkedCode, "lib")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	cases = append(cases, struct {
		name string
		old  []byte
		code Spec
		want string
	}{"kept symlink back out of a new code symlink", craft(t, file("model.pth", "w"), symlink("m", "code/lib/../../etc")),
		Spec{CodeDir: linkedCode, EntryPoint: "inference.py"}, `steps back out of symlink "code/lib"`})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReplaceCode(&bytes.Buffer{}, bytes.NewReader(tc.old), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
