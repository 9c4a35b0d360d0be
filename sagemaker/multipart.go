package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// uploadSkew is how much earlier than the journal's record of a key a multipart upload
// at that key may have been initiated, by S3's clock, and still be the run's: the
// journal's clock is the local one. SigV4 refuses requests more than 15 minutes off;
// an hour leaves room for the SDK's own skew correction.
const uploadSkew = time.Hour

// abortUploads aborts the in-progress multipart uploads at exactly the object uri
// that were initiated no earlier than uploadSkew before since. A multipart upload is not an object and carries no metadata that S3
// would show before it completes, so Upload's run mark cannot be read from it; the
// proof that it is the run's is that the run journaled this key before it sent
// CreateMultipartUpload, and that the upload is not older than that record. Listing
// and aborting are retried like deletes; an upload gone meanwhile (NoSuchUpload)
// counts as aborted.
func (c *Client) abortUploads(ctx context.Context, uri string, since time.Time) error {
	bucket, key, err := ParseS3URI(uri)
	if err != nil {
		return err
	}
	// List first, then abort: an abort between two pages would move the markers.
	var ids []string
	p := s3.NewListMultipartUploadsPaginator(c.opts.S3, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
	for p.HasMorePages() {
		var page *s3.ListMultipartUploadsOutput
		err := c.retrying(ctx, uri+": list multipart uploads", func() error {
			var err error
			page, err = p.NextPage(ctx)
			return err
		})
		if isNoSuchUpload(err) || isNoSuchBucket(err) {
			break // no upload at all (or no bucket): nothing stored, nothing billed
		}
		if err != nil {
			return fmt.Errorf("list multipart uploads: %w", err)
		}
		for _, u := range page.Uploads {
			// Prefix also matches longer keys ("model.tar.gz.bak"): those are not ours.
			if aws.ToString(u.Key) != key || u.UploadId == nil {
				continue
			}
			if u.Initiated != nil && u.Initiated.Before(since.Add(-uploadSkew)) {
				c.logf("sagemaker: cleanup: multipart upload %s of %s began %s, before the run journaled the key; leaving it alone",
					aws.ToString(u.UploadId), uri, u.Initiated.UTC().Format(time.RFC3339))
				continue
			}
			ids = append(ids, aws.ToString(u.UploadId))
		}
	}
	for _, id := range ids {
		c.logf("sagemaker: cleanup: aborting multipart upload %s of %s", id, uri)
		err := c.retrying(ctx, uri+": abort multipart upload", func() error {
			_, err := c.opts.S3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id)})
			if isNoSuchUpload(err) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("abort multipart upload %s: %w", id, err)
		}
	}
	return nil
}

func isNoSuchUpload(err error) bool {
	var nu *s3types.NoSuchUpload
	var ae smithy.APIError
	return errors.As(err, &nu) || errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload"
}

func isNoSuchBucket(err error) bool {
	var nb *s3types.NoSuchBucket
	var ae smithy.APIError
	return errors.As(err, &nb) || errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket"
}
