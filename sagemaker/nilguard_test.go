package sagemaker_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/sagemaker"
)

// Nil and zero inputs to the cleanup entry points are errors, never panics.
func TestCleanupAndDeleteRefuseNilAndZeroInputs(t *testing.T) {
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
