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

	"github.com/sagebench/sagebench/internal/emuhint"
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

// Options configure a Compiler, through the functions passed to NewCompiler. Each zero
// field means its default.
type Options struct {
	// Client sends the requests; nil means sagemaker.NewFromConfig(cfg).
	Client API
	// Region is where the jobs run and picks their inference image; empty means the
	// aws.Config's region. A Client given above is used as it is.
	Region string
	// MinDelay and MaxDelay bound the wait between DescribeCompilationJob
	// calls: it starts at MinDelay and doubles (with jitter) up to MaxDelay,
	// as the SDK's waiters do. The aws.Config of an emulator (sagemakertest's
	// Server.Config) carries its own, shorter defaults.
	MinDelay, MaxDelay time.Duration
	// Margin is how long past a job's MaxRuntime the Compiler keeps polling
	// before it gives up, stops the job and returns a *TimeoutError. Neo
	// enforces MaxRuntime itself; the margin covers queueing and slow status.
	// Zero means DefaultMargin; negative means none.
	Margin time.Duration
	// StopTimeout bounds what Compile does about a job it gives up on (the
	// caller's context canceled, a timeout, a create whose outcome is unknown):
	// re-checking whose the job is, stopping it, and waiting for it to reach
	// STOPPED. Throttled and 5xx calls are retried until then. Zero or negative
	// means DefaultStopTimeout.
	StopTimeout time.Duration
	// Journal, if set, is the run's *sagemaker.Journal: each job is recorded in it
	// before it is created, so that sagemaker.Cleanup finds it after a crash, and its
	// run id tags the jobs.
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

// NewCompiler returns a Compiler for the account in cfg, in Options.Region or else
// cfg's region.
func NewCompiler(cfg aws.Config, optFns ...func(*Options)) *Compiler {
	o := Options{Region: cfg.Region}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Region == "" {
		o.Region = cfg.Region
	}
	if p, ok := emuhint.Of(cfg); ok && o.MinDelay <= 0 && o.MaxDelay <= 0 {
		o.MinDelay, o.MaxDelay = p.PollInterval, p.MaxPollInterval // an emulator's pace
	}
	if o.Client == nil { // in Region: the jobs run where their images are resolved
		o.Client = sagemaker.NewFromConfig(cfg, func(so *sagemaker.Options) { so.Region = o.Region })
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

// errNotBuilt is what a Compiler that NewCompiler did not return (nil, or the zero
// value) answers instead of a call: it has no SageMaker client to call with.
var errNotBuilt = errors.New("neo: the Compiler was not made by NewCompiler")

// built reports errNotBuilt unless c has its SageMaker client.
func (c *Compiler) built() error {
	if c == nil || c.opts.Client == nil {
		return errNotBuilt
	}
	return nil
}

// CompiledModel is a finished compilation: what CreateModel needs to serve it.
type CompiledModel struct {
	JobName string
	// ArtifactURL is the s3:// URI of the compiled model.tar.gz.
	ArtifactURL string
	// Image is the inference image URI: the one DescribeCompilationJob
	// reported, else Job.Image, else ImageURI's answer. It is never empty for a cloud target
	// (Compile fails instead); it is empty for edge targets and platforms.
	Image  string
	Target Target
	// Env is the container environment; see ContainerEnv.
	Env map[string]string
	// Duration is the wall time from create to COMPLETED as seen by the client.
	Duration time.Duration
}

// Compile validates job, journals it (Options.Journal), creates the compilation job,
// tagged with the run, and waits for it to end.
//
// It returns the compiled model on COMPLETED, a *JobError on FAILED or
// STOPPED (with Neo's FailureReason), a *TimeoutError if the job outlives
// MaxRuntime plus Options.Margin (unless it completes while Compile stops it: that
// is a compiled model), and an *invalid.Error, without sending anything, if the
// job is invalid. If ctx is canceled while the job runs,
// Compile stops the job and returns ctx's error. While it waits, a throttled, 5xx
// or cut-off describe is asked again with backoff until that deadline; a describe
// refused for any other reason leaves the job unobservable, so Compile stops it.
//
// Compile never leaves a job of its own running by mistake, and never stops one
// that is not its own. Every stop, and every re-check of a job it gave up on, uses
// a fresh context bounded by Options.StopTimeout, so it outlives ctx's
// cancellation; within it, throttled, 5xx and cut-off calls are tried again with
// backoff (MinDelay to MaxDelay), not only for the SDK's few attempts, and any
// other refusal ends the attempt at once. A job that is gone, already final or
// already stopping counts as stopped.
//
// A create that fails may still have happened (its answer lost, the SDK's retry told
// ResourceInUse). Compile then goes by the job's tags (TagRun, and TagCreate, a token
// of this call): it carries on with a job that is its own, leaves alone one that is
// not, and when it cannot tell before Options.StopTimeout, returns an error that
// includes a *MayExistError naming the job to check.
func (c *Compiler) Compile(ctx context.Context, job Job) (*CompiledModel, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	if err := c.built(); err != nil {
		return nil, err
	}
	if err := job.checkRegion(c.opts.Region); err != nil {
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
	// A failed create may still have happened. Whether a job of that name carries this
	// Compile's tags (TagRun = the run id, TagCreate = token) decides:
	//   - ours, and ctx not canceled: carry on with it;
	//   - not ours, or no such job: leave it alone and return the create's error. But
	//     after a create cut off on the wire (it may still land) or told ResourceInUse
	//     (a job of that name existed a moment ago), not finding the job proves
	//     nothing: the error then includes a *MayExistError;
	//   - cannot tell at once (the check itself failed), or ctx canceled: give the job
	//     up (settle): ask again, with backoff, until the StopTimeout, and stop the job
	//     only once it is proven ours. If the answer never comes, leave it alone and
	//     include a *MayExistError: the job may exist, may be ours, and must be
	//     checked. (With a Journal, it stays journaled as may-exist: package neo
	//     records creates only, never deletions.)
	if _, err := c.opts.Client.CreateCompilationJob(ctx, in); err != nil {
		err = fmt.Errorf("neo: create compilation job %s for %s: %w", job.Name, job.targetName(), err)
		if ctx.Err() != nil {
			// Canceled mid-request: the job may exist anyway.
			return nil, c.settle(ctx, job, token, start, err)
		}
		mine, oerr := c.owned(ctx, job.Name, token, mayHaveLanded(err))
		if oerr != nil {
			// May exist, may be ours: give up on it, and stop it if it proves ours.
			return nil, c.settle(ctx, job, token, start, err)
		}
		if !mine {
			return nil, err // never created, or someone else's
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
	if m.Image == "" {
		m.Image = job.Image
	}
	if m.Image == "" && job.TargetPlatform == nil && job.Target.Cloud() {
		// A model for a hosting instance is only useful with an image to serve it:
		// without one, this is a failure, not a CompiledModel.
		img, err := ImageURI(c.opts.Region, job.Target, job.Framework, job.FrameworkVersion)
		if err != nil {
			return nil, fmt.Errorf("neo: compilation job %s for %s completed (artifact %s) but no inference image serves it: %w",
				job.Name, job.targetName(), m.ArtifactURL, err)
		}
		m.Image = img
	}
	if job.TargetPlatform == nil && job.Target.Cloud() {
		m.Env = ContainerEnv(c.opts.Region, job.Framework, job.EntryPoint)
	}
	return m, nil
}

// wait polls the job until it is final, times out, or ctx ends.
func (c *Compiler) wait(ctx context.Context, job Job, start time.Time) (*sagemaker.DescribeCompilationJobOutput, error) {
	// Two Adds, not one of the sum: a huge Margin must not overflow into the past.
	deadline := start.Add(job.maxRuntime()).Add(c.opts.Margin)
	last := StateStarting
	for attempt := int64(1); ; attempt++ {
		// A throttled or 5xx describe is asked again until the deadline, not only
		// for the SDK's few attempts: a burst must not cost a healthy job.
		dctx, cancel := context.WithDeadline(ctx, deadline)
		out, err := c.describeRetrying(dctx, job.Name)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.abandon(ctx, job, start, ctx.Err())
			}
			if !time.Now().Before(deadline) {
				return c.timedOut(ctx, job, start, last)
			}
			// The job is unobservable now, so do not leave it running unwatched.
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
			return c.timedOut(ctx, job, start, state)
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

// timedOut stops a job that outlived its deadline and returns the *TimeoutError, joined
// with the stop's failure if there was one. A job that completed or failed meanwhile
// is no timeout: timedOut returns it as wait would.
func (c *Compiler) timedOut(ctx context.Context, job Job, start time.Time, last State) (*sagemaker.DescribeCompilationJobOutput, error) {
	te := &TimeoutError{JobName: job.Name, Target: job.targetName(), State: last, Waited: time.Since(start)}
	sctx, cancel := c.cleanupContext(ctx)
	defer cancel()
	final, serr := c.stop(sctx, job, start)
	if serr != nil {
		return nil, errors.Join(te, serr)
	}
	if final == StateCompleted || final == StateFailed {
		// It ended on its own before the stop took: say how, not "stopped it". A
		// completed job's model is there to be used.
		if out, err := c.describeRetrying(sctx, job.Name); err == nil && State(out.CompilationJobStatus) == final {
			if final == StateCompleted {
				return out, nil
			}
			return nil, &JobError{JobName: job.Name, Target: job.targetName(), State: final, Reason: aws.ToString(out.FailureReason)}
		}
	}
	te.Stopped = true
	return nil, te
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

func (c *Compiler) report(job Job, s State, start time.Time) {
	if c.opts.Progress != nil {
		c.opts.Progress(Status{JobName: job.Name, Target: job.targetName(), State: s, Elapsed: time.Since(start)})
	}
}
