package cwmetrics_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Reading an endpoint's CloudWatch metrics after a run, here against the emulator, which
// publishes them at once (NoWait); on AWS, Fetch waits for them to be complete.
func ExampleFetch() {
	srv := sagemakertest.NewServer(sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) { return []byte(`{}`), nil }))
	defer srv.Close()
	ctx := context.Background()
	sm := srv.SageMakerClient()
	_ = srv.PutObject("models", "m.tar.gz", []byte("archive"))
	_, _ = sm.CreateModel(ctx, &sagemaker.CreateModelInput{ModelName: aws.String("ep"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/SageMakerRole"),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3"),
			ModelDataUrl: aws.String("s3://models/m.tar.gz")}})
	_, _ = sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{EndpointConfigName: aws.String("ep"),
		ProductionVariants: []types.ProductionVariant{{VariantName: aws.String("AllTraffic"), ModelName: aws.String("ep"),
			InstanceType: types.ProductionVariantInstanceTypeMlG4dnXlarge, InitialInstanceCount: aws.Int32(1)}}})
	_, _ = sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String("ep"), EndpointConfigName: aws.String("ep")})
	if err := sagemaker.NewEndpointInServiceWaiter(sm).Wait(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("ep")}, time.Minute,
		func(o *sagemaker.EndpointInServiceWaiterOptions) { o.MinDelay = 10 * time.Millisecond }); err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	rt := srv.RuntimeClient()
	for range 20 {
		if _, err := rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String("ep"), Body: []byte("x")}); err != nil {
			log.Fatal(err)
		}
	}
	m, err := cwmetrics.Fetch(ctx, srv.CloudWatchClient(), "ep", "AllTraffic", start, time.Now(),
		func(o *cwmetrics.Options) { o.NoWait = true })
	if err != nil {
		log.Fatal(cwmetrics.Reason(err))
	}
	fmt.Println("invocations:", m.Invocations, "errors:", m.Errors4XX+m.Errors5XX)
	fmt.Println("model latency samples:", m.ModelLatency.Count, "p50 >= 53.5ms device time less 2ms:", m.ModelLatency.P50 >= 51500*time.Microsecond)
	_, gpu := m.Utilization[cwmetrics.GPU]
	fmt.Println("GPU utilization published:", gpu)

	chk := cwmetrics.CrossCheck(cwmetrics.ClientFigures{Requests: 20}, m, cwmetrics.Tolerance{})
	fmt.Println(chk.Warnings)
	// Output:
	// invocations: 20 errors: 0
	// model latency samples: 20 p50 >= 53.5ms device time less 2ms: true
	// GPU utilization published: true
	// [no latency to compare: the endpoint published no ModelLatency in the window or the client measured none]
}
