package sagemakertest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestEndpointLifecycleWithSDKWaiters(t *testing.T) {
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	createEndpoint(t, srv, "ep1", "ml.c5.xlarge", 2, true, nil)

	d, err := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ep1")})
	if err != nil {
		t.Fatal(err)
	}
	if d.EndpointStatus != types.EndpointStatusCreating {
		t.Errorf("status right after CreateEndpoint = %s, want Creating", d.EndpointStatus)
	}
	out := waitInService(t, srv, "ep1")
	if got := aws.ToString(out.EndpointArn); got != "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/ep1" {
		t.Errorf("EndpointArn = %s", got)
	}
	if len(out.ProductionVariants) != 1 || aws.ToInt32(out.ProductionVariants[0].CurrentInstanceCount) != 2 {
		t.Errorf("ProductionVariants = %+v, want one with 2 instances", out.ProductionVariants)
	}
	if out.CreationTime == nil || time.Since(*out.CreationTime) > time.Minute {
		t.Errorf("CreationTime = %v, want about now", out.CreationTime)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].Workers != 8 || eps[0].Compiled {
		t.Errorf("Endpoints() = %+v, want one uncompiled with 2x4 workers", eps)
	}

	if _, err := sm.DeleteEndpoint(ctx, &sagemaker.DeleteEndpointInput{EndpointName: aws.String("ep1")}); err != nil {
		t.Fatal(err)
	}
	w := sagemaker.NewEndpointDeletedWaiter(sm, func(o *sagemaker.EndpointDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ep1")}, 30*time.Second); err != nil {
		t.Fatalf("EndpointDeleted waiter: %v", err)
	}
	if _, err := sm.DeleteEndpointConfig(ctx, &sagemaker.DeleteEndpointConfigInput{EndpointConfigName: aws.String("ep1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.DeleteModel(ctx, &sagemaker.DeleteModelInput{ModelName: aws.String("ep1")}); err != nil {
		t.Fatal(err)
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Errorf("Leftovers() = %v, want none", left)
	}
}

func TestEndpointFailsWhenModelDataMissing(t *testing.T) {
	srv := newServer(t)
	createEndpoint(t, srv, "nodata", "ml.c5.xlarge", 1, false, nil)
	w := sagemaker.NewEndpointInServiceWaiter(srv.SageMakerClient(), func(o *sagemaker.EndpointInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	err := w.Wait(ctxT(t), &sagemaker.DescribeEndpointInput{EndpointName: aws.String("nodata")}, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Failure") {
		t.Fatalf("waiter error = %v, want transition to Failure", err)
	}
	d, err := srv.SageMakerClient().DescribeEndpoint(ctxT(t), &sagemaker.DescribeEndpointInput{EndpointName: aws.String("nodata")})
	if err != nil {
		t.Fatal(err)
	}
	if d.EndpointStatus != types.EndpointStatusFailed || !strings.Contains(aws.ToString(d.FailureReason), "s3://models/nodata/model.tar.gz") {
		t.Errorf("status %s reason %q, want Failed naming the missing URL", d.EndpointStatus, aws.ToString(d.FailureReason))
	}
}

func TestFailEndpointInjectsFailure(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.FailEndpoint("doomed", "CapacityError: Unable to provision requested ML compute capacity.")
	createEndpoint(t, srv, "doomed", "ml.g4dn.xlarge", 1, true, nil)
	// Injected after creation, while Creating.
	createEndpoint(t, srv, "late", "ml.g4dn.xlarge", 1, true, nil)
	srv.FailEndpoint("late", "late failure")
	for name, reason := range map[string]string{"doomed": "CapacityError", "late": "late failure"} {
		waitStatus(t, srv, name, "Failed")
		eps := srv.Endpoints()
		found := false
		for _, ep := range eps {
			if ep.Name == name {
				found = true
				if !strings.Contains(ep.FailureReason, reason) {
					t.Errorf("%s FailureReason = %q, want %q", name, ep.FailureReason, reason)
				}
			}
		}
		if !found {
			t.Errorf("%s missing from Endpoints()", name)
		}
	}
}

// waitStatus polls DescribeEndpoint through the SDK until the status is want.
func waitStatus(t *testing.T, srv *sagemakertest.Server, name, want string) {
	t.Helper()
	ctx := ctxT(t)
	for ctx.Err() == nil {
		d, err := srv.SageMakerClient().DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if string(d.EndpointStatus) == want {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling, as a client would
	}
	t.Fatalf("%s never reached %s", name, want)
}

func TestUpdateEndpointSwitchesConfig(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	deploy(t, srv, "upd", "ml.c5.xlarge", 1, nil)
	if _, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String("upd-v2"),
		ProductionVariants: []types.ProductionVariant{{
			VariantName: aws.String("AllTraffic"), ModelName: aws.String("upd"),
			InstanceType: types.ProductionVariantInstanceTypeMlG4dnXlarge, InitialInstanceCount: aws.Int32(1),
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.UpdateEndpoint(ctx, &sagemaker.UpdateEndpointInput{EndpointName: aws.String("upd"), EndpointConfigName: aws.String("upd-v2")}); err != nil {
		t.Fatal(err)
	}
	d, _ := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("upd")})
	if d.EndpointStatus != types.EndpointStatusUpdating {
		t.Errorf("status after UpdateEndpoint = %s, want Updating", d.EndpointStatus)
	}
	_, err := sm.UpdateEndpoint(ctx, &sagemaker.UpdateEndpointInput{EndpointName: aws.String("upd"), EndpointConfigName: aws.String("upd-v2")})
	if errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), "in-progress") {
		t.Errorf("second update while Updating: %v, want ValidationException in-progress", err)
	}
	out := waitInService(t, srv, "upd")
	if aws.ToString(out.EndpointConfigName) != "upd-v2" {
		t.Errorf("EndpointConfigName = %s, want upd-v2", aws.ToString(out.EndpointConfigName))
	}
	if eps := srv.Endpoints(); eps[0].InstanceType != "ml.g4dn.xlarge" {
		t.Errorf("serving instance type = %s, want ml.g4dn.xlarge", eps[0].InstanceType)
	}
}

func TestValidationAndNotFoundErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	deploy(t, srv, "dup", "ml.c5.xlarge", 1, nil)

	cases := []struct {
		name     string
		call     func() error
		code     string
		contains string
	}{
		{"bad endpoint name", func() error {
			_, err := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("bad_name")})
			return err
		}, "ValidationException", "regular expression pattern"},
		{"name too long", func() error {
			_, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String(strings.Repeat("a", 64)), EndpointConfigName: aws.String("dup")})
			return err
		}, "ValidationException", "length less than or equal to 63"},
		{"missing endpoint", func() error {
			_, err := sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("nope")})
			return err
		}, "ValidationException", `Could not find endpoint "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/nope"`},
		{"missing model", func() error {
			_, err := sm.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String("nope")})
			return err
		}, "ValidationException", "Could not find model"},
		{"missing config", func() error {
			_, err := sm.DeleteEndpointConfig(ctx, &sagemaker.DeleteEndpointConfigInput{EndpointConfigName: aws.String("nope")})
			return err
		}, "ValidationException", "Could not find endpoint configuration"},
		{"duplicate endpoint", func() error {
			_, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String("dup"), EndpointConfigName: aws.String("dup")})
			return err
		}, "ValidationException", "Cannot create already existing endpoint"},
		{"duplicate model", func() error {
			_, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{ModelName: aws.String("dup"), ExecutionRoleArn: aws.String(testRole),
				PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)}})
			return err
		}, "ValidationException", "Cannot create already existing model"},
		{"config for missing model", func() error {
			_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{EndpointConfigName: aws.String("c2"),
				ProductionVariants: []types.ProductionVariant{{VariantName: aws.String("v"), ModelName: aws.String("ghost"),
					InstanceType: types.ProductionVariantInstanceTypeMlC5Xlarge, InitialInstanceCount: aws.Int32(1)}}})
			return err
		}, "ValidationException", "Could not find model"},
		{"unknown instance type", func() error {
			_, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{EndpointConfigName: aws.String("c3"),
				ProductionVariants: []types.ProductionVariant{{VariantName: aws.String("v"), ModelName: aws.String("dup"),
					InstanceType: "ml.c9.huge", InitialInstanceCount: aws.Int32(1)}}})
			return err
		}, "ValidationException", "ml.c9.huge"},
		{"bad role", func() error {
			_, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{ModelName: aws.String("m2"), ExecutionRoleArn: aws.String("role"),
				PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)}})
			return err
		}, "ValidationException", "executionRoleArn"},
	}
	for _, c := range cases {
		err := c.call()
		if errorCode(err) != c.code || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: got %v, want %s containing %q", c.name, err, c.code, c.contains)
		}
	}
}

func TestFailNextReturnsTypedErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient(func(o *sagemaker.Options) { o.RetryMaxAttempts = 1 })
	srv.FailNext("CreateEndpoint", 1, sagemakertest.ErrResourceLimitExceeded())
	srv.FailNext("DescribeEndpoint", 2, sagemakertest.ErrThrottling())
	srv.FailNext("ListEndpoints", 1, errors.New("boom"))

	_, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String("x"), EndpointConfigName: aws.String("y")})
	var rle *types.ResourceLimitExceeded
	if !errors.As(err, &rle) {
		t.Errorf("CreateEndpoint error = %v, want *types.ResourceLimitExceeded", err)
	}
	for range 2 {
		_, err = sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("x")})
		if errorCode(err) != "ThrottlingException" {
			t.Errorf("DescribeEndpoint error = %v, want ThrottlingException", err)
		}
	}
	_, err = sm.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("x")})
	if errorCode(err) != "ValidationException" {
		t.Errorf("third DescribeEndpoint = %v, want the real ValidationException after the injected two", err)
	}
	_, err = sm.ListEndpoints(ctx, &sagemaker.ListEndpointsInput{})
	if errorCode(err) != "InternalFailure" || !strings.Contains(err.Error(), "boom") {
		t.Errorf("ListEndpoints error = %v, want InternalFailure boom", err)
	}
	if got := srv.Calls("DescribeEndpoint"); got != 3 {
		t.Errorf("Calls(DescribeEndpoint) = %d, want 3", got)
	}
	if got := srv.Calls("CreateModel"); got != 0 {
		t.Errorf("Calls(CreateModel) = %d, want 0", got)
	}
}

