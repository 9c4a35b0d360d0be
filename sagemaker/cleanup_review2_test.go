package sagemaker_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/smithy-go"

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

// Safety: Cleanup aborted a multipart upload that is not the run's. The key is the
// caller's choice ("sagebench/resnet50/model.tar.gz"), so two runs, or the run and
// the user's own "aws s3 cp", write the same key. Here run A's Upload finished; run
// B then starts a multipart upload of the same key; A's Cleanup (A's journal lists
// the key) aborted B's upload, because any upload at the key begun after A
// journaled it counted as A's. B's Upload then fails at CompleteMultipartUpload
// (NoSuchUpload): the other run's data is thrown away mid-transfer.
func TestReview2CleanupAbortsAnotherRunsUploadAtTheSameKey(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	const key = "shared/model.tar.gz"
	j := openReview2Journal(t)
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: key, Body: bytes.NewReader([]byte("run A's archive"))}); err != nil {
		t.Fatal(err)
	}
	s3c := srv.S3Client()
	if _, err := s3c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = s3c }); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.MultipartUploads()); n != 1 {
		t.Fatalf("uploads left = %d; want run B's upload untouched", n)
	}
}

// Money and honesty: CleanupRun (the journal is lost) found nothing and returned nil
// while the run's endpoint was InService. FindRun lists only resources created after
// the run id's start time minus an hour, but that time is the local clock's at
// NewRunID and CreationTime is SageMaker's: a machine whose clock ran more than an
// hour ahead (the SDK corrects the signing skew itself, so such a machine deploys
// fine) has every resource filtered out before its tags are read. Here the run id
// says two hours from now, as such a machine's NewRunID would. Fixing it is a
// trade-off for the team (no CreationTimeAfter filter: every resource of the region
// gets a ListTags; or a much wider margin, which only moves the limit). Fixed by
// also listing, whatever their time, the names that hold the run id.
func TestReview2CleanupRunFindsTheRunWhenTheLocalClockWasAhead(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, testKey, packTestModel(t)); err != nil {
		t.Fatal(err)
	}
	run := time.Now().UTC().Add(2*time.Hour).Format("20060102t150405") + "-abcd"
	c := newClient(t, srv, func(o *sagemaker.Options) { o.RunID = run })
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("m"), c.Name("m")
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	if err := sagemaker.CleanupRun(context.Background(), srv.Config(), run, func(o *sagemaker.Options) { o.S3 = srv.S3Client() }); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

// Money and honesty: Cleanup forgot a compiled artifact of the run and returned nil.
// The study journals each Neo artifact (an s3-object line, after the job reported
// it) and its teardown deletes the job before the artifact. When the artifact's
// DeleteObject then fails (or the process dies right there), the user runs Cleanup
// as the README says: the job is journaled deleted, so nothing proves the artifact
// is the run's; it carries no Upload mark (Neo wrote it), so Cleanup "left it alone",
// journaled it as deleted, and reported success while the artifact stays stored.
// An artifact must be journaled as one (Journal.CreatedArtifact), and Cleanup deletes
// it without the mark.
func TestReview2CleanupDeletesAJournaledArtifactOfADeletedJob(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j := openReview2Journal(t)
	const key = "run/neo-out/model-ml_c5.tar.gz"
	uri := "s3://" + testBucket + "/" + key
	if err := j.CreatingIn(srv.Region(), sagemaker.KindCompilationJob, "job-1"); err != nil {
		t.Fatal(err)
	}
	if err := srv.PutObject(testBucket, key, []byte("compiled by the run's job")); err != nil { // no mark: Neo wrote it
		t.Fatal(err)
	}
	if err := j.CreatedArtifact(srv.Region(), uri); err != nil {
		t.Fatal(err)
	}
	if err := j.Deleted(sagemaker.KindCompilationJob, "job-1"); err != nil { // the teardown deleted the job
		t.Fatal(err)
	}
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = srv.S3Client() }); err != nil {
		t.Fatal(err)
	}
	if keys := objectKeys(srv); len(keys) != 0 {
		t.Fatalf("objects after Cleanup = %v; want the run's artifact deleted", keys)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending = %v", p)
	}
}

// deniedHead is an S3 client whose role may not read objects (no s3:GetObject).
type deniedHead struct{ sagemaker.S3API }

func (deniedHead) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
}

// Honesty and money: CleanupRun reported success while the run's model archive stayed
// stored. FindRun reads each referenced object's mark with HeadObject, and any error
// there (a cleanup role without s3:GetObject, S3 failing until the deadline) read as
// "not the run's": the object was passed over in silence and CleanupRun returned nil.
// The rest must still go, and CleanupRun must say which object it could not check.
func TestReview2CleanupRunReportsAnObjectItCouldNotCheck(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	uri, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "run/" + c.RunID() + "/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name, m.ModelDataURL = c.Name("m"), c.Name("m"), uri
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	err = sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) {
		o.S3 = deniedHead{srv.S3Client()}
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	var keys []string
	for _, o := range srv.Objects() {
		if strings.Contains(o.Key, c.RunID()) {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) > 0 && (err == nil || !strings.Contains(err.Error(), uri)) {
		t.Fatalf("CleanupRun = %v with the run's %v left; want an error naming %s", err, keys, uri)
	}
	assertNothingLeft(t, srv) // the endpoint, its configuration and model still go
}

// scopedTags is a SageMaker client whose role may read the tags only of resources
// named like the run's, as an IAM policy scoped by resource name allows.
type scopedTags struct {
	*sm.Client
	allow string
}

func (s scopedTags) ListTags(ctx context.Context, in *sm.ListTagsInput, o ...func(*sm.Options)) (*sm.ListTagsOutput, error) {
	if !strings.Contains(aws.ToString(in.ResourceArn), s.allow) {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: sagemaker:ListTags on resource " + aws.ToString(in.ResourceArn)}
	}
	return s.Client.ListTags(ctx, in, o...)
}

// Money: one resource in the region whose tags the role may not read (a colleague's
// endpoint, outside a policy scoped to sagebench's names) made FindRun fail as a
// whole, so CleanupRun deleted nothing and the run's endpoint kept billing. What
// cannot be checked must be reported, and the run's resources deleted all the same.
func TestReview2CleanupRunDeletesTheRunDespiteAForeignResourceItCannotCheck(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, testKey, packTestModel(t)); err != nil {
		t.Fatal(err)
	}
	colleague := newClient(t, srv)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = "colleague-model", "colleague-endpoint"
	theirs, err := colleague.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	m, e = specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("m"), c.Name("m")
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	err = sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) {
		o.SageMaker = scopedTags{srv.SageMakerClient(), c.RunID()}
		o.S3 = srv.S3Client()
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	if err == nil || !strings.Contains(err.Error(), "colleague-endpoint") {
		t.Errorf("CleanupRun = %v; want an error naming the endpoint it could not check", err)
	}
	for _, l := range srv.Leftovers() {
		if strings.Contains(l, c.RunID()) {
			t.Fatalf("the run's %s is left; leftovers %v", l, srv.Leftovers())
		}
	}
	if err := theirs.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
}
