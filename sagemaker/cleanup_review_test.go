package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Review: Cleanup deletes every S3 object the journal lists without checking the run's
// mark, although Cleanup's doc says "only resources tagged with the journal's run are
// deleted" and CleanupRun does check (FindRun reads the mark). An Upload journals the URI before it
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
// Simulated here as the kill would leave it: journaled, created, its id journaled,
// one part uploaded.
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
	// Upload records the upload's id before it sends the first part.
	if err := j.Uploading("s3://"+testBucket+"/"+key, aws.ToString(mu.UploadId)); err != nil {
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

// Review: Cleanup retries throttled and 5xx deletes until its deadline, but the
// describe and ListTags that decide whether a resource is the run's go through the
// SDK's few attempts only. A throttled account (the usual state of one a crashed
// benchmark left busy) makes Cleanup give up on the endpoint at once, although
// CleanupTimeout allows minutes.
func TestReviewCleanupRetriesAThrottledOwnershipCheck(t *testing.T) {
	for _, op := range []string{"DescribeEndpoint", "ListTags"} {
		t.Run(op, func(t *testing.T) {
			srv := sagemakertest.NewServer()
			t.Cleanup(srv.Close)
			srv.PutObject(testBucket, testKey, packTestModel(t))
			j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			deployUnfinished(t, srv, newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j }))
			srv.FailNext(op, 4, sagemakertest.ErrThrottling()) // more than the SDK's 3 attempts
			err = sagemaker.Cleanup(context.Background(), srv.Config(), j, fastRetries(srv), func(o *sagemaker.Options) {
				o.S3 = srv.S3Client()
				o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
			})
			if err != nil {
				t.Fatalf("Cleanup gave up on throttling: %v", err)
			}
			assertNothingLeft(t, srv)
		})
	}
}

// Review (holds?): CleanupRun when the run has more resources than one page of each
// listing, and the account more than one page of other resources.
func TestReviewCleanupRunPagesThroughManyResources(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	api := srv.SageMakerClient()
	ctx := context.Background()
	run := sagemaker.NewRunID()
	for i := range 230 {
		tags := sagemaker.RunTags(run)
		if i%2 == 1 {
			tags = sagemaker.RunTags("someone-else")
		}
		_, err := api.CreateModel(ctx, &sm.CreateModelInput{
			ModelName:        aws.String(fmt.Sprintf("m-%03d", i)),
			ExecutionRoleArn: aws.String(testRole),
			PrimaryContainer: &smtypes.ContainerDefinition{Image: aws.String("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"), ModelDataUrl: aws.String("s3://" + testBucket + "/" + testKey)},
			Tags:             tags,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := sagemaker.CleanupRun(ctx, srv.Config(), run, func(o *sagemaker.Options) { o.S3 = srv.S3Client() }); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Models()); n != 115 {
		t.Fatalf("%d models left; want the other run's 115", n)
	}
}
