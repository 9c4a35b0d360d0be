package sagemaker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// startUploads starts a multipart upload at each key of testBucket, as a killed
// Upload leaves them.
func startUploads(t *testing.T, s3c *s3.Client, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := s3c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
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

// pagedS3 asks for one multipart upload a page and answers the first abort with
// S3's throttling, so that Cleanup must page and retry.
type pagedS3 struct {
	sagemaker.S3API
	lists, aborts int
}

func (p *pagedS3) ListMultipartUploads(ctx context.Context, in *s3.ListMultipartUploadsInput, o ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	p.lists++
	in.MaxUploads = aws.Int32(1)
	return p.S3API.ListMultipartUploads(ctx, in, o...)
}

func (p *pagedS3) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	if p.aborts++; p.aborts == 1 {
		return nil, &smithy.GenericAPIError{Code: "SlowDown", Message: "Please reduce your request rate."}
	}
	return p.S3API.AbortMultipartUpload(ctx, in, o...)
}

// The run's uploads at the journaled key go, on every page and through throttling;
// an upload at a longer key that the prefix also matches, and the user's own object
// at the key (no mark), stay.
func TestCleanupAbortsEveryUploadAtTheJournaledKeyOnly(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	s3c := srv.S3Client()
	const key = "user/model.tar.gz"
	if err := srv.PutObject(testBucket, key, []byte("the user's own archive")); err != nil {
		t.Fatal(err)
	}
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.CreatingIn(srv.Region(), sagemaker.KindS3Object, "s3://"+testBucket+"/"+key); err != nil {
		t.Fatal(err)
	}
	startUploads(t, s3c, key, key, key+".bak")
	paged := &pagedS3{S3API: s3c}
	err = sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.S3 = paged
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	if left := uploadsLeft(t, s3c); !slices.Equal(left, []string{key + ".bak"}) {
		t.Fatalf("multipart uploads after Cleanup = %v; want only the one at %s.bak, which the run never journaled", left, key)
	}
	if paged.lists < 3 || paged.aborts != 3 {
		t.Errorf("ListMultipartUploads calls = %d, AbortMultipartUpload calls = %d; want every one-upload page read and the throttled abort tried again", paged.lists, paged.aborts)
	}
	if keys := objectKeys(srv); !slices.Equal(keys, []string{key}) {
		t.Fatalf("objects after Cleanup = %v; want the user's object untouched", keys)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending after Cleanup = %v; want none", p)
	}
}

// An upload at the key that began well before the run journaled the key is not the
// run's: a journal whose record of the key is two hours later than the upload.
func TestCleanupLeavesAnUploadOlderThanTheJournalsRecord(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	s3c := srv.S3Client()
	const key = "user/model.tar.gz"
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil {
		t.Fatal(err)
	}
	startUploads(t, s3c, key)
	path := filepath.Join(t.TempDir(), "run.journal")
	later := time.Now().UTC().Add(2 * time.Hour)
	var lines []byte
	for _, l := range []map[string]string{
		{"time": later.Format(time.RFC3339Nano), "op": "open", "run": "20990101t000000-abcd"},
		{"time": later.Format(time.RFC3339Nano), "op": "create", "kind": sagemaker.KindS3Object, "name": "s3://" + testBucket + "/" + key, "region": srv.Region()},
	} {
		b, _ := json.Marshal(l)
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(path, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = s3c }); err != nil {
		t.Fatal(err)
	}
	if left := uploadsLeft(t, s3c); !slices.Equal(left, []string{key}) {
		t.Fatalf("multipart uploads after Cleanup = %v; want the older upload at %s left alone", left, key)
	}
}

// deniedUploads is an S3 client whose role may not list multipart uploads.
type deniedUploads struct{ sagemaker.S3API }

func (deniedUploads) ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: s3:ListBucketMultipartUploads"}
}

// A role without s3:ListBucketMultipartUploads must not keep the run's object
// stored: it is deleted, Cleanup says what it could not check, and the key stays
// pending for a Cleanup with more rights.
func TestCleanupDeletesTheObjectWhenUploadsCannotBeListed(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	if err := c.EnsureBucket(context.Background(), testBucket); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "run/model.tar.gz", Body: bytes.NewReader([]byte("archive"))}); err != nil {
		t.Fatal(err)
	}
	err = sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = deniedUploads{srv.S3Client()} })
	if err == nil || !strings.Contains(err.Error(), "ListBucketMultipartUploads") {
		t.Fatalf("Cleanup without the right to list uploads = %v; want the AccessDenied", err)
	}
	if keys := objectKeys(srv); len(keys) != 0 {
		t.Fatalf("objects after Cleanup = %v; want the run's object deleted anyway", keys)
	}
	if p, _ := j.Pending(); len(p) != 1 {
		t.Fatalf("pending after the denied Cleanup = %v; want the key still listed", p)
	}
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = srv.S3Client() }); err != nil {
		t.Fatal(err)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending after the second Cleanup = %v; want none", p)
	}
}
