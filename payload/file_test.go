package payload

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name string, body []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sampleJPEG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sample-224.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFromFile(t *testing.T) {
	photo := sampleJPEG(t)
	npy, err := EncodeNPY([]int{2}, []float32{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     string
		body     []byte
		opts     []Option
		wantType string
		wantErr  error
	}{
		{name: "real photo", file: "cat.jpg", body: photo, wantType: ContentTypeImage},
		{name: "jpeg under another extension", file: "cat.bin", body: photo, wantType: ContentTypeImage},
		{name: "png", file: "x.png", body: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), wantType: ContentTypeImage},
		{name: "json", file: "req.json", body: []byte(`{"instances": [[1, 2]]}`), wantType: ContentTypeJSON},
		{name: "npy", file: "x.npy", body: npy, wantType: ContentTypeNPY},
		{name: "csv", file: "row.csv", body: []byte("1,2,3\n"), wantType: ContentTypeBinary},
		{name: "override", file: "row.csv", body: []byte("1,2,3\n"), opts: []Option{WithContentType("text/csv")}, wantType: "text/csv"},
		{name: "override keeps validation", file: "e.csv", body: nil, opts: []Option{WithContentType("text/csv")}, wantErr: ErrEmpty},
		{name: "empty", file: "empty.jpg", body: nil, wantErr: ErrEmpty},
		{name: "text named jpg", file: "fake.jpg", body: []byte("hello, I am not a picture"), wantErr: ErrNotJPEG},
		{name: "png named jpeg", file: "fake.JPEG", body: []byte("\x89PNG\r\n\x1a\n\x00\x00"), wantErr: ErrNotJPEG},
		{name: "jpeg magic but truncated header", file: "cut.jpg", body: photo[:20], wantErr: ErrNotJPEG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), tt.file, tt.body)
			p, err := FromFile(path, tt.opts...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("FromFile(%s) error = %v, want %v", tt.file, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.file) {
					t.Errorf("error %q does not name the file %s", err, tt.file)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromFile(%s): %v", tt.file, err)
			}
			if p.Name != tt.file || p.ContentType != tt.wantType || string(p.Body) != string(tt.body) {
				t.Errorf("FromFile(%s) = {%q, %q, %d bytes}, want {%q, %q, %d bytes}",
					tt.file, p.Name, p.ContentType, len(p.Body), tt.file, tt.wantType, len(tt.body))
			}
		})
	}
}

func TestFromFileRefusesDirectoryAndMissing(t *testing.T) {
	dir := t.TempDir()
	if _, err := FromFile(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("FromFile(dir) error = %v, want one saying it is a directory", err)
	}
	if _, err := FromFile(filepath.Join(dir, "nope.jpg")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FromFile(missing) error = %v, want fs.ErrNotExist", err)
	}
}

// A sparse 1 GB file costs no disk; if FromFile read it before checking the size, the test
// would allocate a gigabyte (and still fail on the error below, since the limit reader
// would hand back MaxBytes+1 bytes and a different message).
func TestFromFileTooLargeChecksSizeBeforeReading(t *testing.T) {
	for _, size := range []int64{MaxBytes + 1, 1 << 30} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "huge.jpg")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(size); err != nil {
				t.Fatal(err)
			}
			f.Close()
			_, err = FromFile(path)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("FromFile(%d-byte file) error = %v, want ErrTooLarge", size, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, strconv.FormatInt(size, 10)) {
				t.Errorf("error %q should name %s and its size %d", msg, path, size)
			}
		})
	}
}

func TestFromFileAcceptsExactlyMaxBytes(t *testing.T) {
	body := make([]byte, MaxBytes)
	body[0] = 1
	p, err := FromFile(writeFile(t, t.TempDir(), "limit.bin", body))
	if err != nil {
		t.Fatalf("FromFile(%d bytes) = %v, want success at exactly the limit", MaxBytes, err)
	}
	if len(p.Body) != MaxBytes {
		t.Errorf("len(Body) = %d, want %d", len(p.Body), MaxBytes)
	}
}

func TestFromDir(t *testing.T) {
	dir := t.TempDir()
	photo := sampleJPEG(t)
	writeFile(t, dir, "b.jpg", photo)
	writeFile(t, dir, "a.json", []byte(`[1]`))
	writeFile(t, dir, "c.bin", []byte{0, 1, 2})
	writeFile(t, dir, ".DS_Store", nil) // hidden and empty: skipped, not an ErrEmpty
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub"), "d.jpg", photo)

	got, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, ct string }{
		{"a.json", ContentTypeJSON}, {"b.jpg", ContentTypeImage}, {"c.bin", ContentTypeBinary},
	}
	if len(got) != len(want) {
		t.Fatalf("FromDir returned %d payloads, want %d (%v)", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].ContentType != w.ct {
			t.Errorf("payload %d = %s (%s), want %s (%s)", i, got[i].Name, got[i].ContentType, w.name, w.ct)
		}
	}

	overridden, err := FromDir(dir, WithContentType("image/jpeg"))
	if err == nil || !errors.Is(err, ErrNotJPEG) {
		// a.json claims to be image/jpeg now and is not: the corpus must be refused.
		t.Errorf("FromDir with image/jpeg override = %v, %v; want ErrNotJPEG for a.json", overridden, err)
	}
}

func TestFromDirErrors(t *testing.T) {
	empty := t.TempDir()
	writeFile(t, empty, ".hidden", []byte("x"))
	if _, err := FromDir(empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("FromDir(only hidden files) error = %v, want one naming %s", err, empty)
	}

	bad := t.TempDir()
	writeFile(t, bad, "good.json", []byte(`{}`))
	writeFile(t, bad, "zero.bin", nil)
	if _, err := FromDir(bad); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "zero.bin") {
		t.Errorf("FromDir(with an empty file) error = %v, want ErrEmpty naming zero.bin", err)
	}

	if _, err := FromDir(filepath.Join(bad, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FromDir(missing) error = %v, want fs.ErrNotExist", err)
	}
}
