package sagemaker_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func openReview2Journal(t *testing.T) *sagemaker.Journal {
	t.Helper()
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// Honesty: a journaled object whose bucket no longer exists (the user deleted the
// bucket after the run, or the run's EnsureBucket never got to create it) is gone,
// and nothing of it is stored or billed. Cleanup's HeadObject reads that as gone,
// but its DeleteObject then gets S3's 404 NoSuchBucket and Cleanup returned that as
// an error and kept the key pending, on every run again: a Cleanup that can never
// succeed, with nothing left, teaches the user to ignore its errors.
func TestReview2CleanupOfAKeyInADeletedBucketSucceeds(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j := openReview2Journal(t)
	if err := j.CreatingIn(srv.Region(), sagemaker.KindS3Object, "s3://no-such-bucket-here/run/model.tar.gz"); err != nil {
		t.Fatal(err)
	}
	err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.S3 = srv.S3Client()
		o.PollInterval, o.MaxPollInterval, o.CleanupTimeout = time.Millisecond, 5*time.Millisecond, 20*time.Second
	})
	if err != nil {
		t.Fatalf("Cleanup = %v", err)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending = %v", p)
	}
}
