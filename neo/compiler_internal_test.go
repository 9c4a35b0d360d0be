package neo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// scripted is a fake API whose describes return states from a script; the
// last entry repeats. Stop fails with stopErr when set.
type scripted struct {
	mu       sync.Mutex
	states   []types.CompilationJobStatus
	image    string
	stopErr  error
	stops    int
	describe int
}

func (f *scripted) CreateCompilationJob(context.Context, *sagemaker.CreateCompilationJobInput, ...func(*sagemaker.Options)) (*sagemaker.CreateCompilationJobOutput, error) {
	return &sagemaker.CreateCompilationJobOutput{}, nil
}

func (f *scripted) DescribeCompilationJob(_ context.Context, in *sagemaker.DescribeCompilationJobInput, _ ...func(*sagemaker.Options)) (*sagemaker.DescribeCompilationJobOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.states[min(f.describe, len(f.states)-1)]
	f.describe++
	out := &sagemaker.DescribeCompilationJobOutput{CompilationJobName: in.CompilationJobName, CompilationJobStatus: s}
	if s == types.CompilationJobStatusCompleted {
		out.ModelArtifacts = &types.ModelArtifacts{S3ModelArtifacts: aws.String("s3://out-bucket/model-ml_c5.tar.gz")}
		if f.image != "" {
			out.InferenceImage = aws.String(f.image)
		}
	}
	return out, nil
}

func (f *scripted) StopCompilationJob(context.Context, *sagemaker.StopCompilationJobInput, ...func(*sagemaker.Options)) (*sagemaker.StopCompilationJobOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops++
	return &sagemaker.StopCompilationJobOutput{}, f.stopErr
}

func fakeCompiler(api API) *Compiler {
	return NewCompiler(aws.Config{Region: "us-east-1"}, func(o *Options) {
		o.Client, o.MinDelay, o.MaxDelay = api, time.Millisecond, 4*time.Millisecond
	})
}

func TestCompilePrefersTheImageTheAPIReports(t *testing.T) {
	const reported = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.8-cpu-py3-neo"
	api := &scripted{states: []types.CompilationJobStatus{"INPROGRESS", "COMPLETED"}, image: reported}
	m, err := fakeCompiler(api).Compile(context.Background(), studyJob(TargetMLC5))
	if err != nil || m.Image != reported {
		t.Fatalf("Compile = %+v, %v; want the reported image %s", m, err, reported)
	}
	api = &scripted{states: []types.CompilationJobStatus{"COMPLETED"}}
	m, err = fakeCompiler(api).Compile(context.Background(), studyJob(TargetMLC5))
	// The SDK keeps the version as given (1.8.1, an alias of 1.8) in the tag.
	if want := "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-inference-pytorch:1.8.1-cpu-py3"; err != nil || m.Image != want {
		t.Fatalf("Compile = %+v, %v; want the table's image %s", m, err, want)
	}
}

func TestCompileReportsStoppedByOthers(t *testing.T) {
	api := &scripted{states: []types.CompilationJobStatus{"INPROGRESS", "STOPPING", "STOPPED"}}
	_, err := fakeCompiler(api).Compile(context.Background(), studyJob(TargetMLC5))
	var je *JobError
	if !errors.As(err, &je) || je.State != StateStopped {
		t.Fatalf("Compile = %v; want a JobError in state STOPPED", err)
	}
	if api.stops != 0 {
		t.Errorf("Compile sent %d stops for a job that stopped on its own; want 0", api.stops)
	}
}

func TestCompileRefusesCompletedJobWithoutArtifact(t *testing.T) {
	api := &noArtifact{scripted{states: []types.CompilationJobStatus{"COMPLETED"}}}
	if _, err := fakeCompiler(api).Compile(context.Background(), studyJob(TargetMLC5)); err == nil {
		t.Fatal("Compile succeeded without a model artifact; want an error")
	}
}

type noArtifact struct{ scripted }

func (f *noArtifact) DescribeCompilationJob(ctx context.Context, in *sagemaker.DescribeCompilationJobInput, o ...func(*sagemaker.Options)) (*sagemaker.DescribeCompilationJobOutput, error) {
	out, err := f.scripted.DescribeCompilationJob(ctx, in, o...)
	out.ModelArtifacts = nil
	return out, err
}

func TestStopOfAJobThatJustEndedIsNotAnError(t *testing.T) {
	// The job completes between the cancel and the stop: Neo refuses the
	// stop, and the Compiler must report only the cancellation.
	api := &scripted{states: []types.CompilationJobStatus{"COMPLETED"}, stopErr: errors.New("ValidationException: job is COMPLETED")}
	c := fakeCompiler(api)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.abandon(ctx, studyJob(TargetMLC5), time.Now(), ctx.Err())
	if err != context.Canceled {
		t.Errorf("abandon = %v; want exactly context.Canceled", err)
	}
	api.states = []types.CompilationJobStatus{"INPROGRESS"}
	err = c.abandon(ctx, studyJob(TargetMLC5), time.Now(), ctx.Err())
	if !errors.Is(err, context.Canceled) || err == context.Canceled {
		t.Errorf("abandon = %v; want the cancellation joined with the failed stop", err)
	}
}

func TestBackoffGrowsToTheCapAndFitsTheDeadline(t *testing.T) {
	c := NewCompiler(aws.Config{}, func(o *Options) {
		o.Client, o.MinDelay, o.MaxDelay = &scripted{}, 5*time.Second, 30*time.Second
	})
	if d := c.backoff(1, time.Hour); d != 5*time.Second {
		t.Errorf("first wait = %v; want MinDelay 5s", d)
	}
	for attempt := int64(1); attempt < 50; attempt++ {
		if d := c.backoff(attempt, time.Hour); d < 5*time.Second || d > 30*time.Second {
			t.Errorf("wait %d = %v; want within [5s, 30s]", attempt, d)
		}
	}
	// Late attempts are uniformly jittered over [5s, 30s); a sum of 200 of
	// them well above 200*5s shows the delay grew past the minimum.
	var sum time.Duration
	for range 200 {
		sum += c.backoff(40, time.Hour)
	}
	if sum < 200*10*time.Second {
		t.Errorf("mean late wait = %v; want it well above MinDelay (about 17.5s)", sum/200)
	}
	if d := c.backoff(10, 2*time.Second); d > 2*time.Second || d <= 0 {
		t.Errorf("wait with 2s left = %v; want positive and at most 2s", d)
	}
}

func TestNewCompilerDefaults(t *testing.T) {
	c := NewCompiler(aws.Config{Region: "eu-west-1"})
	o := c.opts
	if o.Client == nil || o.Region != "eu-west-1" || o.MinDelay != DefaultMinDelay || o.MaxDelay != DefaultMaxDelay ||
		o.Margin != DefaultMargin || o.StopTimeout != DefaultStopTimeout {
		t.Errorf("defaults = %+v", o)
	}
	c = NewCompiler(aws.Config{Region: "eu-west-1"}, func(o *Options) {
		o.Region, o.Margin, o.MinDelay, o.MaxDelay = "us-east-1", -1, time.Minute, time.Second
	})
	if c.opts.Region != "us-east-1" || c.opts.Margin != 0 || c.opts.MaxDelay != time.Minute {
		t.Errorf("overrides = %+v; want region us-east-1, no margin, MaxDelay raised to MinDelay", c.opts)
	}
}
