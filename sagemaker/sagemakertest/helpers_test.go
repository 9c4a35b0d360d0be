package sagemakertest_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const (
	testRole  = "arn:aws:iam::123456789012:role/SageMakerRole"
	testImage = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"
)

func sampleJPEG(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/sample-224.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newServer(t testing.TB, opts ...sagemakertest.Option) *sagemakertest.Server {
	t.Helper()
	srv := sagemakertest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// createEndpoint creates model, config and endpoint called name (model data
// at s3://models/<name>/model.tar.gz, seeded unless seed is false) and
// returns without waiting.
func createEndpoint(t testing.TB, srv *sagemakertest.Server, name, instanceType string, count int32, seed bool, env map[string]string) {
	t.Helper()
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	url := "s3://models/" + name + "/model.tar.gz"
	if seed {
		if err := srv.PutObject("models", name+"/model.tar.gz", []byte("archive of "+name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{
		ModelName:        aws.String(name),
		ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage), ModelDataUrl: aws.String(url), Environment: env},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String(name),
		ProductionVariants: []types.ProductionVariant{{
			VariantName: aws.String("AllTraffic"), ModelName: aws.String(name),
			InstanceType: types.ProductionVariantInstanceType(instanceType), InitialInstanceCount: aws.Int32(count),
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{
		EndpointName: aws.String(name), EndpointConfigName: aws.String(name),
	}); err != nil {
		t.Fatal(err)
	}
}

// deploy creates an endpoint and waits with the SDK's waiter until InService.
func deploy(t testing.TB, srv *sagemakertest.Server, name, instanceType string, count int32, env map[string]string) {
	t.Helper()
	createEndpoint(t, srv, name, instanceType, count, true, env)
	waitInService(t, srv, name)
}

func waitInService(t testing.TB, srv *sagemakertest.Server, name string) *sagemaker.DescribeEndpointOutput {
	t.Helper()
	w := sagemaker.NewEndpointInServiceWaiter(srv.SageMakerClient(), func(o *sagemaker.EndpointInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	out, err := w.WaitForOutput(ctxT(t), &sagemaker.DescribeEndpointInput{EndpointName: aws.String(name)}, 30*time.Second)
	if err != nil {
		t.Fatalf("waiting for %s InService: %v", name, err)
	}
	return out
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
