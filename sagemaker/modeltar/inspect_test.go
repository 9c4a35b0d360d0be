package modeltar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"path/filepath"
	"strings"
	"testing"
)

// craft builds a tar.gz from raw headers, for archives Pack would never make.
func craft(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := *e.hdr
		if h.Typeflag == tar.TypeReg || h.Typeflag == 0 {
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func file(name, body string) tarEntry {
	return tarEntry{&tar.Header{Name: name, Typeflag: tar.TypeReg}, body}
}

func dir(name string) tarEntry {
	return tarEntry{&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}, ""}
}

func symlink(name, target string) tarEntry {
	return tarEntry{&tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}, ""}
}

func hardlink(name, target string) tarEntry {
	return tarEntry{&tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target}, ""}
}

func TestInspectListsOurArchive(t *testing.T) {
	_, a := modelDir(t)
	var buf bytes.Buffer
	st, err := Pack(&buf, a)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Inspect(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.ModelFiles(), ","); got != "model.pth" {
		t.Errorf("ModelFiles = %s, want model.pth", got)
	}
	if !l.Has("code/inference.py") || !l.Has("code/") || l.Has("inference.py") {
		t.Errorf("Has is wrong for %+v", l.Entries)
	}
	if l.Stats.Files != st.Files || l.Stats.Bytes != st.Bytes || l.Stats.Largest != "model.pth" {
		t.Errorf("inspected stats %+v, packed %+v", l.Stats, st)
	}
}

