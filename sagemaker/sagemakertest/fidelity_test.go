package sagemakertest_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	rttypes "github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Fails on the code before ListEndpointConfigs existed (UnknownOperationException).
func TestListEndpointConfigsFiltersAndPages(t *testing.T) {
	srv := newServer(t)
	ctx := ctxT(t)
	for _, n := range []string{"cfg-a", "cfg-b", "other"} {
		createEndpoint(t, srv, n, "ml.c5.xlarge", 1, true, nil)
	}
	sm := srv.SageMakerClient()
	p := sagemaker.NewListEndpointConfigsPaginator(sm, &sagemaker.ListEndpointConfigsInput{
		NameContains: aws.String("CFG"), SortBy: types.EndpointConfigSortKeyName,
		SortOrder: types.OrderKeyAscending, MaxResults: aws.Int32(1),
	})
	var names []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range out.EndpointConfigs {
			names = append(names, aws.ToString(c.EndpointConfigName))
		}
	}
	if strings.Join(names, ",") != "cfg-a,cfg-b" {
		t.Errorf("paged configs = %v, want cfg-a,cfg-b", names)
	}
	future := time.Now().Add(time.Hour)
	out, err := sm.ListEndpointConfigs(ctx, &sagemaker.ListEndpointConfigsInput{CreationTimeAfter: &future})
	if err != nil || len(out.EndpointConfigs) != 0 {
		t.Errorf("configs created after an hour from now = %+v, %v; want none", out, err)
	}
	out, err = sm.ListEndpointConfigs(ctx, &sagemaker.ListEndpointConfigsInput{CreationTimeBefore: &future})
	if err != nil || len(out.EndpointConfigs) != 3 {
		t.Errorf("configs created before an hour from now = %+v, %v; want 3", out, err)
	}
}

func TestListOperationsRejectBadSortAndPaging(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	_, err := sm.ListEndpoints(ctx, &sagemaker.ListEndpointsInput{SortBy: "Bogus", MaxResults: aws.Int32(101)})
	want := "2 validation errors detected: Value 'Bogus' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status]; " +
		"Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), want) {
		t.Errorf("ListEndpoints bad sort and size: %v\nwant %s", err, want)
	}
	_, err = sm.ListModels(ctx, &sagemaker.ListModelsInput{SortOrder: "Sideways"})
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Value 'Sideways' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [Ascending, Descending]") {
		t.Errorf("ListModels bad order: %v", err)
	}
	_, err = sm.ListCompilationJobs(ctx, &sagemaker.ListCompilationJobsInput{StatusEquals: "DONE"})
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), "at 'statusEquals'") {
		t.Errorf("ListCompilationJobs bad status: %v", err)
	}
}

func TestInstanceTypeAndTargetDeviceComeFromSDKEnums(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	createEndpoint(t, srv, "m", "ml.c5.xlarge", 1, true, nil)
	_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String("c"),
		ProductionVariants: []types.ProductionVariant{{
			VariantName: aws.String("AllTraffic"), ModelName: aws.String("m"),
			InstanceType: "ml.c5.huge", InitialInstanceCount: aws.Int32(1),
		}},
	})
	var all []string
	for _, v := range types.ProductionVariantInstanceType("").Values() {
		all = append(all, string(v))
	}
	want := "1 validation error detected: Value 'ml.c5.huge' at 'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [" + strings.Join(all, ", ") + "]"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("bad instance type: %v", err)
	}
	// Every instance type the SDK knows is accepted.
	for i, it := range types.ProductionVariantInstanceType("").Values() {
		_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
			EndpointConfigName: aws.String("c" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + strings.ReplaceAll(strings.ReplaceAll(string(it), ".", "-"), "ml-", "")),
			ProductionVariants: []types.ProductionVariant{{
				VariantName: aws.String("AllTraffic"), ModelName: aws.String("m"), InstanceType: it, InitialInstanceCount: aws.Int32(1),
			}},
		})
		if err != nil {
			t.Fatalf("instance type %s from the SDK enum rejected: %v", it, err)
		}
	}
}

