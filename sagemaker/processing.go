package sagemaker

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// ProcessingAPI is the part of the SageMaker client that Cleanup and CleanupRun use for
// the Processing jobs a run's load ran on (package loadjob). *sagemaker.Client satisfies
// it; a client that does not is not asked about processing jobs.
type ProcessingAPI interface {
	DescribeProcessingJob(context.Context, *sm.DescribeProcessingJobInput, ...func(*sm.Options)) (*sm.DescribeProcessingJobOutput, error)
	StopProcessingJob(context.Context, *sm.StopProcessingJobInput, ...func(*sm.Options)) (*sm.StopProcessingJobOutput, error)
	ListProcessingJobs(context.Context, *sm.ListProcessingJobsInput, ...func(*sm.Options)) (*sm.ListProcessingJobsOutput, error)
}

func (c *Client) processingAPI() (ProcessingAPI, bool) {
	api, ok := c.opts.SageMaker.(ProcessingAPI)
	return api, ok
}

// describeProcessingARN is describeARN for a processing job.
func (c *Client) describeProcessingARN(ctx context.Context, name string) (*string, error) {
	api, ok := c.processingAPI()
	if !ok {
		return nil, fmt.Errorf("processing job %s: the SageMaker client cannot describe processing jobs", name)
	}
	out, err := api.DescribeProcessingJob(ctx, &sm.DescribeProcessingJobInput{ProcessingJobName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	return out.ProcessingJobArn, nil
}

// stopProcessingJobs stops the run's processing jobs among rs and waits for them to end;
// done is called for each that has ended (or is gone, or is not the run's). A finished
// processing job costs nothing and SageMaker has no call to delete one.
func (c *Client) stopProcessingJobs(ctx context.Context, run string, rs []Resource, done func(Resource)) []error {
	var errs []error
	for _, r := range rs {
		if r.Kind != KindProcessingJob {
			continue
		}
		ok, _, err := c.ownedOrTaken(ctx, r.Kind, r.Name, run, "")
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", r, err))
			continue
		case !ok:
			done(r)
			continue
		}
		if err := c.stopProcessingJob(ctx, r.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r, err))
			continue
		}
		done(r)
	}
	return errs
}

// stopProcessingJob stops a processing job, retrying as deletes do, and waits until it
// has ended.
func (c *Client) stopProcessingJob(ctx context.Context, name string) error {
	api, ok := c.processingAPI()
	if !ok {
		return fmt.Errorf("the SageMaker client cannot stop processing jobs")
	}
	in := &sm.DescribeProcessingJobInput{ProcessingJobName: aws.String(name)}
	for stopped := false; ; {
		var out *sm.DescribeProcessingJobOutput
		err := c.retrying(ctx, "processing job "+name, func() error {
			var err error
			out, err = api.DescribeProcessingJob(ctx, in)
			return err
		})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		switch out.ProcessingJobStatus {
		case types.ProcessingJobStatusCompleted, types.ProcessingJobStatusFailed, types.ProcessingJobStatusStopped:
			return nil
		case types.ProcessingJobStatusInProgress:
			if !stopped {
				c.logf("sagemaker: cleanup: stopping processing job %s", name)
				err := c.retrying(ctx, "processing job "+name, func() error {
					_, err := api.StopProcessingJob(ctx, &sm.StopProcessingJobInput{ProcessingJobName: aws.String(name)})
					if err == nil || isNotFound(err) || !retryable(err) {
						return nil // a job that ended meanwhile refuses; the next describe says so
					}
					return err
				})
				if err != nil {
					return err
				}
				stopped = true
			}
		}
		if err := sleepCtx(ctx, c.opts.PollInterval); err != nil {
			return fmt.Errorf("still %s when the deadline came (stop it with: aws sagemaker stop-processing-job --processing-job-name %s): %w",
				out.ProcessingJobStatus, name, err)
		}
	}
}

// listProcessingJobs lists the processing jobs that pass f, for FindRun; none when the
// client cannot list them.
func (c *Client) listProcessingJobs(ctx context.Context, try tries, runID string, f listFilter) ([]listed, error) {
	api, ok := c.processingAPI()
	if !ok {
		return nil, nil
	}
	var all []listed
	for p := sm.NewListProcessingJobsPaginator(api, &sm.ListProcessingJobsInput{CreationTimeAfter: f.after, NameContains: f.nameContains}); p.HasMorePages(); {
		page, err := nextPage(ctx, try, "find run "+runID, p.NextPage)
		if err != nil {
			return nil, fmt.Errorf("sagemaker: find run %s: list processing jobs: %w", runID, err)
		}
		for _, j := range page.ProcessingJobSummaries {
			if s := j.ProcessingJobStatus; s != types.ProcessingJobStatusInProgress && s != types.ProcessingJobStatusStopping {
				continue // ended: costs nothing, and nothing is left to stop
			}
			all = append(all, listed{KindProcessingJob, aws.ToString(j.ProcessingJobName), aws.ToString(j.ProcessingJobArn)})
		}
	}
	return all, nil
}
