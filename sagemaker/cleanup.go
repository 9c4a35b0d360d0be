package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// runMetadata is the S3 user metadata key (x-amz-meta-sagebench-run) that marks an
// object uploaded by a run.
const runMetadata = "sagebench-run"

// Cleanup deletes everything the journal says its run may have left: endpoints,
// endpoint configurations, models, load and compilation jobs (stopped first) and S3
// objects, and it aborts the multipart uploads that Upload recorded beginning and not
// ending. It works in the journal's region when the journal recorded one, else cfg's,
// and journals each deletion.
//
// It deletes only what is the run's: resources tagged with the journal's run id, and S3
// objects that carry Upload's mark of the run or that a compilation job of the run
// wrote. It aborts only the uploads the journal recorded, never another upload at the
// same key. What is already gone counts as deleted, so Cleanup is idempotent: after an
// error, what it could not delete stays pending, and running it again finishes the job.
//
// Throttled and 5xx answers are retried with backoff until ctx's deadline
// (Options.CleanupTimeout when ctx has none). optFns tune the client as for NewClient.
// The README's "After a crash" says when to run it and what each case leaves.
func Cleanup(ctx context.Context, cfg aws.Config, j *Journal, optFns ...func(*Options)) error {
	if j == nil {
		return errors.New("sagemaker: cleanup: nil journal")
	}
	if r := j.Region(); r != "" {
		cfg.Region = r
	}
	return NewClient(cfg, optFns...).Cleanup(ctx, j)
}

// CleanupRun is Cleanup for when the journal is lost too: it finds the run's
// resources in cfg's region by their TagRun tag (see FindRun) and deletes them, with
// the S3 objects their models and compilation jobs reference that carry the run's
// mark, and the artifacts of its compilation jobs. It aborts no multipart upload: an
// upload in progress shows neither tag nor mark, so without the journal's record of
// its key nothing proves it is the run's (an S3 lifecycle rule with
// AbortIncompleteMultipartUpload is the safety net for those). It retries throttled
// and 5xx answers until the deadline as Cleanup does, the search's listings and
// ListTags included; a ctx without a deadline gets Options.CleanupTimeout. A resource
// whose tags, or an object whose mark, could not be read is left and makes CleanupRun
// return an error, after the rest is deleted. runID is taken as FindRun takes it. When
// nothing of the run is found, the error is a *NothingFoundError.
func CleanupRun(ctx context.Context, cfg aws.Config, runID string, optFns ...func(*Options)) error {
	return NewClient(cfg, optFns...).CleanupRun(ctx, runID)
}

// Cleanup is the package-level Cleanup on this client's SageMaker and S3 clients,
// which must be in the journal's region.
func (c *Client) Cleanup(ctx context.Context, j *Journal) error {
	if c == nil || j == nil {
		return errors.New("sagemaker: cleanup: nil client or journal")
	}
	if err := c.built(); err != nil {
		return err
	}
	if r := j.Region(); r != "" && r != c.opts.Region {
		return fmt.Errorf("sagemaker: cleanup: journal %s records region %s, the client is in %s", j.Path(), r, c.opts.Region)
	}
	pending, info, err := j.pending()
	if err != nil {
		return err
	}
	return c.cleanup(ctx, j.RunID(), pending, j, info)
}

// CleanupRun is the package-level CleanupRun on this client's clients.
func (c *Client) CleanupRun(ctx context.Context, runID string) error {
	if err := c.built(); err != nil {
		return err
	}
	ctx, cancel := c.cleanupContext(ctx) // FindRun retries until the deadline, too
	defer cancel()
	runID, err := checkRunID(runID)
	if err != nil {
		return err
	}
	found, unchecked, err := c.findRun(ctx, runID)
	if err != nil {
		return err
	}
	if len(found) == 0 && unchecked == nil {
		return &NothingFoundError{RunID: runID, Region: c.opts.Region}
	}
	// What could be checked goes; what could not be is reported, not
	// passed over in silence.
	return errors.Join(c.cleanup(ctx, runID, found, nil, journaled{}), unchecked)
}

// NothingFoundError is CleanupRun's answer when nothing tagged with the run exists in
// the client's region: a typo in the run id, another region and a run already cleaned
// up look alike, and none of them is to be taken for a clean account.
type NothingFoundError struct {
	RunID, Region string
}