// TestScalingOutMultipliesCapacity scales an endpoint from 1 to 3 instances
// the way autoscaling does and checks, without timing, that 3 x 4 requests
// are served at once afterwards. Fails on the code before
// UpdateEndpointWeightsAndCapacities existed.
func TestScalingOutMultipliesCapacity(t *testing.T) {
	entered := make(chan struct{}, 64)
	release := make(chan struct{})
	srv := newServer(t, sagemakertest.WithTimeScale(0),
		sagemakertest.WithProfile("ml.m5.large", false, sagemakertest.Profile{Workers: 4, DeviceTime: time.Millisecond}),
		sagemakertest.WithHandler(func(ctx context.Context, _ string, _ []byte, _ string) ([]byte, error) {
			entered <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
			return []byte(`{}`), nil
		}))
	deploy(t, srv, "scale", "ml.m5.large", 1, nil)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	_, err := sm.UpdateEndpointWeightsAndCapacities(ctx, &sagemaker.UpdateEndpointWeightsAndCapacitiesInput{
		EndpointName: aws.String("scale"),
		DesiredWeightsAndCapacities: []types.DesiredWeightAndCapacity{{
			VariantName: aws.String("AllTraffic"), DesiredInstanceCount: aws.Int32(3),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("scale")})
	if err != nil {
		t.Fatal(err)
	}
	if v := d.ProductionVariants[0]; d.EndpointStatus != types.EndpointStatusUpdating ||
		aws.ToInt32(v.CurrentInstanceCount) != 1 || aws.ToInt32(v.DesiredInstanceCount) != 3 {
		t.Errorf("while scaling: status %s, current %d, desired %d; want Updating, 1, 3",
			d.EndpointStatus, aws.ToInt32(v.CurrentInstanceCount), aws.ToInt32(v.DesiredInstanceCount))
	}
	d = waitInService(t, srv, "scale")
	if v := d.ProductionVariants[0]; aws.ToInt32(v.CurrentInstanceCount) != 3 || aws.ToFloat32(v.CurrentWeight) != 1 {
		t.Errorf("after scaling: %+v, want 3 instances of weight 1", v)
	}
	if eps := srv.Endpoints(); eps[0].Workers != 12 {
		t.Errorf("workers after scaling = %d, want 3 x 4", eps[0].Workers)
	}

	rt := srv.RuntimeClient()
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { _, _ = invoke(ctx, rt, "scale", []byte("x")) })
	}
	for i := range 12 {
		select {
		case <-entered:
		case <-ctx.Done():
			t.Fatalf("only %d of 12 requests served at once, want 3 instances x 4 workers", i)
		}
	}
	close(release)
	wg.Wait()

	_, err = sm.UpdateEndpointWeightsAndCapacities(ctx, &sagemaker.UpdateEndpointWeightsAndCapacitiesInput{
		EndpointName:                aws.String("scale"),
		DesiredWeightsAndCapacities: []types.DesiredWeightAndCapacity{{VariantName: aws.String("Nope"), DesiredInstanceCount: aws.Int32(2)}},
	})
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), `The variant(s) "[Nope]" is/are not present`) {
		t.Errorf("unknown variant: %v", err)
	}
}

