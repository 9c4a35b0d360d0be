package neo_test

import (
	"context"
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

// Review: a Compile cancelled during its create stops the job of that name whenever it
// cannot tell whose it is (owned's "known" is false: the describe or ListTags failed,
// here throttled). A name taken by someone else's running job then gets that job
// stopped: the "must never touch what we did not create" rule only holds when the
// ownership check succeeds.
func TestReviewCancelledCompileNeverStopsSomeoneElsesJob(t *testing.T) {
	t.Skip("known open defect found in review, not fixed yet (see the closing note of this stop); remove this line when fixing it")
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
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || (jobs[0].Status != sagemakertest.JobInProgress && jobs[0].Status != sagemakertest.JobStarting) {
		t.Fatalf("someone else's job is %+v; want it still running", jobs)
	}
}

// Review: after a lost CreateCompilationJob answer, Compile asks whether the job is
// its own; if that check cannot tell (ListTags throttled past the SDK's attempts),
// Compile returns the create's error and leaves its own job running, unwatched and
// unstopped. The issue asks that "may exist" be resolved: describe, and stop it if
// it is ours.
func TestReviewCompileLostAnswerThenFailedCheckLeavesNoJobRunning(t *testing.T) {
	t.Skip("known open defect found in review, not fixed yet (see the closing note of this stop); remove this line when fixing it")
	srv, c := newServer(t, time.Hour)
	srv.LoseAnswer("CreateCompilationJob", 1)
	srv.FailNext("ListTags", 3, sagemakertest.ErrThrottling())
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil {
		t.Fatal("Compile succeeded although it could not tell whether the job was its own")
	}
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Compile returned %v: %v left running", err, left)
	}
}

// Review: when a Compile is cancelled, its job is stopped with one StopCompilationJob
// call, i.e. the SDK's 3 attempts; a throttled or 5xx burst longer than that leaves the
// job running, although StopTimeout allows minutes. (package sagemaker retries its
// deletes until the deadline for the same reason.)
func TestReviewCancelledCompileRetriesAFailingStop(t *testing.T) {
	t.Skip("known open defect found in review, not fixed yet (see the closing note of this stop); remove this line when fixing it")
	srv, c := newServer(t, time.Hour)
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
}
