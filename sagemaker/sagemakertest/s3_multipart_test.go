package sagemakertest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// ListMultipartUploads of a bucket where no multipart upload was ever started is an
// empty list, as S3 answers (gofakes3 alone would answer 404 NoSuchUpload).
func TestS3ListMultipartUploadsOfABucketWithoutUploadsIsEmpty(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("quiet")}); err != nil {
		t.Fatal(err)
	}
	out, err := s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("quiet"), Prefix: aws.String("k")})
	if err != nil {
		t.Fatalf("ListMultipartUploads of a bucket without uploads: %v; want an empty list", err)
	}
	if len(out.Uploads) != 0 || aws.ToBool(out.IsTruncated) || aws.ToString(out.Bucket) != "quiet" {
		t.Fatalf("ListMultipartUploads = %d uploads, truncated %v, bucket %q; want none of bucket quiet",
			len(out.Uploads), aws.ToBool(out.IsTruncated), aws.ToString(out.Bucket))
	}
	_, err = s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("missing")})
	if apiCode(err) != "NoSuchBucket" {
		t.Fatalf("ListMultipartUploads of a missing bucket: %v; want NoSuchBucket", err)
	}
}

// What Cleanup relies on: a prefix listing, paged, and aborts that remove uploads.
func TestS3ListsByPrefixPagesAndAbortsMultipartUploads(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	b := aws.String("parts")
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"run/model.tar.gz", "run/model.tar.gz", "run/model.tar.gz.bak", "zzz"} {
		if _, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String(key)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func() (keys, ids []string) {
		t.Helper()
		p := s3.NewListMultipartUploadsPaginator(s3c, &s3.ListMultipartUploadsInput{Bucket: b, Prefix: aws.String("run/model.tar.gz"), MaxUploads: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Uploads {
				keys, ids = append(keys, aws.ToString(u.Key)), append(ids, aws.ToString(u.UploadId))
				if u.Initiated == nil || u.Initiated.IsZero() {
					t.Errorf("upload %s has no Initiated time", aws.ToString(u.UploadId))
				}
			}
		}
		return keys, ids
	}
	keys, ids := list()
	if want := []string{"run/model.tar.gz", "run/model.tar.gz", "run/model.tar.gz.bak"}; !slices.Equal(keys, want) {
		t.Fatalf("uploads by prefix, one a page = %v; want %v", keys, want)
	}
	if _, err := s3c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("run/model.tar.gz"), UploadId: aws.String(ids[0])}); err != nil {
		t.Fatal(err)
	}
	_, err := s3c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String("run/model.tar.gz"), UploadId: aws.String(ids[0])})
	if apiCode(err) != "NoSuchUpload" {
		t.Fatalf("second abort of upload %s: %v; want NoSuchUpload", ids[0], err)
	}
	if keys, _ := list(); len(keys) != 2 {
		t.Fatalf("uploads after one abort = %v; want two", keys)
	}
}

// An upload in progress is a leftover: its parts are billed until it is aborted.
func TestLeftoversListAMultipartUploadInProgress(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	b := aws.String("parts")
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Fatalf("Leftovers of a bucket without uploads = %v; want none", left)
	}
	var ids []string
	for _, key := range []string{"b/k", "a/k", "a/k"} {
		mu, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(mu.UploadId))
	}
	ups := srv.MultipartUploads()
	var keys []string
	for _, u := range ups {
		keys = append(keys, u.Bucket+"/"+u.Key)
		if u.Initiated.IsZero() {
			t.Errorf("upload %s has no Initiated time", u.UploadID)
		}
	}
	if want := []string{"parts/a/k", "parts/a/k", "parts/b/k"}; !slices.Equal(keys, want) {
		t.Fatalf("MultipartUploads = %v; want %v", keys, want)
	}
	if left := srv.Leftovers(); len(left) != 3 || !strings.HasPrefix(left[0], "multipart-upload s3://parts/a/k (") {
		t.Fatalf("Leftovers = %v; want the three uploads", left)
	}
	for i, key := range []string{"b/k", "a/k", "a/k"} {
		if _, err := s3c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: aws.String(key), UploadId: aws.String(ids[i])}); err != nil {
			t.Fatal(err)
		}
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Fatalf("Leftovers after the aborts = %v; want none", left)
	}
}