// Error says that nothing was found and what that may mean.
func (e *NothingFoundError) Error() string {
	return fmt.Sprintf("sagemaker: cleanup run %s: nothing of that run was found in %s "+
		"(check the run id and the region; a run already cleaned up leaves nothing either)", e.RunID, e.Region)
}

func (c *Client) cleanupAPI() (CleanupAPI, error) {
	api, ok := c.opts.SageMaker.(CleanupAPI)
	if !ok {
		return nil, errors.New("sagemaker: cleanup: the SageMaker client does not implement CleanupAPI")
	}
	return api, nil
}

// cleanup deletes rs, which run may have created, in an order SageMaker accepts and
// that a kill cannot make lose track of anything: jobs are stopped first (stopping
// takes a while) and endpoints deleted (they bill by the hour); then, once the jobs are
// final, the S3 objects go, the jobs' artifacts included; and only then the endpoint
// configurations, models and jobs. Without a journal, the models and jobs are all that
// leads to the objects (they carry no tag): deleting them first would leave a
// CleanupRun killed before the objects went with nothing to find them by when run
// again. info is what the journal says of the S3 objects: their multipart uploads,
// and which are jobs' artifacts (zero for CleanupRun).
func (c *Client) cleanup(ctx context.Context, run string, rs []Resource, j *Journal, info journaled) error {
	ctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	api, err := c.cleanupAPI()
	if err != nil {
		return err
	}
	done := func(r Resource) {
		if j != nil {
			if err := j.deleted(r.Kind, r.Name); err != nil {
				c.logf("sagemaker: %v", err)
			}
		}
	}
	// The run's load jobs first (processing.go): they load the endpoints deleted below.
	errs := c.stopProcessingJobs(ctx, run, rs, done)
	mine := map[Resource]bool{}  // the run's compilation jobs, stopped
	owned := map[Resource]bool{} // the run's configurations and models, deleted last
	for _, kind := range []Kind{KindCompilationJob, KindEndpoint, KindEndpointConfig, KindModel} {
		for _, r := range rs {
			if r.Kind != kind {
				continue
			}
			ok, _, err := c.ownedOrTaken(ctx, r.Kind, r.Name, run, "")
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", r, err))
			case !ok:
				done(r) // gone, or never ours
			case kind == KindCompilationJob:
				mine[r] = true
				if err := c.stopJob(ctx, api, r.Name); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", r, err))
				}
			case kind == KindEndpoint:
				c.logf("sagemaker: cleanup: deleting %s", r)
				if err := c.deleteResource(ctx, r.Kind, r.Name); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", r, err))
				} else {
					done(r)
				}
			default:
				owned[r] = true
			}
		}
	}
	var artifacts []string // outputs of the run's jobs: carry no mark of the run's, but are its
	final := map[Resource]bool{}
	for _, r := range rs {
		if !mine[r] {
			continue
		}
		artifact, err := c.waitJob(ctx, api, r.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r, err))
			continue
		}
		final[r] = true
		if artifact != "" {
			// The output of a job of ours is ours, whatever the journal says.
			rs = append(rs, Resource{KindS3Object, artifact})
			artifacts = append(artifacts, artifact)
		}
	}
	var deletedObjects []string
	for _, r := range rs {
		if r.Kind != KindS3Object || slices.Contains(deletedObjects, r.Name) {
			continue
		}
		artifact := info.artifacts[r] || slices.Contains(artifacts, r.Name)
		ended := func(id string) { c.journalUploaded(j, r.Name, id) }
		if info.deleted[r] {
			// The object was deleted already; only uploads of its key remain.
			if err := c.abortUploads(ctx, r.Name, info.uploads[r], ended); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r, err))
			}
			continue
		}
		deleted, err := c.cleanupObject(ctx, r.Name, run, info.uploads[r], artifact, ended)
		if deleted {
			deletedObjects = append(deletedObjects, r.Name)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r, err))
			continue // pending: the next Cleanup tries again
		}
		done(r)
	}
	for _, r := range rs {
		switch {
		case owned[r]:
			c.logf("sagemaker: cleanup: deleting %s", r)
			if err := c.deleteResource(ctx, r.Kind, r.Name); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r, err))
				continue
			}
		case final[r]:
			if err := c.deleteJob(ctx, api, r.Name); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r, err))
				continue
			}
		default:
			continue
		}
		done(r)
	}
	if len(errs) > 0 {
		return fmt.Errorf("sagemaker: cleanup of run %s: %w", run, errors.Join(errs...))
	}
	return nil
}

