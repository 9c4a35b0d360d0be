package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// deployUnfinished uploads an archive and deploys it, journaled, and leaves it all
// running, as a process killed at that point would.
func deployUnfinished(t *testing.T, srv *sagemakertest.Server, c *sagemaker.Client) {
	t.Helper()
	ctx := context.Background()
	deployRunModel(t, c)
	// Another model of the run that reads the user's own archive, which must survive.
	m2, e2 := specs("pytorch-inference:1.8.1-cpu-py3")
	m2.Name, e2.Name = c.Name("own"), c.Name("own")
	if _, err := c.Deploy(ctx, m2, e2); err != nil {
		t.Fatal(err)
	}
}

// uploadRunModel uploads a model archive under the run's prefix, as a Study does, and
// returns its URI.
func uploadRunModel(t *testing.T, c *sagemaker.Client) string {
	t.Helper()
	uri, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "run/" + c.RunID() + "/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

// deployRunModel uploads a model archive under the run's prefix and deploys an
// endpoint that serves it, and returns the archive's URI.
func deployRunModel(t *testing.T, c *sagemaker.Client) string {
	t.Helper()
	uri := uploadRunModel(t, c)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name, m.ModelDataURL = c.Name("m"), c.Name("m"), uri
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	return uri
}

func objectKeys(srv *sagemakertest.Server) []string {
	var keys []string
	for _, o := range srv.Objects() {
		keys = append(keys, o.Key)
	}
	return keys
}

func TestCleanupFromJournalIsIdempotent(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	srv.PutObject(testBucket, testKey, packTestModel(t))
	c, j := newJournaledClient(t, srv)
	deployUnfinished(t, srv, c)
	for range 2 {
		cleanupFromJournal(t, srv, j)
		assertNothingLeft(t, srv)
		if keys := objectKeys(srv); !slices.Equal(keys, []string{testKey}) {
			t.Fatalf("objects = %v; want only the user's %s", keys, testKey)
		}
	}
	if p, err := j.Pending(); err != nil || len(p) != 0 {
		t.Errorf("Pending after cleanup = %v, %v", p, err)
	}
}

// Cleanup deletes only objects that carry the run's mark, as CleanupRun does: an Upload
// journals the URI before it sends anything, so an Upload that failed before its PUT
// (here its body could not be read) leaves the user's own, pre-existing object at that
// key listed in the journal, and Cleanup must leave that object alone.
func TestCleanupNeverDeletesAnObjectTheRunDidNotWrite(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, "user/precious.tar.gz", []byte("the user's own archive")); err != nil {
		t.Fatal(err)
	}
	c, j := newJournaledClient(t, srv)
	_, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "user/precious.tar.gz", Body: failingReader{}})
	if err == nil {
		t.Fatal("Upload of an unreadable body succeeded")
	}
	if keys := objectKeys(srv); len(keys) != 1 {
		t.Fatalf("objects after the failed upload = %v; want the user's object untouched", keys)
	}
	cleanupFromJournal(t, srv, j)
	if keys := objectKeys(srv); len(keys) != 1 {
		t.Fatalf("objects after Cleanup = %v; Cleanup deleted the user's object, which the run never wrote", keys)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk read error") }

// The describe and ListTags that decide whether a resource is the run's are retried
// until CleanupTimeout, like the deletes, not only the SDK's few attempts: a throttled
// account (the usual state of one a crashed benchmark left busy) is still cleaned up.
func TestCleanupRetriesAThrottledOwnershipCheck(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"DescribeEndpoint", "ListTags"} {
		t.Run(op, func(t *testing.T) {
			srv := sagemakertest.NewServer()
			t.Cleanup(srv.Close)
			srv.PutObject(testBucket, testKey, packTestModel(t))
			c, j := newJournaledClient(t, srv)
			deployUnfinished(t, srv, c)
			srv.FailNext(op, 4, sagemakertest.ErrThrottling()) // more than the SDK's 3 attempts
			err := sagemaker.Cleanup(context.Background(), srv.Config(), j, fastRetries(srv), func(o *sagemaker.Options) {
				o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
			})
			if err != nil {
				t.Fatalf("Cleanup gave up on throttling: %v", err)
			}
			assertNothingLeft(t, srv)
		})
	}
}

// A journaled object whose bucket no longer exists (the user deleted the bucket after
// the run, or the run's EnsureBucket never got to create it) is gone, and nothing of it
// is stored or billed: Cleanup takes S3's 404 NoSuchBucket as gone, succeeds and leaves
// nothing pending, so that a Cleanup with nothing left never fails on every run again.
func TestCleanupOfAKeyInADeletedBucketSucceeds(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j := openJournal(t)
	if err := journal.Of(j).CreatingIn(srv.Region(), journal.KindS3Object, "s3://no-such-bucket-here/run/model.tar.gz"); err != nil {
		t.Fatal(err)
	}
	err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.PollInterval, o.MaxPollInterval, o.CleanupTimeout = time.Millisecond, 5*time.Millisecond, 20*time.Second
	})
	if err != nil {
		t.Fatalf("Cleanup = %v", err)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending = %v", p)
	}
}

// A compiled artifact journaled as one (journal.Journal.CreatedArtifact, as the Study
// records Neo's output) is deleted without the run's mark (Neo wrote it, not Upload),
// even when the job that wrote it is already journaled deleted: the study's teardown
// deletes the job before the artifact, and a process that dies in between leaves only
// the artifact line to find it by.
func TestCleanupDeletesAJournaledArtifactOfADeletedJob(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j := openJournal(t)
	const key = "run/neo-out/model-ml_c5.tar.gz"
	uri := "s3://" + testBucket + "/" + key
	if err := journal.Of(j).CreatingIn(srv.Region(), journal.KindCompilationJob, "job-1"); err != nil {
		t.Fatal(err)
	}
	if err := srv.PutObject(testBucket, key, []byte("compiled by the run's job")); err != nil { // no mark: Neo wrote it
		t.Fatal(err)
	}
	if err := journal.Of(j).CreatedArtifact(srv.Region(), uri); err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(j).Deleted(journal.KindCompilationJob, "job-1"); err != nil { // the teardown deleted the job
		t.Fatal(err)
	}
	cleanupFromJournal(t, srv, j)
	if keys := objectKeys(srv); len(keys) != 0 {
		t.Fatalf("objects after Cleanup = %v; want the run's artifact deleted", keys)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending = %v", p)
	}
}
