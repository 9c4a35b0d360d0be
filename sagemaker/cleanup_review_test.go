package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Review: Cleanup deletes every S3 object the journal lists without checking the run's
// mark, although Cleanup's doc says "only resources tagged with the journal's run are
// deleted" and CleanupRun does check (markedBy). An Upload journals the URI before it
// sends anything, so an Upload that failed before its PUT (here its body could not be
// read) leaves the user's own, pre-existing object at that key listed, and Cleanup
// deletes it.
func TestReviewCleanupNeverDeletesAnObjectTheRunDidNotWrite(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, "user/precious.tar.gz", []byte("the user's own archive")); err != nil {
		t.Fatal(err)
	}
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	_, err = c.Upload(context.Background(), sagemaker.UploadInput{Bucket: testBucket, Key: "user/precious.tar.gz", Body: failingReader{}})
	if err == nil {
		t.Fatal("Upload of an unreadable body succeeded")
	}
	if keys := objectKeys(srv); len(keys) != 1 {
		t.Fatalf("objects after the failed upload = %v; want the user's object untouched", keys)
	}
	if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = srv.S3Client() }); err != nil {
		t.Fatal(err)
	}
	if keys := objectKeys(srv); len(keys) != 1 {
		t.Fatalf("objects after Cleanup = %v; Cleanup deleted the user's object, which the run never wrote", keys)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk read error") }

// Review: a process killed during a multipart Upload leaves an in-progress multipart
// upload whose parts S3 stores (and bills) until it is aborted. The journal lists the
// object, but Cleanup only sends DeleteObject, which does nothing to the parts.
// Simulated here as the kill would leave it: journaled, created, one part uploaded.
func TestReviewCleanupAbortsAMultipartUploadAKilledRunLeft(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	s3c := srv.S3Client()
	ctx := context.Background()
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil { // creates the bucket
		t.Fatal(err)
	}
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	key := "run/" + j.RunID() + "/model.tar.gz"
	if err := j.CreatingIn(srv.Region(), sagemaker.KindS3Object, "s3://"+testBucket+"/"+key); err != nil {
		t.Fatal(err)
	}
	mu, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: mu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(make([]byte, 5<<20))}); err != nil {
		t.Fatal(err)
	}
	// kill -9 here.
	if err := sagemaker.Cleanup(ctx, srv.Config(), j, func(o *sagemaker.Options) { o.S3 = s3c }); err != nil {
		t.Fatal(err)
	}
	out, err := s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(testBucket)})
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
