package loadjob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func put(ctx context.Context, c *s3.Client, bucket, key string, body []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		return fmt.Errorf("loadjob: uploading s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

func putFile(ctx context.Context, c *s3.Client, bucket, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("loadjob: worker: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: io.NewSectionReader(f, 0, st.Size()), ContentLength: aws.Int64(st.Size())})
	if err != nil {
		return fmt.Errorf("loadjob: uploading the worker %s to s3://%s/%s: %w", filepath.Base(path), bucket, key, err)
	}
	return nil
}

// deletePrefix deletes every object under s3://bucket/prefix.
func deletePrefix(ctx context.Context, c *s3.Client, bucket, prefix string) error {
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	var errs []error
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
				errs = append(errs, fmt.Errorf("deleting s3://%s/%s: %w", bucket, aws.ToString(o.Key), err))
			}
		}
	}
	return errors.Join(errs...)
}
