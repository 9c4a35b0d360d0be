package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// startUploads starts a multipart upload at each key of testBucket and returns their
// ids, as a killed Upload leaves them.
func startUploads(t *testing.T, s3c *s3.Client, keys ...string) []string {
	t.Helper()
	var ids []string
	for _, k := range keys {
		out, err := s3c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.UploadId))
	}
	return ids
}

func uploadsLeft(t *testing.T, s3c *s3.Client) []string {
	t.Helper()
	var keys []string
	p := s3.NewListMultipartUploadsPaginator(s3c, &s3.ListMultipartUploadsInput{Bucket: aws.String(testBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Uploads {
			keys = append(keys, aws.ToString(u.Key))
		}
	}
	slices.Sort(keys)
	return keys
}

// throttledAborts answers the first abort with S3's throttling, so that Cleanup must
// retry.
type throttledAborts struct {
	sagemaker.S3API
	aborts int
}

func (p *throttledAborts) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	if p.aborts++; p.aborts == 1 {
		return nil, &smithy.GenericAPIError{Code: "SlowDown", Message: "Please reduce your request rate."}
	}
	return p.S3API.AbortMultipartUpload(ctx, in, o...)
}

// The run's recorded uploads at the journaled key go, through throttling; an upload
// at a longer key, an upload at the same key that the journal did not record (another
// writer's), and the user's own object at the key (no mark), stay.
func TestCleanupAbortsEveryUploadAtTheJournaledKeyOnly(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	s3c := srv.S3Client()
	const key = "user/model.tar.gz"
	if err := srv.PutObject(testBucket, key, []byte("the user's own archive")); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t)
	uri := "s3://" + testBucket + "/" + key
	if err := journal.Of(j).CreatingIn(srv.Region(), journal.KindS3Object, uri); err != nil {
		t.Fatal(err)
	}
	ids := startUploads(t, s3c, key, key, key+".bak", key)
	for _, id := range ids[:2] {
		if err := journal.Of(j).Uploading(uri, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := journal.Of(j).Uploading("s3://"+testBucket+"/"+key+".bak", ids[2]+"-not-this-one"); err != nil {
		t.Fatal(err)
	}
	throttled := &throttledAborts{S3API: s3c}
	err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.S3 = throttled
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range srv.MultipartUploads() {
		left = append(left, u.Key+" "+u.UploadID)
	}
	slices.Sort(left)
	want := []string{key + " " + ids[3], key + ".bak " + ids[2]}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("multipart uploads after Cleanup = %v; want only %v, which the run never recorded", left, want)
	}
	if throttled.aborts != 4 {
		t.Errorf("AbortMultipartUpload calls = %d; want the two recorded uploads of the key, the throttled abort tried again, and the .bak's recorded id", throttled.aborts)
	}
	if keys := objectKeys(srv); !slices.Equal(keys, []string{key}) {
		t.Fatalf("objects after Cleanup = %v; want the user's object untouched", keys)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending after Cleanup = %v; want none", p)
	}
}

// deniedUploads is an S3 client whose role may not abort multipart uploads.
type deniedUploads struct{ sagemaker.S3API }

func (deniedUploads) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: s3:AbortMultipartUpload"}
}

// A role without s3:AbortMultipartUpload must not keep the run's object stored: it
// is deleted, Cleanup says what it could not abort, and the key stays pending for a
// Cleanup with more rights.
func TestCleanupDeletesTheObjectWhenUploadsCannotBeAborted(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	c, j := newJournaledClient(t, srv)
	if err := c.EnsureBucket(context.Background(), testBucket); err != nil {
		t.Fatal(err)
	}
	uri, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "run/model.tar.gz", Body: bytes.NewReader([]byte("archive"))})
	if err != nil {
		t.Fatal(err)
	}
	// A second Upload of the key, killed after its first part.
	if err := journal.Of(j).Uploading(uri, startUploads(t, srv.S3Client(), "run/model.tar.gz")[0]); err != nil {
		t.Fatal(err)
	}
	err = sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = deniedUploads{srv.S3Client()} })
	if err == nil || !strings.Contains(err.Error(), "s3:AbortMultipartUpload") {
		t.Fatalf("Cleanup without the right to abort uploads = %v; want the AccessDenied", err)
	}
	if keys := objectKeys(srv); len(keys) != 0 {
		t.Fatalf("objects after Cleanup = %v; want the run's object deleted anyway", keys)
	}
	if p, _ := j.Pending(); len(p) != 1 {
		t.Fatalf("pending after the denied Cleanup = %v; want the key still listed", p)
	}
	cleanupFromJournal(t, srv, j)
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending after the second Cleanup = %v; want none", p)
	}
	if n := len(srv.MultipartUploads()); n != 0 {
		t.Fatalf("%d multipart uploads after the second Cleanup; want the recorded one aborted", n)
	}
}