// TestInvokeHeadersRoundTrip checks TargetVariant, CustomAttributes, Accept
// and InferenceId on a two-variant endpoint.
func TestInvokeHeadersRoundTrip(t *testing.T) {
	seen := make(chan sagemakertest.Invocation, 1)
	srv := newServer(t, sagemakertest.WithTimeScale(0),
		sagemakertest.WithHandler(func(ctx context.Context, _ string, _ []byte, _ string) ([]byte, error) {
			inv, _ := sagemakertest.InvocationFromContext(ctx)
			seen <- inv
			return []byte("a,b"), nil
		}))
	ctx := ctxT(t)
	createEndpoint(t, srv, "one", "ml.c5.xlarge", 1, true, nil)
	sm := srv.SageMakerClient()
	_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String("ab"),
		ProductionVariants: []types.ProductionVariant{
			{VariantName: aws.String("A"), ModelName: aws.String("one"), InstanceType: "ml.c5.xlarge", InitialInstanceCount: aws.Int32(1), InitialVariantWeight: aws.Float32(1)},
			{VariantName: aws.String("B"), ModelName: aws.String("one"), InstanceType: "ml.g4dn.xlarge", InitialInstanceCount: aws.Int32(2), InitialVariantWeight: aws.Float32(0)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String("ab"), EndpointConfigName: aws.String("ab")}); err != nil {
		t.Fatal(err)
	}
	d := waitInService(t, srv, "ab")
	if len(d.ProductionVariants) != 2 || aws.ToInt32(d.ProductionVariants[1].CurrentInstanceCount) != 2 || aws.ToFloat32(d.ProductionVariants[1].CurrentWeight) != 0 {
		t.Errorf("variants = %+v", d.ProductionVariants)
	}
	rt := srv.RuntimeClient()
	out, err := rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String("ab"), Body: []byte("x"), ContentType: aws.String("text/csv"),
		Accept: aws.String("text/csv"), TargetVariant: aws.String("B"),
		CustomAttributes: aws.String("trace=1"), InferenceId: aws.String("req-42"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.InvokedProductionVariant) != "B" || aws.ToString(out.CustomAttributes) != "trace=1" || aws.ToString(out.ContentType) != "text/csv" {
		t.Errorf("output variant %q attributes %q type %q; want B, trace=1, text/csv",
			aws.ToString(out.InvokedProductionVariant), aws.ToString(out.CustomAttributes), aws.ToString(out.ContentType))
	}
	if inv := <-seen; inv.InferenceID != "req-42" || inv.Variant != "B" || inv.Accept != "text/csv" {
		t.Errorf("handler saw %+v", inv)
	}
	// Without a target, weight 0 keeps B out.
	for range 5 {
		out, err := rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String("ab"), Body: []byte("x")})
		if err != nil || aws.ToString(out.InvokedProductionVariant) != "A" {
			t.Fatalf("untargeted invoke: %v, %v; want variant A", out, err)
		}
		<-seen
	}
	_, err = rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String("ab"), Body: []byte("x"), TargetVariant: aws.String("C")})
	var ve *rttypes.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("unknown target variant: %v, want ValidationError", err)
	}
	_, err = rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String("ab"), Body: []byte("x"), TargetModel: aws.String("m.tar.gz")})
	if !errors.As(err, &ve) || !strings.Contains(aws.ToString(ve.Message), "multi-model endpoints (TargetModel) are not emulated") {
		t.Errorf("TargetModel: %v, want a ValidationError saying multi-model endpoints are not emulated", err)
	}
	long := strings.Repeat("i", 65)
	_, err = rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String("ab"), Body: []byte("x"), InferenceId: aws.String(long)})
	want := "1 validation error detected: Value '" + long + "' at 'inferenceId' failed to satisfy constraint: Member must have length less than or equal to 64"
	if !errors.As(err, &ve) || aws.ToString(ve.Message) != want {
		t.Errorf("65-character InferenceId: %v\nwant ValidationError %s", err, want)
	}
}

func TestDefaultHandlerRefusesNonJSONAccept(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "clf", "ml.c5.xlarge", 1, nil)
	_, err := srv.RuntimeClient(noRetry).InvokeEndpoint(ctxT(t), &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String("clf"), Body: sampleJPEG(t), ContentType: aws.String("image/jpeg"), Accept: aws.String("text/csv"),
	})
	var me *rttypes.ModelError
	if !errors.As(err, &me) || aws.ToInt32(me.OriginalStatusCode) != 406 {
		t.Errorf("Accept text/csv: %v, want ModelError with OriginalStatusCode 406", err)
	}
}

// TestREADMEListsEveryOperation keeps the README's list of what is
// emulated true to Operations().
func TestREADMEListsEveryOperation(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "Emulated SageMaker operations (`sagemakertest.Operations()`):")
	if !ok {
		t.Fatal("README has no \"Emulated SageMaker operations\" list")
	}
	section, _, _ = strings.Cut(section, "\n\n")
	for _, op := range sagemakertest.Operations() {
		if !regexp.MustCompile(`\b` + op + `\b`).MatchString(section) {
			t.Errorf("README's list of emulated operations lacks %s", op)
		}
	}
}