// cleanupObject deletes the S3 object at uri if it is the run's, and reports whether
// it did. The multipart uploads (ids) that the run began at uri (and a kill may have
// left) are aborted first; when that fails the object still goes, and the error keeps
// the key pending. An object the run did not write (no mark of the run's) stays,
// unless it is an artifact of one of the run's compilation jobs, which carries no mark
// but is the run's.
func (c *Client) cleanupObject(ctx context.Context, uri, run string, ids []string, artifact bool, ended func(id string)) (deleted bool, err error) {
	// A multipart upload is not an object: its parts are stored and billed until it
	// is aborted, whatever the object at the key says (an unmarked object there is
	// the user's; the recorded uploads are the run's).
	abortErr := c.abortUploads(ctx, uri, ids, ended)
	if !artifact {
		// A journaled key is the run's only if Upload's mark says so: an upload that
		// failed before its first byte leaves the journal line, and the user's own
		// object at that key must survive.
		ours, err := c.markedOrGone(ctx, c.retrying, uri, run)
		if err != nil {
			return false, errors.Join(abortErr, err)
		}
		if !ours {
			c.logf("sagemaker: cleanup: %s does not carry run %s's mark; leaving it alone", uri, run)
			return false, abortErr
		}
	}
	if err := c.deleteObject(ctx, uri); err != nil {
		return false, errors.Join(abortErr, err)
	}
	return true, abortErr
}

// stopJob stops a compilation job that is still running; a final one is left as is.
func (c *Client) stopJob(ctx context.Context, api CleanupAPI, name string) error {
	return c.retrying(ctx, "compilation job "+name, func() error {
		_, err := api.StopCompilationJob(ctx, &sm.StopCompilationJobInput{CompilationJobName: aws.String(name)})
		if err == nil || isNotFound(err) || !retryable(err) {
			return nil // a final job refuses to stop; deleteJob waits for and checks the state
		}
		return err
	})
}

// waitJob waits for a compilation job to be final and returns the s3:// URI of its
// artifact, if it wrote one ("" too for a job that is gone).
func (c *Client) waitJob(ctx context.Context, api CleanupAPI, name string) (string, error) {
	in := &sm.DescribeCompilationJobInput{CompilationJobName: aws.String(name)}
	for {
		var out *sm.DescribeCompilationJobOutput
		err := c.retrying(ctx, "compilation job "+name, func() error {
			var err error
			out, err = api.DescribeCompilationJob(ctx, in)
			return err
		})
		if isNotFound(err) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		switch out.CompilationJobStatus {
		case types.CompilationJobStatusCompleted, types.CompilationJobStatusFailed, types.CompilationJobStatusStopped:
			if a := out.ModelArtifacts; a != nil {
				return aws.ToString(a.S3ModelArtifacts), nil
			}
			return "", nil
		}
		c.logf("sagemaker: cleanup: compilation job %s is %s; waiting for it to stop", name, out.CompilationJobStatus)
		if err := sleepCtx(ctx, c.opts.PollInterval); err != nil {
			return "", fmt.Errorf("still %s when the deadline came (delete it later with: aws sagemaker delete-compilation-job --compilation-job-name %s): %w", out.CompilationJobStatus, name, err)
		}
	}
}

// deleteJob deletes a compilation job that waitJob found final; one gone counts as
// deleted.
func (c *Client) deleteJob(ctx context.Context, api CleanupAPI, name string) error {
	c.logf("sagemaker: cleanup: deleting compilation job %s", name)
	return c.retrying(ctx, "compilation job "+name, func() error {
		_, err := api.DeleteCompilationJob(ctx, &sm.DeleteCompilationJobInput{CompilationJobName: aws.String(name)})
		if isNotFound(err) {
			return nil
		}
		return err
	})
}

// deleteObject deletes an S3 object; a missing one counts as deleted (S3 says so
// itself), and so does one whose bucket is gone (S3 answers NoSuchBucket).
func (c *Client) deleteObject(ctx context.Context, uri string) error {
	bucket, key, err := ParseS3URI(uri)
	if err != nil {
		return err
	}
	c.logf("sagemaker: cleanup: deleting %s", uri)
	return c.retrying(ctx, uri, func() error {
		_, err := c.opts.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if isNoSuchBucket(err) {
			return nil // no bucket, no object: nothing stored, nothing billed
		}
		return err
	})
}
