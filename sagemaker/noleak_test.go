package sagemaker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// fastRetries is a SageMaker client whose SDK retries wait a millisecond, so that a
// test can spend the SDK's attempts quickly.
func fastRetries(srv *sagemakertest.Server) func(*sagemaker.Options) {
	return func(o *sagemaker.Options) {
		o.SageMaker = srv.SageMakerClient(func(so *sm.Options) {
			so.Retryer = retry.NewStandard(func(r *retry.StandardOptions) { r.MaxBackoff = time.Millisecond })
		})
	}
}

// After a lost create answer, the SDK's retry gets "already exists": Deploy recognizes
// its own resource by its tags and carries on, and when it fails later, it deletes that
// resource with the rest.
func TestDeployLostCreateAnswerLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} {
		t.Run(op, func(t *testing.T) {
			srv, c := newEnv(t, nil)
			srv.LoseAnswer(op, 1)
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			ep, err := c.Deploy(context.Background(), m, e)
			if err != nil {
				t.Fatalf("Deploy after a lost answer: %v", err)
			}
			if n := srv.Calls(op); n != 2 {
				t.Fatalf("%s calls = %d; want the lost one and the SDK's retry", op, n)
			}
			if op == "CreateEndpoint" && ep.ARN == "" {
				t.Error("adopted endpoint has no ARN")
			}
			if err := ep.Delete(context.Background()); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, srv)
		})
		t.Run(op+"ThenFailure", func(t *testing.T) {
			srv, c := newEnv(t, nil)
			srv.LoseAnswer(op, 1)
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			srv.FailEndpoint(e.Name, "health check failed")
			_, err := c.Deploy(context.Background(), m, e)
			var de *sagemaker.DeployError
			if !errors.As(err, &de) || de.Cleanup != nil {
				t.Fatalf("err = %v; want a DeployError whose cleanup succeeded", err)
			}
			assertNothingLeft(t, srv)
		})
	}
}

// When a lost answer cannot be told from a refusal at once (here the describe that
// would tell fails), the resource stays "may exist" and the failed Deploy's cleanup
// looks again, finds it tagged as its own, and deletes it.
func TestDeployDeletesAnUncertainCreateItFindsLater(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	srv.LoseAnswer("CreateEndpoint", 1)
	srv.FailNext("DescribeEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not now", StatusCode: 400})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepCreateEndpoint || de.Cleanup != nil {
		t.Fatalf("err = %v; want a failed create endpoint whose cleanup succeeded", err)
	}
	assertNothingLeft(t, srv)
}

// A name already taken by another Deploy of the same run is refused and left alone,
// although it carries the run's tag: the per-Deploy token tells them apart.
func TestDeployLostAnswerNeverAdoptsAnotherDeploysResource(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	first, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	m2 := m
	m2.Name = c.Name("other")
	srv.LoseAnswer("CreateEndpointConfig", 1) // refused anyway: the name is taken
	if _, err := c.Deploy(ctx, m2, e); err == nil {
		t.Fatal("second Deploy under a taken name succeeded")
	}
	if got := len(srv.Leftovers()); got != 3 {
		t.Fatalf("leftovers = %v; want the first deploy intact and nothing of the second", srv.Leftovers())
	}
	if err := first.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

// Delete retries throttled and unavailable deletes of each resource beyond the SDK's
// three attempts, until they succeed.
func TestDeleteRetriesThrottlingUntilItSucceeds(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv, fastRetries(srv))
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"} {
		srv.FailNext(op, 4, sagemakertest.ErrThrottling()) // more than the SDK's 3 attempts
		srv.FailNext(op, 3, sagemakertest.ErrServiceUnavailable())
	}
	if err := ep.Delete(context.Background()); err != nil {
		t.Fatalf("Delete gave up: %v", err)
	}
	for _, op := range []string{"DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"} {
		if n := srv.Calls(op); n != 8 {
			t.Errorf("%s calls = %d, want 7 refused and 1 accepted", op, n)
		}
	}
	assertNothingLeft(t, srv)
}

// A Deploy whose own cleanup failed returns a DeployError whose Endpoint handle
// deletes what is left.
func TestDeployWhoseCleanupFailedReturnsAHandleThatFinishes(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	srv.FailEndpoint(e.Name, "health check failed")
	srv.FailNext("DeleteEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not now", StatusCode: 400})
	ep, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if ep != nil || !errors.As(err, &de) || de.Cleanup == nil || de.Endpoint == nil {
		t.Fatalf("Deploy = %v, %v; want a DeployError with a failed cleanup and a handle", ep, err)
	}
	if len(srv.Leftovers()) == 0 {
		t.Fatal("nothing left, so the test proves nothing")
	}
	if err := de.Endpoint.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

func TestDeployTagsAndNamesWithTheRun(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("resnet50-c5"), c.Name("resnet50-c5")
	if !strings.HasSuffix(m.Name, c.RunID()) || len(m.Name) > sagemaker.MaxNameLen {
		t.Fatalf("Name = %q; want the run id %s at the end", m.Name, c.RunID())
	}
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Delete(context.Background())
	tags := srv.Tags(ep.ARN)
	if !slices.Contains(tags, sagemakertest.Tag{Key: sagemaker.TagRun, Value: c.RunID()}) ||
		!slices.Contains(tags, sagemakertest.Tag{Key: sagemaker.TagCreatedBy, Value: "sagebench"}) {
		t.Errorf("endpoint tags = %v; want the run and created-by", tags)
	}
}
