package neo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go/waiter"
)

// API is the part of the SageMaker client a Compiler uses; *sagemaker.Client
// satisfies it. Tests may substitute their own.
type API interface {
	CreateCompilationJob(ctx context.Context, in *sagemaker.CreateCompilationJobInput, optFns ...func(*sagemaker.Options)) (*sagemaker.CreateCompilationJobOutput, error)
	DescribeCompilationJob(ctx context.Context, in *sagemaker.DescribeCompilationJobInput, optFns ...func(*sagemaker.Options)) (*sagemaker.DescribeCompilationJobOutput, error)
	StopCompilationJob(ctx context.Context, in *sagemaker.StopCompilationJobInput, optFns ...func(*sagemaker.Options)) (*sagemaker.StopCompilationJobOutput, error)
}

// Defaults for Options.
const (
	DefaultMinDelay    = 5 * time.Second
	DefaultMaxDelay    = 30 * time.Second
	DefaultMargin      = 5 * time.Minute
	DefaultStopTimeout = 2 * time.Minute
)

// Options configure a Compiler.
type Options struct {
	// Client sends the requests; nil means sagemaker.NewFromConfig(cfg).
	Client API
	// Region picks the inference image; empty means the aws.Config's region.
	Region string
	// MinDelay and MaxDelay bound the wait between DescribeCompilationJob
	// calls: it starts at MinDelay and doubles (with jitter) up to MaxDelay,
	// as the SDK's waiters do.
	MinDelay, MaxDelay time.Duration
	// Margin is how long past a job's MaxRuntime the Compiler keeps polling
	// before it gives up, stops the job and returns a *TimeoutError. Neo
	// enforces MaxRuntime itself; the margin covers queueing and slow status.
	// Zero means DefaultMargin; negative means none.
	Margin time.Duration
	// StopTimeout bounds the StopCompilationJob call, and the wait for the
	// job to reach STOPPED, made after the caller's context is canceled.
	StopTimeout time.Duration
	// Journal, if set, records each job before it is created; its run id tags the
	// jobs.
	Journal Journal
	// RunID tags the jobs (TagRun) when there is no Journal [a fresh id per Compiler].
	RunID string
	// Progress, if set, is called each time a job's state changes. With
	// CompileAll it is called from several goroutines at once.
	Progress func(Status)
}

// Compiler runs Neo compilation jobs. It is safe for concurrent use.
type Compiler struct {
	opts Options
}

// NewCompiler returns a Compiler for the account and region in cfg.
func NewCompiler(cfg aws.Config, optFns ...func(*Options)) *Compiler {
	o := Options{Region: cfg.Region}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Client == nil {
		o.Client = sagemaker.NewFromConfig(cfg)
	}
	if o.Region == "" {
		o.Region = cfg.Region
	}
	if o.MinDelay <= 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	if o.Margin < 0 {
		o.Margin = 0
	} else if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Journal != nil {
		o.RunID = o.Journal.RunID()
	} else if o.RunID == "" {
		o.RunID = time.Now().UTC().Format("20060102t150405") + "-" + newToken()[:4]
	}
	return &Compiler{opts: o}
}

// CompiledModel is a finished compilation: what CreateModel needs to serve it.
type CompiledModel struct {
	JobName string
	// ArtifactURL is the s3:// URI of the compiled model.tar.gz.
	ArtifactURL string
	// Image is the inference image URI: the one DescribeCompilationJob
	// reported, else ImageURI's answer, else empty (edge targets, platforms,
	// frameworks without an image table).
	Image  string
	Target Target
	// Env is the container environment; see ContainerEnv.
	Env map[string]string
	// Duration is the wall time from create to COMPLETED as seen by the client.
	Duration time.Duration
}

// Compile validates job, journals it (Options.Journal), creates the compilation job,
// tagged with the run, and waits for it to end. A create that fails may still have
// happened (its answer lost, the SDK's retry told ResourceInUse): if a job of that
// name exists with this Compile's tags, Compile carries on with it; otherwise it is
// left alone, or stopped if ctx was canceled.
//
// It returns the compiled model on COMPLETED, a *JobError on FAILED or
// STOPPED (with Neo's FailureReason), a *TimeoutError if the job outlives
// MaxRuntime plus Options.Margin, and a *ValidationError, without sending
// anything, if the job is invalid. If ctx is canceled while the job runs,
// Compile stops the job, using a fresh context bounded by
// Options.StopTimeout, and returns ctx's error.
func (c *Compiler) Compile(ctx context.Context, job Job) (*CompiledModel, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	in, err := job.request()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	token := newToken()
	in.Tags = []types.Tag{
		{Key: aws.String(TagRun), Value: aws.String(c.opts.RunID)},
		{Key: aws.String(TagCreatedBy), Value: aws.String("sagebench")},
		{Key: aws.String(TagCreate), Value: aws.String(token)},
	}
	if c.opts.Journal != nil {
		if err := c.journal(job.Name); err != nil {
			return nil, fmt.Errorf("neo: compilation job %s for %s: %w", job.Name, job.targetName(), err)
		}
	}
	start := time.Now()
	if _, err := c.opts.Client.CreateCompilationJob(ctx, in); err != nil {
		err = fmt.Errorf("neo: create compilation job %s for %s: %w", job.Name, job.targetName(), err)
		if ctx.Err() != nil {
			// Canceled mid-request: the job may exist anyway. Stop it if it is
			// ours; if it does not exist, the stop's failure says nothing useful.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.StopTimeout)
			defer cancel()
			if mine, known := c.owned(sctx, job.Name, token); mine || !known {
				_ = c.abandon(ctx, job, start, err)
			}
			return nil, err
		}
		if mine, _ := c.owned(ctx, job.Name, token); !mine {
			return nil, err
		}
		// Our own job: the answer to its create was lost.
	}
	c.report(job, StateStarting, start)
	out, err := c.wait(ctx, job, start)
	if err != nil {
		return nil, err
	}
	m := &CompiledModel{
		JobName:  job.Name,
		Target:   job.Target,
		Duration: time.Since(start),
	}
	if a := out.ModelArtifacts; a != nil {
		m.ArtifactURL = aws.ToString(a.S3ModelArtifacts)
	}
	if m.ArtifactURL == "" {
		return nil, fmt.Errorf("neo: compilation job %s for %s completed without a model artifact", job.Name, job.targetName())
	}
	m.Image = aws.ToString(out.InferenceImage)
	if m.Image == "" && job.TargetPlatform == nil {
		m.Image, _ = ImageURI(c.opts.Region, job.Target, job.Framework, job.FrameworkVersion)
	}
	if job.TargetPlatform == nil && job.Target.Cloud() {
		m.Env = ContainerEnv(c.opts.Region, job.Framework, job.EntryPoint)
	}
	return m, nil
}

