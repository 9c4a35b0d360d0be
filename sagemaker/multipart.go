package sagemaker

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sagebench/sagebench/internal/smretry"
)

// abortUploads aborts the multipart uploads ids of the object uri: those the journal
// recorded as begun by the run (Upload records each id). No other upload at the key is
// touched: the key is the caller's choice, and another run, or the user's own copy,
// may be writing the same key, while a multipart upload shows no metadata that would
// tell whose it is. Each abort is retried like a delete; an upload already gone
// (completed, or aborted by Upload itself: NoSuchUpload) or whose bucket is gone
// counts as aborted.
//
// ended is called with each upload aborted, so that the journal records it ended.
func (c *Client) abortUploads(ctx context.Context, uri string, ids []string, ended func(id string)) error {
	if len(ids) == 0 {
		return nil
	}
	bucket, key, err := ParseS3URI(uri)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		c.logf("sagemaker: cleanup: aborting multipart upload %s of %s", id, uri)
		err := c.retrying(ctx, uri+": abort multipart upload", func() error {
			_, err := c.opts.S3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)})
			if isNoSuchUpload(err) || isNoSuchBucket(err) {
				return nil
			}
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("abort multipart upload %s: %w", id, err))
			continue
		}
		ended(id)
	}
	return errors.Join(errs...)
}

// journaledUploads is the S3 client Upload gives the transfer manager: it records
// each multipart upload's id in the journal as soon as CreateMultipartUpload answers,
// before any part (anything billed) is sent, so that Cleanup can abort exactly that
// upload after a kill.
type journaledUploads struct {
	S3API
	c   *Client
	uri string
}

func (u journaledUploads) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := u.S3API.CreateMultipartUpload(ctx, in, optFns...)
	if err != nil || u.c.opts.Journal == nil {
		return out, err
	}
	id := aws.ToString(out.UploadId)
	jerr := u.c.opts.Journal.file().Uploading(u.uri, id)
	if jerr == nil {
		return out, nil
	}
	// Unrecorded, the upload must not get a part: abort it (it holds none yet) on a
	// context the caller's cancellation cannot cut short.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.c.opts.CleanupTimeout)
	defer cancel()
	if _, err := u.S3API.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: out.UploadId}); err != nil && !isNoSuchUpload(err) {
		return nil, errors.Join(jerr, fmt.Errorf("abort unrecorded multipart upload %s: %w", id, err))
	}
	return nil, jerr
}

// CompleteMultipartUpload records, once S3 says the upload is complete, that it ended:
// its parts became the object, and Cleanup has no upload to abort.
func (u journaledUploads) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := u.S3API.CompleteMultipartUpload(ctx, in, optFns...)
	if err == nil {
		u.ended(aws.ToString(in.UploadId))
	}
	return out, err
}

// AbortMultipartUpload records, once S3 says the upload is aborted (or gone), that it
// ended: its parts are no longer stored.
func (u journaledUploads) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	out, err := u.S3API.AbortMultipartUpload(ctx, in, optFns...)
	if err == nil || isNoSuchUpload(err) {
		u.ended(aws.ToString(in.UploadId))
	}
	return out, err
}

// ended journals that upload id of u.uri ended.
func (u journaledUploads) ended(id string) { u.c.journalUploaded(u.c.opts.Journal, u.uri, id) }

// journalUploaded records in j (if any) that multipart upload id of uri ended. Not
// fatal when it fails: an upload still recorded as begun costs Cleanup one abort that
// S3 answers NoSuchUpload.
func (c *Client) journalUploaded(j *Journal, uri, id string) {
	if j == nil || id == "" {
		return
	}
	if err := j.file().Uploaded(uri, id); err != nil {
		c.logf("sagemaker: %v", err)
	}
}

func isNoSuchUpload(err error) bool { return smretry.Code(err) == "NoSuchUpload" }

func isNoSuchBucket(err error) bool { return smretry.Code(err) == "NoSuchBucket" }
