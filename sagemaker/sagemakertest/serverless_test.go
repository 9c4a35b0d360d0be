package sagemakertest_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// createServerless creates model, config and endpoint called name with a serverless
// variant and waits until it is InService.
func createServerless(t testing.TB, srv *sagemakertest.Server, name string, cfg types.ProductionVariantServerlessConfig) {
	t.Helper()
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	if err := srv.PutObject("models", name+"/model.tar.gz", []byte("archive of "+name)); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{
		ModelName: aws.String(name), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage), ModelDataUrl: aws.String("s3://models/" + name + "/model.tar.gz")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String(name),
		ProductionVariants: []types.ProductionVariant{{
			VariantName: aws.String("AllTraffic"), ModelName: aws.String(name), ServerlessConfig: &cfg,
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String(name), EndpointConfigName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	waitInService(t, srv, name)
}

func okHandler(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{}`), nil }

// The first request pays a container's start-up, the next ones find it warm; the
// start-up is published as ModelSetupTime.
func TestServerlessFirstRequestPaysAColdStart(t *testing.T) {
	const setup = 40 * time.Millisecond
	srv := newServer(t, sagemakertest.WithHandler(okHandler), sagemakertest.WithServerlessSetupTime(setup),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 4, DeviceTime: 2 * time.Millisecond}))
	createServerless(t, srv, "sls", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(2048), MaxConcurrency: aws.Int32(5)})
	rt := srv.RuntimeClient(noRetry)
	start := time.Now()
	t0 := time.Now()
	if _, err := invoke(ctxT(t), rt, "sls", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < setup {
		t.Errorf("the first request took %v, less than the %v start-up", d, setup)
	}
	for range 3 {
		if _, err := invoke(ctxT(t), rt, "sls", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if n, ok := srv.ColdStarts("sls", "AllTraffic"); !ok || n != 1 {
		t.Errorf("cold starts = %d, %v; want 1: sequential requests reuse the warm container", n, ok)
	}
	out, err := srv.CloudWatchClient().GetMetricData(ctxT(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start.Add(-time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			cwStat("n", sagemakertest.NamespaceInvocations, "ModelSetupTime", "sls", "SampleCount", 60),
			cwStat("us", sagemakertest.NamespaceInvocations, "ModelSetupTime", "sls", "Minimum", 60),
			cwStat("inv", sagemakertest.NamespaceInvocations, "Invocations", "sls", "Sum", 60),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := sums(out)
	if got["n"] != 1 || got["us"] < float64(setup.Microseconds()) || got["inv"] != 4 {
		t.Errorf("CloudWatch: %v; want one ModelSetupTime of at least %dus and 4 invocations", got, setup.Microseconds())
	}
}

// Beyond MaxConcurrency in flight a request is throttled at once (ThrottlingException,
// bench's class throttled), not queued; provisioned concurrency starts warm.
func TestServerlessThrottlesBeyondMaxConcurrency(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 2), make(chan struct{})
	srv := newServer(t, sagemakertest.WithServerlessSetupTime(0),
		sagemakertest.WithHandler(func(ctx context.Context, _ string, body []byte, _ string) ([]byte, error) {
			if string(body) == "hold" {
				entered <- struct{}{}
				<-release
			}
			return []byte(`{}`), nil
		}))
	createServerless(t, srv, "sls", types.ProductionVariantServerlessConfig{
		MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(2), ProvisionedConcurrency: aws.Int32(2)})
	rt := srv.RuntimeClient(noRetry)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := invoke(ctxT(t), rt, "sls", []byte("hold")); err != nil {
				t.Error(err)
			}
		})
	}
	<-entered
	<-entered
	_, err := invoke(ctxT(t), rt, "sls", []byte("x"))
	close(release)
	wg.Wait()
	if errorCode(err) != "ThrottlingException" {
		t.Fatalf("third request with 2 in flight: %v, want ThrottlingException", err)
	}
	if c := bench.Classify(err); c != bench.ClassThrottled {
		t.Errorf("classified %s, want throttled", c)
	}
	if n, _ := srv.ColdStarts("sls", "AllTraffic"); n != 0 {
		t.Errorf("%d cold starts with 2 provisioned containers for 2 requests, want 0", n)
	}
	out, err := srv.CloudWatchClient().GetMetricData(ctxT(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(time.Now().Add(-time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			cwStat("max", sagemakertest.NamespaceInvocations, "ServerlessConcurrentExecutionsUtilization", "sls", "Maximum", 60),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := 0.0 // the highest of the minutes' maxima: the run may straddle a minute
	for _, r := range out.MetricDataResults {
		for _, v := range r.Values {
			got = max(got, v)
		}
	}
	if got != 1 {
		t.Errorf("ServerlessConcurrentExecutionsUtilization Maximum %v, want 1 (2 of MaxConcurrency 2)", got)
	}
	if _, err := invoke(ctxT(t), rt, "sls", []byte("x")); err != nil {
		t.Errorf("after the others finished: %v", err)
	}
}

// A serverless endpoint takes at most 4 MB, where a real-time one takes 6.
func TestServerlessRefusesPayloadsOver4MB(t *testing.T) {
	t.Parallel()
	srv := newServer(t, sagemakertest.WithHandler(okHandler), sagemakertest.WithServerlessSetupTime(0))
	createServerless(t, srv, "sls", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(1)})
	rt := srv.RuntimeClient(noRetry)
	if _, err := invoke(ctxT(t), rt, "sls", make([]byte, sagemakertest.MaxServerlessPayloadBytes)); err != nil {
		t.Errorf("4 MB: %v", err)
	}
	_, err := invoke(ctxT(t), rt, "sls", make([]byte, sagemakertest.MaxServerlessPayloadBytes+1))
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("4 MB + 1: %v, want HTTP 413", err)
	}
}

// Compute scales with memory (the documented assumption): 4 GB runs a request in half
// the time of 2 GB, from ml.c5.xlarge's time per vCPU.
func TestServerlessComputeScalesWithMemory(t *testing.T) {
	srv := newServer(t, sagemakertest.WithHandler(okHandler),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 4, DeviceTime: 80 * time.Millisecond}))
	createServerless(t, srv, "a2gb", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(2048), MaxConcurrency: aws.Int32(3)})
	createServerless(t, srv, "b4gb", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(4096), MaxConcurrency: aws.Int32(3)})
	eps := srv.Endpoints()
	if eps[0].DeviceTime != 80*time.Millisecond || eps[1].DeviceTime != 40*time.Millisecond {
		t.Errorf("device times %v and %v, want 80ms at 2 GB and 40ms at 4 GB", eps[0].DeviceTime, eps[1].DeviceTime)
	}
	if eps[0].Workers != 3 {
		t.Errorf("workers %d, want MaxConcurrency 3", eps[0].Workers)
	}
	out, err := srv.SageMakerClient().DescribeEndpoint(ctxT(t), &sagemaker.DescribeEndpointInput{EndpointName: aws.String("b4gb")})
	if err != nil {
		t.Fatal(err)
	}
	if c := out.ProductionVariants[0].CurrentServerlessConfig; c == nil || aws.ToInt32(c.MemorySizeInMB) != 4096 || aws.ToInt32(c.MaxConcurrency) != 3 {
		t.Errorf("CurrentServerlessConfig %+v, want 4096 MB, max concurrency 3", c)
	}
}

func TestServerlessConfigIsValidatedAsAWSDoes(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	if _, err := sm.CreateModel(ctxT(t), &sagemaker.CreateModelInput{
		ModelName: aws.String("m"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage), ModelDataUrl: aws.String("s3://models/m/model.tar.gz")},
	}); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]types.ProductionVariant{
		"memory under 1024": {ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(512), MaxConcurrency: aws.Int32(1)}},
		"memory over 6144":  {ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(8192), MaxConcurrency: aws.Int32(1)}},
		"concurrency 0":     {ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(0)}},
		"concurrency 201":   {ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(201)}},
		"provisioned > max": {ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(1), ProvisionedConcurrency: aws.Int32(2)}},
		"and instances":     {InstanceType: "ml.c5.xlarge", InitialInstanceCount: aws.Int32(1), ServerlessConfig: &types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(1)}},
	} {
		v.VariantName, v.ModelName = aws.String("AllTraffic"), aws.String("m")
		_, err := sm.CreateEndpointConfig(ctxT(t), &sagemaker.CreateEndpointConfigInput{
			EndpointConfigName: aws.String("c"), ProductionVariants: []types.ProductionVariant{v}})
		if errorCode(err) != "ValidationException" {
			t.Errorf("%s: %v, want ValidationException", name, err)
		}
	}
}

// An on-demand container idle longer than WithServerlessIdleTimeout is reclaimed, and the
// next request pays a cold start again; a provisioned one stays warm.
func TestServerlessIdleContainersAreReclaimedButNotProvisionedOnes(t *testing.T) {
	t.Parallel()
	// Any idle time reclaims; cold starts are counted, not timed (no device time).
	srv := newServer(t, sagemakertest.WithHandler(okHandler), sagemakertest.WithServerlessSetupTime(0),
		sagemakertest.WithServerlessIdleTimeout(time.Nanosecond), sagemakertest.WithTimeScale(0))
	createServerless(t, srv, "od", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(2)})
	createServerless(t, srv, "pc", types.ProductionVariantServerlessConfig{MemorySizeInMB: aws.Int32(1024), MaxConcurrency: aws.Int32(2), ProvisionedConcurrency: aws.Int32(1)})
	rt := srv.RuntimeClient(noRetry)
	for range 3 {
		for _, ep := range []string{"od", "pc"} {
			if _, err := invoke(ctxT(t), rt, ep, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, _ := srv.ColdStarts("od", "AllTraffic"); n != 3 {
		t.Errorf("on demand: %d cold starts, want 3 (each request finds its container reclaimed)", n)
	}
	if n, _ := srv.ColdStarts("pc", "AllTraffic"); n != 0 {
		t.Errorf("provisioned: %d cold starts, want 0", n)
	}
}
