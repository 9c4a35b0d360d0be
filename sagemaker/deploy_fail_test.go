package sagemaker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestDeployFailedEndpointReportsReasonAndCleansUp(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	const reason = "The primary container for production variant AllTraffic did not pass the ping health check."
	srv.FailEndpoint(e.Name, reason)
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *DeployError", err)
	}
	if de.Step != sagemaker.StepWait || de.FailureReason != reason || !errors.Is(err, sagemaker.ErrEndpointFailed) {
		t.Fatalf("step %q reason %q (err %v); want the wait step, the reason, ErrEndpointFailed", de.Step, de.FailureReason, err)
	}
	if !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), e.Name) {
		t.Errorf("message %q does not name the endpoint and the reason", err)
	}
	if de.Cleanup != nil {
		t.Errorf("cleanup: %v", de.Cleanup)
	}
	assertNothingLeft(t, srv)
}

func TestDeployAPIFailureAtEachStepCleansUp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		op          string
		step        sagemaker.DeployStep
		wantDeletes map[string]int // a refused create is not deleted: it does not exist
	}{
		{"CreateModel", sagemaker.StepCreateModel, map[string]int{"DeleteModel": 0, "DeleteEndpointConfig": 0, "DeleteEndpoint": 0}},
		{"CreateEndpointConfig", sagemaker.StepCreateEndpointConfig, map[string]int{"DeleteModel": 1, "DeleteEndpointConfig": 0, "DeleteEndpoint": 0}},
		{"CreateEndpoint", sagemaker.StepCreateEndpoint, map[string]int{"DeleteModel": 1, "DeleteEndpointConfig": 1, "DeleteEndpoint": 0}},
		{"DescribeEndpoint", sagemaker.StepWait, map[string]int{"DeleteModel": 1, "DeleteEndpointConfig": 1, "DeleteEndpoint": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			srv, c := newEnv(t, nil)
			srv.FailNext(tc.op, 1, sagemakertest.ErrResourceLimitExceeded())
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			_, err := c.Deploy(context.Background(), m, e)
			var de *sagemaker.DeployError
			if !errors.As(err, &de) || de.Step != tc.step || de.Cleanup != nil {
				t.Fatalf("err = %v; want a DeployError at %q with a clean cleanup", err, tc.step)
			}
			if !strings.Contains(err.Error(), "ResourceLimitExceeded") {
				t.Errorf("message %q hides the cause", err)
			}
			for op, want := range tc.wantDeletes {
				if got := srv.Calls(op); got != want {
					t.Errorf("%s called %d times, want %d", op, got, want)
				}
			}
			assertNothingLeft(t, srv)
		})
	}
}

func TestDeployValidatesBeforeAnyCall(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	badRole, badType, badCount := m, e, e
	badRole.RoleARN = "SageMakerRole"
	badType.InstanceType = "c5.xlarge"
	badCount.InstanceCount = 0
	for _, tc := range []struct {
		m    sagemaker.ModelSpec
		e    sagemaker.EndpointSpec
		want string
	}{
		{badRole, e, "role ARN"},
		{m, badType, "instance type"},
		{m, badCount, "instance count"},
	} {
		_, err := c.Deploy(context.Background(), tc.m, tc.e)
		var ie *invalid.Error
		var de *sagemaker.DeployError
		if !errors.As(err, &ie) || !errors.As(err, &de) || de.Step != sagemaker.StepValidate || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v; want a validate-step *invalid.Error about %s", err, tc.want)
		}
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Fatalf("%d calls reached the service for invalid specs", n)
	}
}

func TestDeployGivesUpAfterMaxWait(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, []sagemakertest.Option{sagemakertest.WithEndpointDelays(time.Hour, 0)})
	c := newClient(t, srv, func(o *sagemaker.Options) { o.MaxWait = 100 * time.Millisecond })
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepWait || !strings.Contains(err.Error(), "not InService after 100ms (last status Creating)") {
		t.Fatalf("err = %v", err)
	}
	assertNothingLeft(t, srv)
}

