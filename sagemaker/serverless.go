package sagemaker

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/sagebench/sagebench/invalid"
)

// ServerlessSpec makes an endpoint serverless (ProductionVariantServerlessConfig): no
// instances, but containers of MemorySizeInMB started on demand, at most MaxConcurrency
// invocations in flight (AWS throttles the rest), and ProvisionedConcurrency containers,
// if any, kept warm and billed by the hour. See "Deploy models with Amazon SageMaker
// Serverless Inference", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html.
type ServerlessSpec struct {
	MemorySizeInMB         int // 1024, 2048, 3072, 4096, 5120 or 6144
	MaxConcurrency         int // 1 to 200
	ProvisionedConcurrency int // 0 (none) or 1 to MaxConcurrency
}

// ServerlessMemorySizesMB are the memory sizes a serverless endpoint may have, in MB
// (the same list as cost.ServerlessMemorySizesMB).
var ServerlessMemorySizesMB = []int{1024, 2048, 3072, 4096, 5120, 6144}

// MaxServerlessPayloadBytes is the largest request a serverless endpoint accepts (4 MB;
// real-time endpoints take payload.MaxBytes, 6 MB).
const MaxServerlessPayloadBytes = 4 << 20

// Validate checks s against SageMaker's rules for a ProductionVariantServerlessConfig. Its
// error is an *invalid.Error listing every problem, each with the ServerlessSpec field at
// fault (MemorySizeInMB, MaxConcurrency, ProvisionedConcurrency).
func (s ServerlessSpec) Validate() error {
	e := &invalid.Error{Subject: "SageMaker serverless spec"}
	if !slices.Contains(ServerlessMemorySizesMB, s.MemorySizeInMB) {
		e.Add("MemorySizeInMB", "serverless memory size %d MB is not one of %v", s.MemorySizeInMB, ServerlessMemorySizesMB)
	}
	if s.MaxConcurrency < 1 || s.MaxConcurrency > 200 {
		e.Add("MaxConcurrency", "serverless max concurrency %d is not in 1..200", s.MaxConcurrency)
	}
	if s.ProvisionedConcurrency < 0 || s.ProvisionedConcurrency > s.MaxConcurrency {
		e.Add("ProvisionedConcurrency", "serverless provisioned concurrency %d is not in 0..max concurrency %d", s.ProvisionedConcurrency, s.MaxConcurrency)
	}
	return e.Err()
}

// variant is the endpoint configuration's one production variant for e serving model.
func (e EndpointSpec) variant(model string) types.ProductionVariant {
	v := types.ProductionVariant{VariantName: aws.String(VariantName), ModelName: aws.String(model)}
	if s := e.Serverless; s != nil {
		v.ServerlessConfig = &types.ProductionVariantServerlessConfig{
			MemorySizeInMB: aws.Int32(int32(s.MemorySizeInMB)), MaxConcurrency: aws.Int32(int32(s.MaxConcurrency)),
		}
		if s.ProvisionedConcurrency > 0 {
			v.ServerlessConfig.ProvisionedConcurrency = aws.Int32(int32(s.ProvisionedConcurrency))
		}
		return v
	}
	v.InstanceType = types.ProductionVariantInstanceType(e.InstanceType)
	v.InitialInstanceCount = aws.Int32(int32(e.InstanceCount)) // Validate bounds it
	v.InitialVariantWeight = aws.Float32(1)
	return v
}