// A multipart Upload journals its upload's id; after the upload completed, Cleanup's
// abort of that id finds it gone (NoSuchUpload), which is no error, and the object goes.
func TestUploadJournalsItsMultipartUploadAndCleanupAfterCompletionSucceeds(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j; o.UploadPartSize = 5 << 20 })
	if err := c.EnsureBucket(context.Background(), testBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "big/model.tar.gz", Body: bytes.NewReader(make([]byte, 17<<20))}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Contains(b, []byte(`"op":"upload"`)) {
		t.Fatalf("journal after a multipart Upload (%v):\n%s\nwant its upload id recorded", err, b)
	}
	for _, bad := range [][2]string{{"", "x"}, {"big/model.tar.gz", "x"}, {"s3://" + testBucket + "/big/model.tar.gz", ""}} {
		if err := journal.Of(j).Uploading(bad[0], bad[1]); err == nil {
			t.Errorf("Uploading(%q, %q): nil error", bad[0], bad[1])
		}
	}
	cleanupFromJournal(t, srv, j)
	assertNothingLeft(t, srv)
	if keys := objectKeys(srv); len(keys) != 0 {
		t.Fatalf("objects after Cleanup = %v", keys)
	}
}

// failedAbort is an S3 client on which an Upload is cut short after its first part
// and whose own abort fails, as when the process dies: the upload stays, with a part.
type failedAbort struct {
	sagemaker.S3API
	cancel context.CancelFunc
	parts  int
}

func (f *failedAbort) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if f.parts++; f.parts > 1 {
		f.cancel()
		return nil, context.Canceled
	}
	return f.S3API.UploadPart(ctx, in, o...)
}

func (f *failedAbort) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "InternalError", Message: "the process died first"}
}

// An Upload left behind at a key with spaces, a plus and non-ASCII letters is found by
// the id it journaled and aborted; an upload of another writer at the same key stays.
func TestCleanupAbortsTheJournaledUploadAtAKeyWithSpecialCharacters(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	const key = "ü ñ/a+b model=1&x.tar.gz"
	j := openJournal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(t, srv, func(o *sagemaker.Options) {
		o.Journal = j
		o.S3 = &failedAbort{S3API: srv.S3Client(), cancel: cancel}
		o.UploadPartSize, o.UploadConcurrency = 5<<20, 1
		o.CleanupTimeout = time.Second
	})
	if err := c.EnsureBucket(context.Background(), testBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: key, Body: bytes.NewReader(make([]byte, 17<<20))}); err == nil {
		t.Fatal("Upload cut short: nil error")
	}
	theirs := startUploads(t, srv.S3Client(), key)[0]
	if n := len(srv.MultipartUploads()); n != 2 {
		t.Fatalf("%d uploads before Cleanup; want the cut-short one and the other writer's", n)
	}
	cleanupFromJournal(t, srv, j)
	left := srv.MultipartUploads()
	if len(left) != 1 || left[0].Key != key || left[0].UploadID != theirs {
		t.Fatalf("uploads after Cleanup = %+v; want only the other writer's %s at %q", left, theirs, key)
	}
}

// A process killed during a multipart Upload leaves an in-progress multipart upload
// whose parts S3 stores (and bills) until it is aborted; DeleteObject does nothing to
// them, so Cleanup aborts the journaled upload. Simulated here as the kill would leave
// it: journaled, created, its id journaled, one part uploaded.
func TestCleanupAbortsAMultipartUploadAKilledRunLeft(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	s3c := srv.S3Client()
	ctx := context.Background()
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil { // creates the bucket
		t.Fatal(err)
	}
	j := openJournal(t)
	key := "run/" + j.RunID() + "/model.tar.gz"
	if err := journal.Of(j).CreatingIn(srv.Region(), journal.KindS3Object, "s3://"+testBucket+"/"+key); err != nil {
		t.Fatal(err)
	}
	mu, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	// Upload records the upload's id before it sends the first part.
	if err := journal.Of(j).Uploading("s3://"+testBucket+"/"+key, aws.ToString(mu.UploadId)); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: mu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(make([]byte, 5<<20))}); err != nil {
		t.Fatal(err)
	}
	// kill -9 here.
	cleanupFromJournal(t, srv, j)
	out, err := s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(testBucket)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload" {
		return // gofakes3's answer when a bucket has no multipart upload at all
	}
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range out.Uploads {
		left = append(left, aws.ToString(u.Key))
	}
	if len(left) > 0 {
		t.Fatalf("multipart uploads after Cleanup: %v; their parts stay stored and billed", left)
	}
}

// Cleanup aborts only uploads that are the run's. The key is the caller's choice
// ("sagebench/resnet50/model.tar.gz"), so two runs, or the run and the user's own
// "aws s3 cp", write the same key. Here run A's Upload finished; run B then starts a
// multipart upload of the same key; A's Cleanup (A's journal lists the key) must leave
// B's upload alone, or B's data would be thrown away mid-transfer.
func TestCleanupLeavesAnotherRunsUploadAtTheSameKey(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	const key = "shared/model.tar.gz"
	c, j := newJournaledClient(t, srv)
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
	cleanupFromJournal(t, srv, j)
	if n := len(srv.MultipartUploads()); n != 1 {
		t.Fatalf("uploads left = %d; want run B's upload untouched", n)
	}
}
