package neo_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A job that outlives MaxRuntime plus the margin is stopped; when the stop is refused
// (here AccessDenied) the *TimeoutError carries the refusal and never says "stopped it",
// since the job is still running.
func TestTimeoutWhoseStopFailsDoesNotSayStopped(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, time.Hour, func(o *neo.Options) { o.Margin, o.StopTimeout = -1, time.Second })
	j := job(neo.TargetMLInf1)
	j.MaxRuntime = time.Second
	denied := &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not allowed to stop", StatusCode: http.StatusBadRequest}
	srv.FailNext("StopCompilationJob", 1_000_000, denied)
	_, err := c.Compile(context.Background(), j)
	var te *neo.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "not allowed to stop") {
		t.Fatalf("Compile = %v; want a *neo.TimeoutError and the stop's refusal", err)
	}
	if left := srv.Leftovers(); len(left) == 0 {
		t.Fatal("the job stopped although every stop was refused")
	}
	if strings.Contains(te.Error(), "stopped it") {
		t.Errorf("TimeoutError = %q; it says the job was stopped, but it is still running", te.Error())
	}
}

// A burst of throttling while Compile polls (one describe throttled past the SDK's 3
// attempts) is retried with backoff, as MaxRuntime plus the margin allows: the healthy
// job completes and is neither stopped nor failed. A busy account (CompileAll polling a
// dozen jobs) does not lose its compilations to its own request rate.
func TestCompileRidesOutAThrottlingBurstLongerThanTheSDKsRetries(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, 50*time.Millisecond)
	srv.FailNext("DescribeCompilationJob", 4, sagemakertest.ErrThrottling())
	if _, err := c.Compile(context.Background(), job(neo.TargetMLC5)); err != nil {
		t.Fatalf("Compile with four throttled describes = %v; want success", err)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationCompleted {
		t.Errorf("emulator jobs = %+v; want the job COMPLETED", jobs)
	}
}

// completesBeforeStop is the real client, except that StopCompilationJob waits until
// the job has ended (COMPLETED or FAILED) before it is sent: the job finishes while
// Compile stops it.
type completesBeforeStop struct{ *sm.Client }

func (c completesBeforeStop) StopCompilationJob(ctx context.Context, in *sm.StopCompilationJobInput, o ...func(*sm.Options)) (*sm.StopCompilationJobOutput, error) {
	for {
		out, err := c.Client.DescribeCompilationJob(ctx, &sm.DescribeCompilationJobInput{CompilationJobName: in.CompilationJobName})
		if err != nil {
			return nil, err
		}
		if out.CompilationJobStatus == "COMPLETED" || out.CompilationJobStatus == "FAILED" {
			return c.Client.StopCompilationJob(ctx, in, o...)
		}
		select { // poll the emulator's clock; nothing is synchronized by this wait
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// completingCompiler is a Compiler for srv whose stops wait until the job has ended
// (completesBeforeStop), polling fast.
func completingCompiler(srv *sagemakertest.Server, optFns ...func(*neo.Options)) *neo.Compiler {
	return neo.NewCompiler(srv.Config(), append([]func(*neo.Options){func(o *neo.Options) {
		o.Client = completesBeforeStop{srv.SageMakerClient()}
		o.MinDelay, o.MaxDelay, o.StopTimeout = 2*time.Millisecond, 20*time.Millisecond, 30*time.Second
	}}, optFns...)...)
}

// A job that outlives MaxRuntime plus the margin, but completes while Compile stops it
// (the stop is refused: COMPLETED cannot be stopped), is a CompiledModel: its compiled
// model is in S3, and no error says "stopped it".
func TestTimedOutJobThatCompletesWhileStoppedIsACompiledModel(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, 1500*time.Millisecond)
	c := completingCompiler(srv, func(o *neo.Options) { o.Margin = -1 })
	j := job(neo.TargetMLC5)
	j.MaxRuntime = time.Second
	m, err := c.Compile(context.Background(), j)
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationCompleted {
		t.Fatalf("emulator jobs = %+v; want the job COMPLETED", jobs)
	}
	if err != nil && strings.Contains(err.Error(), "stopped it") {
		t.Fatalf("Compile = %v; it says the job was stopped, but it completed", err)
	}
	if err != nil || m == nil || m.ArtifactURL == "" {
		t.Errorf("Compile = %+v, %v; want the compiled model of the job that completed", m, err)
	}
}

// The same with a job that fails while Compile stops it: the error is a *JobError with
// Neo's FailureReason, the one thing the user needs to fix the job, not "stopped it".
func TestTimedOutJobThatFailsWhileStoppedReportsTheFailure(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, 1500*time.Millisecond)
	c := completingCompiler(srv, func(o *neo.Options) { o.Margin = -1 })
	j := job(neo.TargetMLC5)
	j.MaxRuntime = time.Second
	srv.FailCompilation(j.Name, "ClientError: CompilationError: out of memory")
	_, err := c.Compile(context.Background(), j)
	var je *neo.JobError
	if !errors.As(err, &je) || je.State != neo.StateFailed || !strings.Contains(je.Reason, "out of memory") || strings.Contains(err.Error(), "stopped it") {
		t.Fatalf("Compile = %v; want a *neo.JobError FAILED with Neo's reason, not \"stopped it\"", err)
	}
}

// A lost create whose job proves to be Compile's own is stopped; if it completes first,
// the error says it ended COMPLETED, never "stopped it".
func TestOwnJobThatCompletesBeforeItsStopIsReportedCompleted(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, 1500*time.Millisecond)
	c := completingCompiler(srv)
	srv.LoseAnswer("CreateCompilationJob", 1)
	srv.FailNext("ListTags", 3, sagemakertest.ErrThrottling())
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil || strings.Contains(err.Error(), "stopped it") || !strings.Contains(err.Error(), "ended COMPLETED") {
		t.Fatalf("Compile = %v; want it to say its own job ended COMPLETED before the stop", err)
	}
}

// A Margin meant as "wait as long as it takes" (math.MaxInt64) does not overflow
// MaxRuntime + Margin into a deadline in the past: the job is waited for and completes.
func TestHugeMarginDoesNotTimeOutAtOnce(t *testing.T) {
	srv, c := newServer(t, 50*time.Millisecond, func(o *neo.Options) { o.Margin = time.Duration(math.MaxInt64) })
	if _, err := c.Compile(context.Background(), job(neo.TargetMLC5)); err != nil {
		t.Fatalf("Compile with a huge Margin = %v; want the compiled model", err)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationCompleted {
		t.Errorf("emulator jobs = %+v; want the job COMPLETED", jobs)
	}
}
