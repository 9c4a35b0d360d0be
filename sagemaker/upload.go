package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/internal/smretry"
)

// DefaultBucket returns the bucket name the Python SDK uses by default,
// sagemaker-{region}-{account}. The account is not looked up (that needs STS): pass it.
func DefaultBucket(region, account string) string {
	return "sagemaker-" + region + "-" + account
}

// ExpectBucketOwner returns an S3 client option that sends every call but CreateBucket
// (which has no such parameter) with ExpectedBucketOwner account: S3 then refuses, with
// 403 AccessDenied, a bucket of that name owned by another account instead of reading
// or writing it. The Python SDK checks its default bucket so
// (aws/sagemaker-python-sdk, Session.expected_bucket_owner_id_bucket_check), because
// anyone may create sagemaker-{region}-{account} first. See
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html.
func ExpectBucketOwner(account string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Build.Add(middleware.BuildMiddlewareFunc("sagebenchExpectedBucketOwner",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok && awsmiddleware.GetOperationName(ctx) != "CreateBucket" {
						req.Header.Set("X-Amz-Expected-Bucket-Owner", account)
					}
					return next.HandleBuild(ctx, in)
				}), middleware.After)
		})
	}
}

// UploadInput says what to upload where.
type UploadInput struct {
	Bucket string
	Key    string    // e.g. "sagebench/resnet50/model.tar.gz"
	Body   io.Reader // e.g. an *os.File of the archive; read once, to the end
	// KMSKeyID, if set, encrypts the object with SSE-KMS under this key (ID, ARN or
	// alias). SageMaker's execution role then needs kms:Decrypt on it.
	KMSKeyID string
}

var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Upload stores in.Body at s3://Bucket/Key with the S3 transfer manager (a multipart
// upload, in parallel parts, above 16 MiB) and returns the s3:// URI for ModelSpec.ModelDataURL.
//
// The object is journaled first (Options.Journal) and marked with the run id. A failed
// or cancelled multipart upload is aborted on a fresh context bounded by
// Options.CleanupTimeout, so its parts do not stay stored; one that a killed process
// left is aborted by Cleanup: Upload journals each multipart upload's id before it
// sends the first part, and Cleanup aborts those ids, never
// another upload at the same key.
func (c *Client) Upload(ctx context.Context, in UploadInput) (string, error) {
	if err := c.built(); err != nil {
		return "", err
	}
	if !bucketPattern.MatchString(in.Bucket) || strings.Contains(in.Bucket, "..") {
		return "", fmt.Errorf("sagemaker: upload: invalid bucket name %q", in.Bucket)
	}
	if in.Key == "" || strings.HasPrefix(in.Key, "/") || len(in.Key) > 1024 {
		return "", fmt.Errorf("sagemaker: upload: invalid key %q (non-empty, no leading '/')", in.Key)
	}
	if in.Body == nil {
		return "", errors.New("sagemaker: upload: no body")
	}
	uri := "s3://" + in.Bucket + "/" + in.Key
	tm := transfermanager.New(journaledUploads{c.opts.S3, c, uri}, func(o *transfermanager.Options) {
		// Without a FailTimeout the abort of a cancelled multipart upload runs on the
		// cancelled context, fails, and leaves the parts stored (and billed).
		o.FailTimeout = c.opts.CleanupTimeout
		if c.opts.UploadPartSize > 0 {
			o.PartSizeBytes = c.opts.UploadPartSize
		}
		if c.opts.UploadConcurrency > 0 {
			o.Concurrency = c.opts.UploadConcurrency
		}
	})
	put := &transfermanager.UploadObjectInput{
		Bucket: aws.String(in.Bucket),
		Key:    aws.String(in.Key),
		Body:   in.Body,
		// The run's mark, read back by CleanupRun before it deletes an object; the
		// object tag is for people and lifecycle rules.
		Metadata: map[string]string{runMetadata: c.opts.RunID},
		Tagging:  aws.String(url.QueryEscape(TagRun) + "=" + url.QueryEscape(c.opts.RunID)),
	}
	if in.KMSKeyID != "" {
		put.ServerSideEncryption = tmtypes.ServerSideEncryptionAwsKms
		put.SSEKMSKeyID = aws.String(in.KMSKeyID)
	}
	if err := c.journalCreating(KindS3Object, uri); err != nil {
		return "", err
	}
	c.logf("sagemaker: uploading %s", uri)
	if _, err := tm.UploadObject(ctx, put); err != nil {
		return "", fmt.Errorf("sagemaker: upload %s: %w", uri, err)
	}
	return uri, nil
}

// EnsureBucket creates the bucket in the client's region unless it exists already, as the
// Python SDK's default_bucket does. A bucket owned by another account is an error.
func (c *Client) EnsureBucket(ctx context.Context, bucket string) error {
	if err := c.built(); err != nil {
		return err
	}
	_, err := c.opts.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return nil
	}
	if code := smretry.Code(err); code != "NotFound" && code != "NoSuchBucket" {
		return fmt.Errorf("sagemaker: bucket %s: %w", bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	// us-east-1 is the default location and refuses to be named as a constraint.
	if r := c.opts.Region; r != "" && r != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r)}
	}
	c.logf("sagemaker: creating bucket %s", bucket)
	if _, err := c.opts.S3.CreateBucket(ctx, in); err != nil {
		var owned *s3types.BucketAlreadyOwnedByYou
		if errors.As(err, &owned) {
			return nil // created concurrently by another of our processes
		}
		return fmt.Errorf("sagemaker: create bucket %s: %w", bucket, err)
	}
	return nil
}

// ParseS3URI splits s3://bucket/key into bucket and key.
func ParseS3URI(uri string) (bucket, key string, err error) {
	return journal.ParseS3URI(uri)
}
