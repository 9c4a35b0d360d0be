package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sagebench/sagebench/sagemaker"
)

func TestUploadLargeArchiveInParts(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv, func(o *sagemaker.Options) { o.UploadPartSize = 5 << 20 })
	ctx := context.Background()
	if err := c.EnsureBucket(ctx, testBucket); err != nil {
		t.Fatal(err)
	}
	// 17 MiB of incompressible bytes: above the 16 MiB multipart threshold, 4 parts.
	body := make([]byte, 17<<20)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(body)
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: "big/model.tar.gz", Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	if uri != "s3://"+testBucket+"/big/model.tar.gz" {
		t.Fatalf("uri = %s", uri)
	}
	if n := srv.Calls("s3:PUT"); n < 4 {
		t.Errorf("%d S3 PUTs; want one per 5 MiB part (at least 4)", n)
	}
	out, err := srv.S3Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String("big/model.tar.gz")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("stored object differs from the upload (%d of %d bytes, %v)", len(got), len(body), err)
	}
}

func TestUploadRefusesBadTargets(t *testing.T) {
	t.Parallel()
	_, c := newEnv(t, nil)
	for _, in := range []sagemaker.UploadInput{
		{Bucket: "Bad_Bucket", Key: "k", Body: strings.NewReader("x")},
		{Bucket: "ok-bucket", Key: "", Body: strings.NewReader("x")},
		{Bucket: "ok-bucket", Key: "/abs", Body: strings.NewReader("x")},
		{Bucket: "ok-bucket", Key: "k"},
	} {
		if _, err := c.Upload(context.Background(), in); err == nil || !strings.HasPrefix(err.Error(), "sagemaker: upload") {
			t.Errorf("Upload(%+v) = %v, want a sagemaker: upload error", in, err)
		}
	}
}

// recordS3 captures PutObject inputs; the rest of the interface is never called.
type recordS3 struct {
	sagemaker.S3API
	put *s3.PutObjectInput
}

func (r *recordS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	r.put = in
	_, _ = io.Copy(io.Discard, in.Body)
	return &s3.PutObjectOutput{}, nil
}

func TestUploadWithKMSKey(t *testing.T) {
	t.Parallel()
	rec := &recordS3{}
	c := sagemaker.NewClient(aws.Config{Region: "eu-west-1"}, func(o *sagemaker.Options) { o.S3 = rec })
	const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := c.Upload(context.Background(), sagemaker.UploadInput{Bucket: "b-1", Key: "k", Body: strings.NewReader("x"), KMSKeyID: key}); err != nil {
		t.Fatal(err)
	}
	if rec.put == nil || rec.put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(rec.put.SSEKMSKeyId) != key {
		t.Fatalf("PutObject input = %+v; want SSE-KMS with the key", rec.put)
	}
}

// cancelOnPart cancels the upload's context when the first part is sent.
type cancelOnPart struct {
	sagemaker.S3API
	cancel context.CancelFunc
}

func (c *cancelOnPart) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	c.cancel()
	return c.S3API.UploadPart(ctx, in, o...)
}

func TestUploadCancelledMidwayAbortsTheMultipartUpload(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(t, srv, func(o *sagemaker.Options) {
		o.S3 = &cancelOnPart{S3API: srv.S3Client(), cancel: cancel}
		o.UploadPartSize = 5 << 20
		o.UploadConcurrency = 1
	})
	body := make([]byte, 17<<20)
	_, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: "cancelled/model.tar.gz", Body: bytes.NewReader(body)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for _, o := range srv.Objects() {
		if o.Key == "cancelled/model.tar.gz" {
			t.Fatalf("a cancelled upload left %s", o.URL())
		}
	}
	if n := srv.Calls("s3:DELETE"); n != 1 {
		t.Errorf("%d S3 DELETEs; want one AbortMultipartUpload", n)
	}
	assertNothingLeft(t, srv) // no multipart upload in progress either
}
