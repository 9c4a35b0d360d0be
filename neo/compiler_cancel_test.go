package neo_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func createOthersJob(t *testing.T, srv *sagemakertest.Server, jb neo.Job) {
	t.Helper()
	if _, err := srv.SageMakerClient().CreateCompilationJob(context.Background(), &sm.CreateCompilationJobInput{
		CompilationJobName: aws.String(jb.Name), RoleArn: aws.String(role),
		InputConfig: &types.InputConfig{S3Uri: aws.String(jb.ModelDataURL), Framework: types.FrameworkPytorch,
			FrameworkVersion: aws.String("1.8"), DataInputConfig: aws.String(`{"input0":[1,3,224,224]}`)},
		OutputConfig:      &types.OutputConfig{S3OutputLocation: aws.String(jb.OutputURL), TargetDevice: types.TargetDeviceMlC5},
		StoppingCondition: &types.StoppingCondition{MaxRuntimeInSeconds: aws.Int32(900)},
	}); err != nil {
		t.Fatal(err)
	}
}

// cancelOnCreate is a real client whose CreateCompilationJob is cut off by the
// caller's Ctrl-C as it returns.
type cancelOnCreate struct {
	*sm.Client
	cancel context.CancelFunc
}

func (c cancelOnCreate) CreateCompilationJob(ctx context.Context, in *sm.CreateCompilationJobInput, o ...func(*sm.Options)) (*sm.CreateCompilationJobOutput, error) {
	out, err := c.Client.CreateCompilationJob(ctx, in, o...)
	c.cancel()
	if err == nil {
		err = ctx.Err()
	}
	return out, err
}

// A Compile cancelled during its create stops the job of that name only when the
// ownership check proves it its own: when the check cannot tell (the describe or
// ListTags throttled), someone else's running job of that name keeps running.
func TestCancelledCompileNeverStopsSomeoneElsesJob(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(time.Hour))
	t.Cleanup(srv.Close)
	srv.PutObject(bucket, modelKey, archive)
	jb := job(neo.TargetMLC5)
	createOthersJob(t, srv, jb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.Client = cancelOnCreate{srv.SageMakerClient(), cancel}
		o.MinDelay, o.MaxDelay, o.StopTimeout = 2*time.Millisecond, 20*time.Millisecond, time.Second
	})
	srv.FailNext("DescribeCompilationJob", 3, sagemakertest.ErrThrottling()) // the ownership check cannot tell
	if _, err := c.Compile(ctx, jb); err == nil {
		t.Fatal("cancelled Compile succeeded")
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || (jobs[0].Status != sagemakertest.CompilationInProgress && jobs[0].Status != sagemakertest.CompilationStarting) {
		t.Fatalf("someone else's job is %+v; want it still running", jobs)
	}
}

// After a lost CreateCompilationJob answer, when the ownership check cannot tell at
// first (ListTags throttled past the SDK's attempts), Compile checks again and stops the
// job once it proves its own: nothing is left running, unwatched.
//
// The compilation takes 8 s, far longer than the test, but a stopped job stays STOPPING
// for a quarter of that (2 s) in the emulator, and STOPPING counts as left over: a longer
// compilation would make the test wait minutes for the stop.
func TestCompileLostAnswerThenFailedCheckLeavesNoJobRunning(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, 8*time.Second)
	srv.LoseAnswer("CreateCompilationJob", 1)
	srv.FailNext("ListTags", 3, sagemakertest.ErrThrottling())
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil {
		t.Fatal("Compile succeeded although it could not tell whether the job was its own")
	}
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Compile returned %v: %v left running", err, left)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationStopped {
		t.Errorf("emulator jobs = %+v; want the job STOPPED", jobs)
	}
}

