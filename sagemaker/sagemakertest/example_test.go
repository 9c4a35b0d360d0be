package sagemakertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Deploy a model on the emulator with the plain SDK, invoke it, tear it down
// and check that nothing is left.
func Example() {
	srv := sagemakertest.NewServer(sagemakertest.WithTimeScale(0.01))
	defer srv.Close()
	ctx := context.Background()
	cfg := srv.Config()
	sm := sagemaker.NewFromConfig(cfg)
	rt := sagemakerruntime.NewFromConfig(cfg)

	// Model data must exist in S3, or the endpoint fails as on AWS.
	if err := srv.PutObject("my-bucket", "resnet50/model.tar.gz", []byte("weights")); err != nil {
		log.Fatal(err)
	}
	_, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{
		ModelName:        aws.String("resnet50"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/SageMakerRole"),
		PrimaryContainer: &types.ContainerDefinition{
			Image:        aws.String("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"),
			ModelDataUrl: aws.String("s3://my-bucket/resnet50/model.tar.gz"),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
		EndpointConfigName: aws.String("resnet50"),
		ProductionVariants: []types.ProductionVariant{{
			VariantName: aws.String("AllTraffic"), ModelName: aws.String("resnet50"),
			InstanceType: types.ProductionVariantInstanceTypeMlC5Xlarge, InitialInstanceCount: aws.Int32(1),
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{
		EndpointName: aws.String("resnet50"), EndpointConfigName: aws.String("resnet50"),
	}); err != nil {
		log.Fatal(err)
	}
	w := sagemaker.NewEndpointInServiceWaiter(sm, func(o *sagemaker.EndpointInServiceWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
	})
	if err := w.Wait(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String("resnet50")}, time.Minute); err != nil {
		log.Fatal(err)
	}

	jpeg, err := os.ReadFile("testdata/sample-224.jpg")
	if err != nil {
		log.Fatal(err)
	}
	out, err := rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String("resnet50"), ContentType: aws.String("image/jpeg"), Body: jpeg,
	})
	if err != nil {
		log.Fatal(err)
	}
	var answer struct {
		Predictions []sagemakertest.Prediction `json:"predictions"`
		Emulated    bool                       `json:"emulated"`
	}
	if err := json.Unmarshal(out.Body, &answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println("classes:", len(answer.Predictions), "emulated:", answer.Emulated)

	_, _ = sm.DeleteEndpoint(ctx, &sagemaker.DeleteEndpointInput{EndpointName: aws.String("resnet50")})
	_, _ = sm.DeleteEndpointConfig(ctx, &sagemaker.DeleteEndpointConfigInput{EndpointConfigName: aws.String("resnet50")})
	_, _ = sm.DeleteModel(ctx, &sagemaker.DeleteModelInput{ModelName: aws.String("resnet50")})
	fmt.Println("leftovers:", srv.Leftovers())
	fmt.Println("invocations:", srv.Calls("InvokeEndpoint"))
	// Output:
	// classes: 5 emulated: true
	// leftovers: []
	// invocations: 1
}

// Profiles lists the calibrated device profiles.
func ExampleProfiles() {
	for _, p := range sagemakertest.Profiles() {
		fmt.Printf("%-15s compiled=%-5v workers=%d device=%-9v %6.1f TPS\n",
			p.InstanceType, p.Compiled, p.Workers, p.DeviceTime, p.Throughput())
	}
	// Output:
	// ml.c5.xlarge    compiled=false workers=4 device=678ms        5.9 TPS
	// ml.c5.xlarge    compiled=true  workers=4 device=310ms       12.9 TPS
	// ml.g4dn.xlarge  compiled=false workers=4 device=53.5ms      74.8 TPS
	// ml.g4dn.xlarge  compiled=true  workers=4 device=28.5ms     140.4 TPS
	// ml.inf1.xlarge  compiled=false workers=4 device=678ms        5.9 TPS
	// ml.inf1.xlarge  compiled=true  workers=4 device=13.15ms    304.2 TPS
}

// FailNext injects AWS errors; the SDK sees its own typed errors.
func ExampleServer_FailNext() {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	srv.FailNext("CreateEndpoint", 1, sagemakertest.ErrResourceLimitExceeded())
	sm := srv.SageMakerClient()
	_, err := sm.CreateEndpoint(context.Background(), &sagemaker.CreateEndpointInput{
		EndpointName: aws.String("e"), EndpointConfigName: aws.String("c"),
	})
	var rle *types.ResourceLimitExceeded
	fmt.Println(errors.As(err, &rle))
	// Output: true
}

// Listen serves the emulator on an address of your choice, as the
// sagemakertest command does for other processes.
func ExampleListen() {
	srv, err := sagemakertest.Listen("127.0.0.1:0", sagemakertest.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	out, err := srv.SageMakerClient().ListEndpointConfigs(context.Background(), &sagemaker.ListEndpointConfigsInput{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.Region(), len(out.EndpointConfigs), srv.Calls("ListEndpointConfigs"))
	// Output: us-east-1 0 1
}