func TestDeleteIsIdempotentAndToleratesMissingParts(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	// Someone deleted the model behind our back: Delete still removes the rest.
	if _, err := srv.SageMakerClient().DeleteModel(context.Background(), &sm.DeleteModelInput{ModelName: aws.String(m.Name)}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- ep.Delete(context.Background()) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	assertNothingLeft(t, srv)
	if n := srv.Calls("DeleteEndpoint"); n != 1 {
		t.Errorf("DeleteEndpoint called %d times by two concurrent Deletes, want 1", n)
	}
	// Attach to names that never existed: not found counts as done.
	if err := c.Attach("ghost", "ghost", "ghost").Delete(context.Background()); err != nil {
		t.Fatalf("Delete of missing resources: %v", err)
	}
}

func TestDeleteWaitsUntilGoneWhenAsked(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, []sagemakertest.Option{sagemakertest.WithEndpointDelays(10*time.Millisecond, 150*time.Millisecond)})
	c := newClient(t, srv, func(o *sagemaker.Options) { o.WaitDeleted = true })
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	if err := ep.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 {
		t.Fatalf("Delete returned while endpoints remain: %+v", eps)
	}
}

func TestDeleteReportsWhatRemains(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	// A refusal that retrying cannot fix (throttling and 5xx are retried until the deadline).
	srv.FailNext("DeleteEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not allowed", StatusCode: 400})
	err = ep.Delete(context.Background())
	if err == nil || !strings.Contains(err.Error(), "endpoint "+e.Name) {
		t.Fatalf("err = %v, want it to name endpoint %s", err, e.Name)
	}
	// The rest was deleted; a retry finishes the job.
	if left := srv.Leftovers(); len(left) != 1 || !strings.HasPrefix(left[0], "endpoint ") {
		t.Fatalf("leftovers after a failed Delete = %v, want just the endpoint", left)
	}
	if err := ep.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

func TestLogsAndErrorsNameNoSecrets(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	var mu sync.Mutex
	var lines []string
	c := newClient(t, srv, func(o *sagemaker.Options) {
		o.Logf = func(format string, args ...any) {
			mu.Lock()
			lines = append(lines, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
	})
	ctx := context.Background()
	creds, err := srv.Config().Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	srv.FailEndpoint(e.Name, "health check failed")
	_, deployErr := c.Deploy(ctx, m, e)
	_, uploadErr := c.Upload(ctx, sagemaker.UploadInput{Bucket: "no-such-bucket", Key: "k", Body: strings.NewReader("x")})
	invokeErr := c.Invoker("no-such-endpoint").Invoke(ctx, jpeg)
	if deployErr == nil || uploadErr == nil || invokeErr == nil {
		t.Fatalf("expected three errors, got %v / %v / %v", deployErr, uploadErr, invokeErr)
	}
	texts := append(lines, deployErr.Error(), uploadErr.Error(), invokeErr.Error())
	if len(lines) < 4 {
		t.Fatalf("only %d log lines: %q", len(lines), lines)
	}
	for _, s := range texts {
		for _, secret := range []string{creds.AccessKeyID, creds.SecretAccessKey, "Authorization", "X-Amz-Signature", "Signature=", "Credential="} {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("%q leaks %q", s, secret)
			}
		}
	}
}

func TestDeployNeverDeletesWhatItDidNotCreate(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	first, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	// A second deploy reusing the endpoint name: its own model is created, then the
	// service refuses the existing configuration name.
	m2 := m
	m2.Name = sagemaker.UniqueName("other-model")
	_, err = c.Deploy(ctx, m2, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepCreateEndpointConfig || de.Cleanup != nil {
		t.Fatalf("err = %v; want a refusal at create endpoint config", err)
	}
	want := []string{"endpoint " + e.Name + " (InService)", "endpoint-config " + e.Name, "model " + m.Name}
	if got := srv.Leftovers(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after the failed deploy: %v; want the first deploy intact and nothing of the second: %v", got, want)
	}
	if err := first.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
	var none *sagemaker.Endpoint
	if err := none.Delete(ctx); err != nil {
		t.Fatalf("nil Endpoint.Delete = %v", err)
	}
}

func TestDeploySaysWhenTheEndpointVanishesWhileWaiting(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithEndpointDelays(time.Hour, 0)})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	// Someone deletes the endpoint while Deploy waits: DescribeEndpoint then answers
	// ValidationException, which the SDK waiter reports only as "transitioned to Failure".
	srv.FailNext("DescribeEndpoint", 1, &sagemakertest.APIError{Code: "ValidationException", Message: "Could not find endpoint " + e.Name, StatusCode: 400})
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepWait || !strings.Contains(err.Error(), "describe endpoint "+e.Name+": ") ||
		!strings.Contains(err.Error(), "Could not find endpoint") {
		t.Fatalf("err = %v", err)
	}
	assertNothingLeft(t, srv)
}