// A cancelled Compile retries StopCompilationJob beyond the SDK's 3 attempts until
// StopTimeout (package sagemaker retries its deletes until the deadline for the same
// reason): a 5xx burst longer than that still ends with the job stopped. The compilation
// takes 8 s: the stopped job must reach STOPPED (2 s) before the test ends.
func TestCancelledCompileRetriesAFailingStop(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, 8*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.FailNext("StopCompilationJob", 4, sagemakertest.ErrInternalFailure())
	done := make(chan error, 1)
	go func() {
		_, err := c.Compile(ctx, job(neo.TargetMLC5))
		done <- err
	}()
	for len(srv.CompilationJobs()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("cancelled Compile returned %v and left %v running", err, left)
	}
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "stop compilation job") {
		t.Errorf("Compile = %v; want only the cancellation (the stop succeeded in the end)", err)
	}
	if n := srv.Calls("StopCompilationJob"); n != 5 {
		t.Errorf("StopCompilationJob calls = %d; want 5 (4 failed, then the stop)", n)
	}
}

// A cancelled Compile that cannot tell, before StopTimeout, whether the job of its name is
// its own leaves the job alone and says, in a *MayExistError, that it must be checked.
func TestCancelledCompileThatCannotCheckSaysTheJobMayExist(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(time.Hour))
	t.Cleanup(srv.Close)
	srv.PutObject(bucket, modelKey, archive)
	jb := job(neo.TargetMLC5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.Client = cancelOnCreate{srv.SageMakerClient(), cancel}
		o.MinDelay, o.MaxDelay, o.StopTimeout = 2*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond
	})
	srv.FailNext("DescribeCompilationJob", 1_000_000, sagemakertest.ErrThrottling()) // never answers
	_, err := c.Compile(ctx, jb)
	var me *neo.MayExistError
	if !errors.As(err, &me) || me.JobName != jb.Name || !errors.Is(err, context.Canceled) {
		t.Fatalf("Compile = %v; want the cancellation and a *neo.MayExistError for %s", err, jb.Name)
	}
	if !strings.Contains(err.Error(), "may exist") || !strings.Contains(err.Error(), "describe-compilation-job") {
		t.Errorf("error %q should say the job may exist and how to check it", err)
	}
	if n := srv.Calls("StopCompilationJob"); n != 0 {
		t.Errorf("StopCompilationJob calls = %d; want none for a job not proven ours", n)
	}
}

// A refusal that retrying cannot fix (ListTags denied) ends the ownership check at
// once, well before StopTimeout: the job is not proven ours, so it is left alone and
// reported as may-exist.
func TestCompileLostAnswerWithTagsDeniedSaysTheJobMayExist(t *testing.T) {
	srv, c := newServer(t, time.Hour, func(o *neo.Options) { o.StopTimeout = time.Hour })
	srv.LoseAnswer("CreateCompilationJob", 1)
	denied := &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not allowed to list tags", StatusCode: 400}
	srv.FailNext("ListTags", 1_000_000, denied)
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	var me *neo.MayExistError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "not allowed to list tags") {
		t.Fatalf("Compile = %v; want a *neo.MayExistError carrying the denial", err)
	}
	if n := srv.Calls("ListTags"); n != 2 {
		t.Errorf("ListTags calls = %d; want 2 (the check, and one re-check that the denial ends)", n)
	}
	if n := srv.Calls("StopCompilationJob"); n != 0 {
		t.Errorf("StopCompilationJob calls = %d; want none for a job not proven ours", n)
	}
}

// lateJobCreate is the real client, except that a CreateCompilationJob whose caller
// gives up (ctx cancelled) is still delivered: it reaches SageMaker just after the next
// DescribeCompilationJob is answered, as a request already on the wire may.
type lateJobCreate struct {
	*sm.Client
	cancel  context.CancelFunc
	mu      sync.Mutex
	pending *sm.CreateCompilationJobInput
	landed  error
}

func (l *lateJobCreate) CreateCompilationJob(ctx context.Context, in *sm.CreateCompilationJobInput, o ...func(*sm.Options)) (*sm.CreateCompilationJobOutput, error) {
	l.cancel() // the caller's Ctrl-C comes while the request is in flight
	l.mu.Lock()
	l.pending = in
	l.mu.Unlock()
	return nil, ctx.Err()
}

