package neo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/internal/smretry"
)

// cleanupContext outlives ctx's cancellation but not Options.StopTimeout.
func (c *Compiler) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.opts.StopTimeout)
}

// retryBackoff is the wait between tries of a call that is failing for a reason
// that may pass (throttling, 5xx): the polling bounds.
func (c *Compiler) retryBackoff() smretry.Backoff {
	return smretry.Backoff{Min: c.opts.MinDelay, Max: c.opts.MaxDelay}
}

// settle deals with a job that a failed create may have made: it stops the job if
// it proves to be this Compile's (token), leaves it alone if not, and says so in a
// *MayExistError if that cannot be told before Options.StopTimeout. It returns
// cause, joined with what went wrong, or with the news that the job was its own and
// is stopped.
func (c *Compiler) settle(ctx context.Context, job Job, token string, start time.Time, cause error) error {
	sctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	mine, err := c.ownedRetrying(sctx, job.Name, token, mayHaveLanded(cause))
	if err != nil {
		return errors.Join(cause, &MayExistError{JobName: job.Name, Target: job.targetName(), RunID: c.opts.RunID, Err: err})
	}
	if !mine {
		return cause
	}
	final, err := c.stop(sctx, job, start)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("neo: compilation job %s for %s was created by this Compile after all: %w", job.Name, job.targetName(), err))
	}
	// Without this, a lost answer's "already exists" would read as someone else's job.
	what := "stopped it"
	if final == StateCompleted || final == StateFailed {
		what = "it ended " + string(final) + " before it could be stopped"
	}
	return errors.Join(cause, fmt.Errorf("neo: compilation job %s for %s was created by this Compile after all; %s", job.Name, job.targetName(), what))
}

// abandon stops a job of this Compile's that it will no longer watch and returns
// cause, joined with the stop's failure if there was one.
func (c *Compiler) abandon(ctx context.Context, job Job, start time.Time, cause error) error {
	sctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	if _, err := c.stop(sctx, job, start); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// stop asks Neo to stop the job, trying again while the answer may change, and
// waits, within sctx, for a final state, which it returns ("" for a job that is
// gone). A job that is gone or already final counts as stopped.
func (c *Compiler) stop(sctx context.Context, job Job, start time.Time) (State, error) {
	name := aws.String(job.Name)
	err := smretry.Do(sctx, c.retryBackoff(), "stop compilation job "+job.Name, func() error {
		_, err := c.opts.Client.StopCompilationJob(sctx, &sagemaker.StopCompilationJobInput{CompilationJobName: name})
		return err
	})
	if smretry.NotFound(err) {
		return "", nil
	}
	if err != nil {
		// Stopping a job that has just ended (or is already stopping) is refused;
		// that is not a problem.
		out, derr := c.describeRetrying(sctx, job.Name)
		switch {
		case smretry.NotFound(derr):
			return "", nil
		case derr != nil:
			return "", fmt.Errorf("neo: stop compilation job %s for %s: %w", job.Name, job.targetName(), err)
		case State(out.CompilationJobStatus).Final():
			c.report(job, State(out.CompilationJobStatus), start)
			return State(out.CompilationJobStatus), nil
		case State(out.CompilationJobStatus) != StateStopping:
			return "", fmt.Errorf("neo: stop compilation job %s for %s: %w", job.Name, job.targetName(), err)
		}
	}
	last := State("")
	for attempt := int64(1); ; attempt++ {
		out, err := c.describeRetrying(sctx, job.Name)
		if smretry.NotFound(err) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("neo: confirm compilation job %s for %s stopped: %w", job.Name, job.targetName(), err)
		}
		if s := State(out.CompilationJobStatus); s != last {
			last = s
			c.report(job, s, start)
		}
		if last.Final() {
			return last, nil
		}
		t := time.NewTimer(c.backoff(attempt, c.opts.StopTimeout))
		select {
		case <-sctx.Done():
			t.Stop()
			return "", fmt.Errorf("neo: compilation job %s for %s still %s after %v (stop it later with: aws sagemaker stop-compilation-job --compilation-job-name %s): %w",
				job.Name, job.targetName(), last, c.opts.StopTimeout, job.Name, sctx.Err())
		case <-t.C:
		}
	}
}

// describeRetrying describes the job, trying again with backoff while the answer is
// throttling, a 5xx or a lost connection, until ctx ends.
func (c *Compiler) describeRetrying(ctx context.Context, name string) (out *sagemaker.DescribeCompilationJobOutput, err error) {
	err = smretry.Do(ctx, c.retryBackoff(), "describe compilation job "+name, func() error {
		var err error
		out, err = c.opts.Client.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String(name)})
		return err
	})
	return out, err
}
