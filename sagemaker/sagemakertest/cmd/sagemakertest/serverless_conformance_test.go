package main

import (
	"os"
	"path/filepath"
	"testing"
)

// serverlessScript is the conformance script of serverless endpoints: a
// ProductionVariantServerlessConfig through CreateEndpointConfig and
// DescribeEndpointConfig, a constraint SageMaker checks on it, an endpoint
// that serves, and a payload at the 4 MB limit.
var serverlessScript = []step{
	{Service: "s3", Op: "CreateBucket", Params: map[string]any{"Bucket": "models", "CreateBucketConfiguration": map[string]any{"LocationConstraint": "eu-west-1"}}},
	{Service: "s3", Op: "PutObject", Params: map[string]any{"Bucket": "models", "Key": "resnet50/model.tar.gz", "Body": map[string]any{"$file": "model.tar.gz"}}},
	{Service: "sagemaker", Op: "CreateModel", Params: map[string]any{
		"ModelName": "sls", "ExecutionRoleArn": role,
		"PrimaryContainer": map[string]any{"Image": image, "ModelDataUrl": "s3://models/resnet50/model.tar.gz"},
	}},
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "sls", "ProductionVariants": serverlessVariant(2048, 2, 0)},
		Want: map[string]any{"EndpointConfigArn": arnPrefix + "endpoint-config/sls"}},
	{Service: "sagemaker", Op: "DescribeEndpointConfig", Params: map[string]any{"EndpointConfigName": "sls"},
		Want: map[string]any{"ProductionVariants#": 1, "ProductionVariants.0.ServerlessConfig.MemorySizeInMB": 2048,
			"ProductionVariants.0.ServerlessConfig.MaxConcurrency": 2}},
	// The ranges of ProductionVariantServerlessConfig are checked by boto3 and the CLI
	// before they send (sagemakertest's own test checks the emulator's answer); a
	// provisioned concurrency over the maximum is for SageMaker to refuse.
	{Service: "sagemaker", Op: "CreateEndpointConfig", Params: map[string]any{"EndpointConfigName": "bad", "ProductionVariants": serverlessVariant(2048, 2, 3)},
		NewMember: "ProvisionedConcurrency", Err: &wantErr{"ValidationException", "~must not be greater than MaxConcurrency", 400}},
	{Service: "sagemaker", Op: "CreateEndpoint", Params: map[string]any{"EndpointName": "sls", "EndpointConfigName": "sls"},
		Want: map[string]any{"EndpointArn": arnPrefix + "endpoint/sls"}},
	{Service: "sagemaker", Op: "wait:endpoint_in_service", Params: map[string]any{"EndpointName": "sls"}},
	{Service: "sagemaker", Op: "DescribeEndpoint", Params: map[string]any{"EndpointName": "sls"}, Want: map[string]any{
		"EndpointStatus": "InService", "ProductionVariants.0.CurrentServerlessConfig.MemorySizeInMB": 2048,
		"ProductionVariants.0.CurrentServerlessConfig.MaxConcurrency": 2}},
	{Service: "runtime", Op: "InvokeEndpoint", Params: map[string]any{
		"EndpointName": "sls", "ContentType": "image/jpeg", "Accept": "application/json", "Body": map[string]any{"$file": "sample.jpg"},
	}, Want: map[string]any{"ContentType": "application/json", "InvokedProductionVariant": "AllTraffic"}},
	// Serverless endpoints take 4 MB: a body of exactly 4 MB reaches the model (which
	// cannot decode it). One byte more is HTTP 413, which each client names its own way
	// (aws-sdk-go-v2 UnknownError, botocore "413"): sagemakertest's own test checks it.
	{Service: "runtime", Op: "InvokeEndpoint", Params: map[string]any{
		"EndpointName": "sls", "ContentType": "image/jpeg", "Body": map[string]any{"$file": "4mb.bin"},
	}, Err: &wantErr{"ModelError", "~Received client error (400) from primary with message \"sagemakertest: decoding image", 424}},
	{Service: "sagemaker", Op: "DeleteEndpoint", Params: map[string]any{"EndpointName": "sls"}},
	{Service: "sagemaker", Op: "wait:endpoint_deleted", Params: map[string]any{"EndpointName": "sls"}},
	{Service: "sagemaker", Op: "DeleteEndpointConfig", Params: map[string]any{"EndpointConfigName": "sls"}},
	{Service: "sagemaker", Op: "DeleteModel", Params: map[string]any{"ModelName": "sls"}},
	{Service: "s3", Op: "DeleteObject", Params: map[string]any{"Bucket": "models", "Key": "resnet50/model.tar.gz"}},
}

func serverlessVariant(memory, maxConcurrency, provisioned int) []any {
	cfg := map[string]any{"MemorySizeInMB": memory, "MaxConcurrency": maxConcurrency}
	if provisioned > 0 {
		cfg["ProvisionedConcurrency"] = provisioned
	}
	return []any{map[string]any{"VariantName": "AllTraffic", "ModelName": "sls", "ServerlessConfig": cfg}}
}

// TestServerlessConformance runs serverlessScript with aws-sdk-go-v2, boto3 and the AWS
// CLI, each against its own sagemakertest process, and checks that they agree.
func TestServerlessConformance(t *testing.T) {
	files := testFiles(t)
	if err := os.WriteFile(filepath.Join(files, "4mb.bin"), make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	checkAgreement(t, serverlessScript, runClients(t, serverlessScript, files))
}