func TestDefaultRetryerRidesOverInjectedThrottling(t *testing.T) {
	srv := newServer(t)
	srv.FailNext("ListEndpoints", 2, sagemakertest.ErrThrottling())
	sm := srv.SageMakerClient(func(o *sagemaker.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(retry.NewStandard(), 5*time.Millisecond)
	})
	if _, err := sm.ListEndpoints(ctxT(t), &sagemaker.ListEndpointsInput{}); err != nil {
		t.Fatalf("ListEndpoints with 2 injected throttles and 3 attempts: %v", err)
	}
	if got := srv.Calls("ListEndpoints"); got != 3 {
		t.Errorf("Calls(ListEndpoints) = %d, want 3 (two throttled, one retried)", got)
	}
}

func TestMaxEndpointsIsResourceLimitExceeded(t *testing.T) {
	t.Parallel()
	srv := newServer(t, sagemakertest.WithMaxEndpoints(1))
	deploy(t, srv, "one", "ml.c5.xlarge", 1, nil)
	_, err := srv.SageMakerClient().CreateEndpoint(ctxT(t), &sagemaker.CreateEndpointInput{EndpointName: aws.String("two"), EndpointConfigName: aws.String("one")})
	var rle *types.ResourceLimitExceeded
	if !errors.As(err, &rle) || !strings.Contains(aws.ToString(rle.Message), "number of endpoints") {
		t.Errorf("second endpoint: %v, want ResourceLimitExceeded", err)
	}
}

func TestListEndpointsFiltersSortsAndPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	for _, n := range []string{"a-1", "a-2", "b-1"} {
		deploy(t, srv, n, "ml.c5.xlarge", 1, nil)
	}
	sm := srv.SageMakerClient()
	p := sagemaker.NewListEndpointsPaginator(sm, &sagemaker.ListEndpointsInput{
		NameContains: aws.String("a-"), SortBy: types.EndpointSortKeyName, SortOrder: types.OrderKeyAscending, MaxResults: aws.Int32(1),
	})
	var names []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Endpoints {
			names = append(names, aws.ToString(e.EndpointName))
		}
	}
	if strings.Join(names, ",") != "a-1,a-2" || pages != 2 {
		t.Errorf("paged names = %v in %d pages, want a-1,a-2 in 2", names, pages)
	}
	out, err := sm.ListEndpoints(ctx, &sagemaker.ListEndpointsInput{StatusEquals: types.EndpointStatusFailed})
	if err != nil || len(out.Endpoints) != 0 {
		t.Errorf("Failed endpoints = %v, %v; want none", out, err)
	}
}

func TestModelsAndConfigsDescribe(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	createEndpoint(t, srv, "m", "ml.inf1.xlarge", 3, true, map[string]string{"K": "V"})
	dm, err := sm.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String("m")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(dm.PrimaryContainer.ModelDataUrl) != "s3://models/m/model.tar.gz" || dm.PrimaryContainer.Environment["K"] != "V" {
		t.Errorf("DescribeModel = %+v", dm.PrimaryContainer)
	}
	dc, err := sm.DescribeEndpointConfig(ctx, &sagemaker.DescribeEndpointConfigInput{EndpointConfigName: aws.String("m")})
	if err != nil {
		t.Fatal(err)
	}
	v := dc.ProductionVariants[0]
	if v.InstanceType != types.ProductionVariantInstanceTypeMlInf1Xlarge || aws.ToInt32(v.InitialInstanceCount) != 3 {
		t.Errorf("variant = %+v", v)
	}
	lm, err := sm.ListModels(ctx, &sagemaker.ListModelsInput{})
	if err != nil || len(lm.Models) != 1 {
		t.Errorf("ListModels = %+v, %v", lm, err)
	}
	if got := srv.Models(); len(got) != 1 || got[0] != "m" {
		t.Errorf("Models() = %v", got)
	}
	if got := srv.EndpointConfigs(); len(got) != 1 || got[0] != "m" {
		t.Errorf("EndpointConfigs() = %v", got)
	}
}

func TestWithRegionSetsConfigAndARNs(t *testing.T) {
	t.Parallel()
	srv := newServer(t, sagemakertest.WithRegion("us-east-1"))
	if srv.Region() != "us-east-1" || srv.Config().Region != "us-east-1" {
		t.Fatalf("Region() = %s, Config().Region = %s", srv.Region(), srv.Config().Region)
	}
	out, err := srv.SageMakerClient().CreateModel(ctxT(t), &sagemaker.CreateModelInput{
		ModelName: aws.String("M1"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// SageMaker lower-cases names in ARNs.
	if got := aws.ToString(out.ModelArn); got != "arn:aws:sagemaker:us-east-1:123456789012:model/m1" {
		t.Errorf("ModelArn = %s", got)
	}
}

func TestListenReportsBadAddressAndServesOnChosenOne(t *testing.T) {
	t.Parallel()
	if _, err := sagemakertest.Listen("256.1.1.1:0"); err == nil || !strings.Contains(err.Error(), `cannot listen on "256.1.1.1:0"`) {
		t.Errorf("Listen on a bad address: %v", err)
	}
	srv, err := sagemakertest.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL for an unspecified host = %s, want http://127.0.0.1:<port>", srv.URL)
	}
	if _, err := srv.SageMakerClient().ListModels(ctxT(t), &sagemaker.ListModelsInput{}); err != nil {
		t.Errorf("ListModels through %s: %v", srv.URL, err)
	}
}