func (l *lateJobCreate) DescribeCompilationJob(ctx context.Context, in *sm.DescribeCompilationJobInput, o ...func(*sm.Options)) (*sm.DescribeCompilationJobOutput, error) {
	out, err := l.Client.DescribeCompilationJob(ctx, in, o...)
	l.land()
	return out, err
}

// land delivers the cut-off create, if one is pending.
func (l *lateJobCreate) land() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending != nil {
		_, l.landed = l.Client.CreateCompilationJob(context.Background(), l.pending)
		l.pending = nil
	}
}

// A create cut off on the wire may still land after Compile looked for the job and did
// not find it (package sagemaker also treats such a not-found as proving nothing): Compile
// stops the job, or returns a *MayExistError naming it, never the bare cancellation with
// the job running unwatched.
func TestCancelledCreateThatLandsLateIsStoppedOrReported(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(time.Hour))
	t.Cleanup(srv.Close)
	srv.PutObject(bucket, modelKey, archive)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	late := &lateJobCreate{Client: srv.SageMakerClient(), cancel: cancel}
	c := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.Client = late
		o.MinDelay, o.MaxDelay, o.StopTimeout = 2*time.Millisecond, 20*time.Millisecond, time.Second
	})
	jb := job(neo.TargetMLC5)
	_, err := c.Compile(ctx, jb)
	late.land() // whatever Compile did, the request on the wire lands by now
	if late.landed != nil {
		t.Fatalf("the late create failed: %v", late.landed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Compile = %v; want the cancellation", err)
	}
	var me *neo.MayExistError
	if left := srv.Leftovers(); len(left) > 0 && (!errors.As(err, &me) || me.JobName != jb.Name) {
		t.Fatalf("Compile = %v, and %v is left running; want it stopped, or a *neo.MayExistError for %s", err, left, jb.Name)
	}
}

// The create's answer is lost, the SDK's retry is told ResourceInUse, so a job of that
// name certainly exists; the ownership check's describe then answers ResourceNotFound (a
// read just after a write, answered from a replica that has not seen it yet). After
// ResourceInUse a not-found proves nothing: Compile re-checks and stops its job, or
// returns a *MayExistError naming it.
func TestLostCreateThenStaleNotFoundIsStoppedOrReported(t *testing.T) {
	t.Parallel()
	// The compilation takes 4 s, and a stopped job stays STOPPING (a leftover) for a
	// quarter of that: a fix that re-checks and stops the job can pass.
	srv, c := newServer(t, 4*time.Second, func(o *neo.Options) { o.StopTimeout = 10 * time.Second })
	srv.LoseAnswer("CreateCompilationJob", 1)
	stale := &sagemakertest.APIError{Code: "ResourceNotFound", Message: "Could not find compilation job with name resnet50-ml-c5", StatusCode: http.StatusBadRequest}
	srv.FailNext("DescribeCompilationJob", 1, stale)
	jb := job(neo.TargetMLC5)
	_, err := c.Compile(context.Background(), jb)
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	var me *neo.MayExistError
	if left := srv.Leftovers(); len(left) > 0 && (!errors.As(err, &me) || me.JobName != jb.Name) {
		t.Fatalf("Compile = %v, and %v is left running; want it stopped, or a *neo.MayExistError for %s", err, left, jb.Name)
	}
}

// The create's answer is lost and the first ownership check is throttled past the SDK's
// attempts; the re-check proves the job is this Compile's own, and Compile stops it. The
// error says that the job was stopped, not only the create's "a job with this name
// already exists", which would send the reader looking for someone else's job.
func TestOwnJobStoppedAfterLostCreateIsReportedAsStopped(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, 4*time.Second, func(o *neo.Options) { o.StopTimeout = 10 * time.Second })
	srv.LoseAnswer("CreateCompilationJob", 1)
	srv.FailNext("ListTags", 3, sagemakertest.ErrThrottling())
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationStopped {
		t.Fatalf("emulator jobs = %+v; want the job STOPPED", jobs)
	}
	if !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Compile = %v; want it to say that the job was its own and that it stopped it", err)
	}
}