func TestInspectAcceptsDotSlashNames(t *testing.T) {
	// What `tar -C dir -czf model.tar.gz .` writes.
	b := craft(t, dir("./"), file("./model.pth", "w"), dir("./code/"), file("./code/inference.py", "x"))
	l, err := Inspect(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range l.Entries {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "model.pth,code,code/inference.py" {
		t.Fatalf("names = %s", got)
	}
}

func TestInspectRefusesTraversal(t *testing.T) {
	cases := []struct {
		name    string
		entries []tarEntry
		want    string
	}{
		{"dotdot", []tarEntry{file("../evil.sh", "x")}, `"../evil.sh": name contains ".."`},
		{"dotdot inside", []tarEntry{file("code/../../evil", "x")}, `name contains ".."`},
		{"absolute", []tarEntry{file("/etc/cron.d/evil", "x")}, "absolute name"},
		{"backslash", []tarEntry{file(`..\evil`, "x")}, "backslash"},
		{"drive letter", []tarEntry{file("C:/evil", "x")}, "drive letter"},
		{"absolute symlink", []tarEntry{symlink("etc", "/etc")}, "must be relative"},
		{"escaping symlink", []tarEntry{dir("code/"), symlink("code/up", "../../etc")}, "leaves the archive"},
		{"through symlink", []tarEntry{dir("sub/"), symlink("link", "sub"), file("link/file", "x")}, `goes through symlink "link"`},
		// Each target stays inside as text, but a/b/e, extracted, is ../x: a/b/d is the root.
		{"back out of a symlink", []tarEntry{dir("a/"), dir("a/b/"), symlink("a/b/d", "../.."), symlink("a/b/e", "d/../x")}, `steps back out of symlink "a/b/d"`},
		{"back out of a later symlink", []tarEntry{dir("a/"), dir("a/b/"), symlink("a/b/e", "d/../x"), symlink("a/b/d", "../..")}, `steps back out of symlink "a/b/d"`},
		{"hardlink out", []tarEntry{hardlink("h", "../../etc/passwd")}, "hard link target"},
		{"hardlink to unknown", []tarEntry{hardlink("h", "etc/passwd")}, "not an earlier file"},
		{"char device", []tarEntry{{&tar.Header{Name: "tty", Typeflag: tar.TypeChar}, ""}}, "special file"},
		{"fifo", []tarEntry{{&tar.Header{Name: "pipe", Typeflag: tar.TypeFifo}, ""}}, "special file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Inspect(bytes.NewReader(craft(t, tc.entries...)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestInspectAcceptsSafeLinks(t *testing.T) {
	b := craft(t, file("model.pth", "w"), dir("code/"), file("code/a.py", "a"),
		symlink("code/b.py", "a.py"), symlink("code/m", "../model.pth"), hardlink("code/c.py", "code/a.py"))
	l, err := Inspect(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 6 || l.Stats.Files != 2 {
		t.Fatalf("entries %d, files %d; want 6 entries, 2 files", len(l.Entries), l.Stats.Files)
	}
}

func TestInspectStopsGzipBomb(t *testing.T) {
	// 2 MiB of zeros gzip to a few KiB; a 256 KiB entry limit must stop the read.
	b := craft(t, file("model.pth", string(make([]byte, 2<<20))))
	if len(b) > 16<<10 {
		t.Fatalf("test archive is %d bytes, not a bomb", len(b))
	}
	lim := ReadLimits{MaxEntries: 10, MaxEntrySize: 256 << 10, MaxTotalSize: 1 << 30}
	if _, err := lim.Inspect(bytes.NewReader(b)); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Fatalf("err = %v, want the entry size limit", err)
	}
	// The total limit also holds across entries each under the entry limit.
	var many []tarEntry
	for i := range 4 {
		many = append(many, file(strings.Repeat("m", i+1), string(make([]byte, 256<<10))))
	}
	lim = ReadLimits{MaxEntries: 10, MaxEntrySize: 512 << 10, MaxTotalSize: 768 << 10}
	if _, err := lim.Inspect(bytes.NewReader(craft(t, many...))); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Fatalf("err = %v, want the total size limit", err)
	}
	lim = ReadLimits{MaxEntries: 3, MaxEntrySize: 512 << 10, MaxTotalSize: 1 << 30}
	if _, err := lim.Inspect(bytes.NewReader(craft(t, many...))); err == nil || !strings.Contains(err.Error(), "more than 3 entries") {
		t.Fatalf("err = %v, want the entry count limit", err)
	}
	// Exactly at the limits is fine.
	lim = ReadLimits{MaxEntries: 4, MaxEntrySize: 256 << 10, MaxTotalSize: 1 << 20}
	if _, err := lim.Inspect(bytes.NewReader(craft(t, many...))); err != nil {
		t.Fatalf("archive exactly at the limits refused: %v", err)
	}
}

func TestInspectRefusesNonGzip(t *testing.T) {
	_, err := Inspect(strings.NewReader("PK\x03\x04 a zip file"))
	if err == nil || !strings.Contains(err.Error(), "not a gzip stream") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(craft(f, file("model.pth", "w"), dir("code/"), file("code/inference.py", "x")))
	f.Add(craft(f, file("../evil", "x")))
	f.Add(craft(f, dir("sub/"), symlink("link", "sub"), file("link/f", "x")))
	f.Add(craft(f, file("model.pth", "w"), hardlink("h", "model.pth")))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	lim := ReadLimits{MaxEntries: 64, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := lim.Inspect(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever was accepted must be safe to extract.
		var total int64
		for _, e := range l.Entries {
			if e.Name == "" || strings.HasPrefix(e.Name, "/") || hasDotDot(e.Name) || strings.Contains(e.Name, `\`) {
				t.Fatalf("accepted unsafe name %q", e.Name)
			}
			if e.Kind == KindSymlink && (strings.HasPrefix(e.Linkname, "/") || strings.HasPrefix(filepath.ToSlash(filepath.Join(filepath.Dir(e.Name), e.Linkname)), "..")) {
				t.Fatalf("accepted escaping symlink %q -> %q", e.Name, e.Linkname)
			}
			if e.Size > lim.MaxEntrySize {
				t.Fatalf("accepted entry %q of %d bytes", e.Name, e.Size)
			}
			total += e.Size
		}
		if len(l.Entries) > lim.MaxEntries || total > lim.MaxTotalSize {
			t.Fatalf("accepted %d entries, %d bytes: over the limits", len(l.Entries), total)
		}
	})
}
