package sagemakertest_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3MultipartUploadOf20MB(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 20<<20)
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(data)

	tm := transfermanager.New(s3c, func(o *transfermanager.Options) { o.PartSizeBytes = 5 << 20 })
	if _, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: aws.String("big"), Key: aws.String("dir/model.tar.gz"), Body: bytes.NewReader(data),
	}); err != nil {
		t.Fatalf("multipart upload: %v", err)
	}
	if got := srv.Calls("s3:PUT"); got < 4 {
		t.Errorf("s3:PUT calls = %d, want at least 4 parts", got)
	}
	got, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("dir/model.tar.gz")})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	back, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(back) != sha256.Sum256(data) {
		t.Fatalf("downloaded %d bytes differ from the 20 MB uploaded", len(back))
	}
	objs := srv.Objects()
	if len(objs) != 1 || objs[0].URL() != "s3://big/dir/model.tar.gz" || objs[0].Size != 20<<20 {
		t.Errorf("Objects() = %+v", objs)
	}
}

// The SDK's default (WhenSupported) checksums must work too.
func TestS3PutWithDefaultChecksums(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	cfg := srv.Config()
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("sagebench "), 10000)
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	back, _ := io.ReadAll(out.Body)
	if !bytes.Equal(back, body) {
		t.Fatalf("stored %d bytes, want the %d sent", len(back), len(body))
	}
}

// Over TLS, SDKs stream bodies as aws-chunked with a checksum trailer, which
// gofakes3 does not decode; the emulator must store the payload, not the
// framing.
func TestS3StoresPayloadOfAWSChunkedBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if err := srv.PutObject("bkt", "seed", nil); err != nil {
		t.Fatal(err)
	}
	framed := "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/bkt/greeting", strings.NewReader(framed))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	req.Header.Set("X-Amz-Decoded-Content-Length", "11")
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT status %d", resp.StatusCode)
	}
	out, err := srv.S3Client().GetObject(ctxT(t), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("greeting")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	if back, _ := io.ReadAll(out.Body); string(back) != "hello world" {
		t.Errorf("stored %q, want %q", back, "hello world")
	}
}

// TestS3ObjectAnswersCarryNoSigningHeaders: HeadObject and GetObject answer
// with the object's metadata and no header of the PutObject that stored it:
// x-amz-date, x-amz-content-sha256 and x-amz-sdk-checksum-algorithm sign or
// checksum a request and S3 never returns them. Before, gofakes3 played them
// back.
func TestS3ObjectAnswersCarryNoSigningHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	s3c := srv.S3Client()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("data"),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32, Metadata: map[string]string{"owner": "me"},
	}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+"/bkt/k", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for _, h := range []string{"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Crc32", "Amz-Sdk-Invocation-Id"} {
			if v := res.Header.Get(h); v != "" {
				t.Errorf("%s answered %s: %s", method, h, v)
			}
		}
		if got := res.Header.Get("X-Amz-Meta-Owner"); got != "me" {
			t.Errorf("%s answered x-amz-meta-owner %q, want the object's metadata \"me\"", method, got)
		}
	}
}
