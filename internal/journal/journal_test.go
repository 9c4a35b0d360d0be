package journal

import (
	"path/filepath"
	"testing"
)

// Of opens only the handles the registered function recognizes: nil and anything else
// give nil, so a writer can refuse to create what it cannot record.
func TestOfReturnsTheJournalBehindARegisteredHandleOnly(t *testing.T) {
	type handle struct{ f *Journal }
	f, err := Open(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := unwrap
	defer func() { unwrap = saved }()
	Register(func(h any) *Journal {
		if x, ok := h.(*handle); ok && x != nil {
			return x.f
		}
		return nil
	})
	if got := Of(&handle{f}); got != f {
		t.Errorf("Of(handle) = %p, want %p", got, f)
	}
	for _, h := range []any{nil, "a string", (*handle)(nil)} {
		if got := Of(h); got != nil {
			t.Errorf("Of(%#v) = %p, want nil", h, got)
		}
	}
}

// Pending forgets a resource once it is recorded deleted, and keeps an S3 object whose
// multipart upload was recorded begun and not ended, even after the object's delete.
func TestPendingKeepsAnUploadThatOutlivesItsObject(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	uri := "s3://bucket/run/model.tar.gz"
	for _, err := range []error{
		j.CreatingIn("eu-west-1", KindModel, "m"),
		j.Deleted(KindModel, "m"),
		j.CreatingIn("eu-west-1", KindS3Object, uri),
		j.Uploading(uri, "upload-1"),
		j.Deleted(KindS3Object, uri),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	rs, info, err := j.Pending()
	obj := Resource{KindS3Object, uri}
	if err != nil || len(rs) != 1 || rs[0] != obj {
		t.Fatalf("Pending = %v, %v; want only %v", rs, err, obj)
	}
	if !info.Deleted[obj] || len(info.Uploads[obj]) != 1 || info.Uploads[obj][0] != "upload-1" {
		t.Errorf("Info = %+v; want the object deleted and upload-1 still begun", info)
	}
	if err := j.Uploaded(uri, "upload-1"); err != nil {
		t.Fatal(err)
	}
	if rs, _, _ := j.Pending(); len(rs) != 0 {
		t.Errorf("Pending after the upload ended = %v; want nothing", rs)
	}
}
