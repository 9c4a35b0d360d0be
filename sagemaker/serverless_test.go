package sagemaker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A serverless endpoint is deployed, measured and deleted like any other, with nothing
// left behind.
func TestDeployServerlessEndpointServesAndLeavesNothing(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithServerlessSetupTime(0),
		sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{}`), nil }),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 4, DeviceTime: 4 * time.Millisecond})})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	e.InstanceType, e.InstanceCount = "", 0
	e.Serverless = &sagemaker.ServerlessSpec{MemorySizeInMB: 4096, MaxConcurrency: 2}
	ctx := context.Background()
	ep, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	infos := srv.Endpoints()
	if len(infos) != 1 || infos[0].Workers != 2 || infos[0].DeviceTime != 2*time.Millisecond {
		t.Errorf("endpoint %+v; want MaxConcurrency 2 workers of 2ms (4 GB)", infos)
	}
	res, err := bench.Run(ctx, ep.Invoker(), bench.Config{Concurrency: 2, Requests: 20,
		Payloads: []payload.Payload{{Name: "p", ContentType: "application/octet-stream", Body: []byte("x")}}})
	if err != nil || res.Requests != 20 || res.Errors != 0 {
		t.Fatalf("run: %v, %+v", err, res)
	}
	if err := ep.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

func TestServerlessSpecRefusesWhatAWSRefuses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		spec  sagemaker.ServerlessSpec
		field string
	}{
		"memory not a step": {sagemaker.ServerlessSpec{MemorySizeInMB: 1500, MaxConcurrency: 1}, "MemorySizeInMB"},
		"memory over 6 GB":  {sagemaker.ServerlessSpec{MemorySizeInMB: 7168, MaxConcurrency: 1}, "MemorySizeInMB"},
		"no concurrency":    {sagemaker.ServerlessSpec{MemorySizeInMB: 1024}, "MaxConcurrency"},
		"provisioned > max": {sagemaker.ServerlessSpec{MemorySizeInMB: 1024, MaxConcurrency: 1, ProvisionedConcurrency: 2}, "ProvisionedConcurrency"},
		"concurrency 201":   {sagemaker.ServerlessSpec{MemorySizeInMB: 1024, MaxConcurrency: 201}, "MaxConcurrency"},
	} {
		var ie *invalid.Error
		if err := tc.spec.Validate(); !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Field != tc.field {
			t.Errorf("%s: ServerlessSpec.Validate() = %v; want one problem with field %s", name, err, tc.field)
		}
		e := sagemaker.EndpointSpec{Name: "ok-name", Serverless: &tc.spec}
		if err := e.Validate(); !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Field != "Serverless."+tc.field {
			t.Errorf("%s: EndpointSpec.Validate() = %v; want one problem with field Serverless.%s", name, err, tc.field)
		}
	}
	e := sagemaker.EndpointSpec{Name: "ok-name", InstanceType: "ml.c5.xlarge", InstanceCount: 1,
		Serverless: &sagemaker.ServerlessSpec{MemorySizeInMB: 2048, MaxConcurrency: 5}}
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "no instance type") {
		t.Errorf("serverless with an instance type: %v", err)
	}
	e.InstanceType, e.InstanceCount = "", 0
	if err := e.Validate(); err != nil {
		t.Errorf("valid serverless spec: %v", err)
	}
}

// A spike on a serverless endpoint shows its cold starts in the tail: the requests that
// find every warm container busy wait for a new one, and their latency, counted from the
// intended send time, holds the start-up.
func TestSpikeStageOnAServerlessEndpointShowsColdStartsInTheTail(t *testing.T) {
	const setup = 200 * time.Millisecond
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithServerlessSetupTime(setup),
		sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{}`), nil }),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 4, DeviceTime: 40 * time.Millisecond})})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	e.InstanceType, e.InstanceCount = "", 0
	e.Serverless = &sagemaker.ServerlessSpec{MemorySizeInMB: 2048, MaxConcurrency: 50}
	ctx := context.Background()
	ep, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ep.Delete(ctx); err != nil {
			t.Error(err)
		}
	}()
	res, err := bench.RunStages(ctx, ep.Invoker(), bench.StagesConfig{
		From: 20,
		Stages: []bench.Stage{
			{Duration: time.Second, Target: 20},             // warm one or two containers
			{Duration: 500 * time.Millisecond, Target: 300}, // spike: ~12 in flight
			{Duration: time.Second, Target: 300},
			{Duration: 500 * time.Millisecond, Target: 0},
		},
		Base: bench.Config{Payloads: []payload.Payload{{Name: "p", ContentType: "application/octet-stream", Body: []byte("x")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := srv.ColdStarts(e.Name, sagemaker.VariantName)
	if before < 3 {
		t.Errorf("%d cold starts: the spike should have started new containers", before)
	}
	var tail time.Duration
	for _, st := range res.Stages[1:] {
		tail = max(tail, st.Result.Latency.Max)
	}
	if tail < setup {
		t.Errorf("the spike's slowest request took %v, less than a container's %v start-up", tail, setup)
	}
	tot := res.Total
	if tot.Requests+tot.Missed+tot.Unfinished != tot.Offered {
		t.Errorf("made %d + missed %d + unfinished %d != offered %d", tot.Requests, tot.Missed, tot.Unfinished, tot.Offered)
	}
}
