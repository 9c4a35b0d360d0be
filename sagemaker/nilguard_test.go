package sagemaker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
)

// Nil and zero inputs to the cleanup entry points are errors, never panics.
func TestCleanupAndDeleteRefuseNilAndZeroInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := aws.Config{Region: "eu-west-1"}
	if err := sagemaker.Cleanup(ctx, cfg, nil); err == nil {
		t.Error("Cleanup(ctx, cfg, nil) = nil; want an error")
	}
	if err := sagemaker.NewClient(cfg).Cleanup(ctx, nil); err == nil {
		t.Error("Client.Cleanup(nil) = nil; want an error")
	}
	if err := (&sagemaker.Endpoint{}).Delete(ctx); err == nil {
		t.Error("zero Endpoint.Delete = nil; want an error")
	}
}

// A Client, RuntimeInvoker or Endpoint that NewClient did not make (nil, or a zero value
// written by hand) has no SDK clients: every call on it is an error, never a panic.
func TestClientNotFromNewClientRefusesEveryCallWithoutAPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	j := openJournal(t)
	for name, c := range map[string]*sagemaker.Client{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			calls := map[string]error{}
			_, calls["Deploy"] = c.Deploy(ctx, m, e)
			_, calls["Upload"] = c.Upload(ctx, sagemaker.UploadInput{Bucket: "my-bucket", Key: "k", Body: strings.NewReader("x")})
			calls["EnsureBucket"] = c.EnsureBucket(ctx, "my-bucket")
			_, calls["DescribeDeployed"] = c.DescribeDeployed(ctx, "ep")
			_, calls["FindRun"] = c.FindRun(ctx, "20261201t210504-9f3a")
			calls["CleanupRun"] = c.CleanupRun(ctx, "20261201t210504-9f3a")
			calls["Cleanup"] = c.Cleanup(ctx, j)
			calls["Invoker.Invoke"] = c.Invoker("ep").Invoke(ctx, payload.Payload{Body: []byte("x")})
			for call, err := range calls {
				if err == nil {
					t.Errorf("%s = nil; want an error", call)
				}
			}
		})
	}
	for name, ep := range map[string]*sagemaker.Endpoint{"nil": nil, "zero": {}} {
		if err := ep.Invoker().Invoke(ctx, payload.Payload{Body: []byte("x")}); err == nil {
			t.Errorf("%s Endpoint: Invoker().Invoke = nil; want an error", name)
		}
	}
}