// wait polls the job until it is final, times out, or ctx ends.
func (c *Compiler) wait(ctx context.Context, job Job, start time.Time) (*sagemaker.DescribeCompilationJobOutput, error) {
	deadline := start.Add(job.maxRuntime() + c.opts.Margin)
	last := StateStarting
	for attempt := int64(1); ; attempt++ {
		out, err := c.opts.Client.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{
			CompilationJobName: aws.String(job.Name),
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.abandon(ctx, job, start, ctx.Err())
			}
			// The SDK has already retried what is retryable; the job is
			// unobservable now, so do not leave it running unwatched.
			return nil, c.abandon(ctx, job, start, fmt.Errorf("neo: describe compilation job %s for %s: %w", job.Name, job.targetName(), err))
		}
		state := State(out.CompilationJobStatus)
		if state != last {
			last = state
			c.report(job, state, start)
		}
		switch state {
		case StateCompleted:
			return out, nil
		case StateFailed, StateStopped:
			return nil, &JobError{JobName: job.Name, Target: job.targetName(), State: state, Reason: aws.ToString(out.FailureReason)}
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return nil, c.abandon(ctx, job, start, &TimeoutError{JobName: job.Name, Target: job.targetName(), State: state, Waited: time.Since(start)})
		}
		t := time.NewTimer(c.backoff(attempt, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, c.abandon(ctx, job, start, ctx.Err())
		case <-t.C:
		}
	}
}

// backoff is the wait before describe attempt+1: MinDelay, then doubling
// with jitter up to MaxDelay, never past remaining, as the SDK's waiters
// compute it.
func (c *Compiler) backoff(attempt int64, remaining time.Duration) time.Duration {
	d, err := waiter.ComputeDelay(attempt, c.opts.MinDelay, c.opts.MaxDelay, remaining)
	if err != nil || d <= 0 {
		// ComputeDelay shortens the last wait to fit the deadline and can go
		// to zero or below; never spin.
		d = min(c.opts.MinDelay, remaining)
	}
	return max(d, time.Millisecond)
}

// abandon stops a job the Compiler will no longer watch and returns cause,
// joined with the stop's failure if there was one. It uses a context that
// outlives ctx's cancellation but not Options.StopTimeout.
func (c *Compiler) abandon(ctx context.Context, job Job, start time.Time, cause error) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.StopTimeout)
	defer cancel()
	if err := c.stop(sctx, job, start); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// stop asks Neo to stop the job and waits, within sctx, for a final state.
func (c *Compiler) stop(sctx context.Context, job Job, start time.Time) error {
	name := aws.String(job.Name)
	if _, err := c.opts.Client.StopCompilationJob(sctx, &sagemaker.StopCompilationJobInput{CompilationJobName: name}); err != nil {
		// Stopping a job that has just ended fails; that is not a problem.
		out, derr := c.opts.Client.DescribeCompilationJob(sctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: name})
		if derr == nil && State(out.CompilationJobStatus).Final() {
			c.report(job, State(out.CompilationJobStatus), start)
			return nil
		}
		return fmt.Errorf("neo: stop compilation job %s for %s: %w", job.Name, job.targetName(), err)
	}
	last := State("")
	for attempt := int64(1); ; attempt++ {
		out, err := c.opts.Client.DescribeCompilationJob(sctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: name})
		if err != nil {
			return fmt.Errorf("neo: confirm compilation job %s for %s stopped: %w", job.Name, job.targetName(), err)
		}
		if s := State(out.CompilationJobStatus); s != last {
			last = s
			c.report(job, s, start)
		}
		if last.Final() {
			return nil
		}
		t := time.NewTimer(c.backoff(attempt, c.opts.StopTimeout))
		select {
		case <-sctx.Done():
			t.Stop()
			return fmt.Errorf("neo: compilation job %s for %s not stopped within %v: %w", job.Name, job.targetName(), c.opts.StopTimeout, sctx.Err())
		case <-t.C:
		}
	}
}

func (c *Compiler) report(job Job, s State, start time.Time) {
	if c.opts.Progress != nil {
		c.opts.Progress(Status{JobName: job.Name, Target: job.targetName(), State: s, Elapsed: time.Since(start)})
	}
}
