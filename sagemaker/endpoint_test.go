package sagemaker

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
)

// busyAPI is a SageMaker whose endpoint refuses deletion while Creating, as the real
// service does, for a given number of DescribeEndpoint calls.
type busyAPI struct {
	API
	mu            sync.Mutex
	creatingLeft  int // DescribeEndpoint answers Creating this many more times
	deleteCalls   int
	endpointGone  bool
	configDeleted bool
	modelDeleted  bool
}

func (b *busyAPI) DeleteEndpoint(context.Context, *sm.DeleteEndpointInput, ...func(*sm.Options)) (*sm.DeleteEndpointOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deleteCalls++
	if b.creatingLeft > 0 {
		return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: `Cannot delete endpoint "x" while it is in Creating status.`}
	}
	b.endpointGone = true
	return &sm.DeleteEndpointOutput{}, nil
}

func (b *busyAPI) DescribeEndpoint(context.Context, *sm.DescribeEndpointInput, ...func(*sm.Options)) (*sm.DescribeEndpointOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.creatingLeft > 0 {
		b.creatingLeft--
		return &sm.DescribeEndpointOutput{EndpointStatus: types.EndpointStatusCreating}, nil
	}
	return &sm.DescribeEndpointOutput{EndpointStatus: types.EndpointStatusInService}, nil
}

func (b *busyAPI) DeleteEndpointConfig(context.Context, *sm.DeleteEndpointConfigInput, ...func(*sm.Options)) (*sm.DeleteEndpointConfigOutput, error) {
	b.configDeleted = true
	return &sm.DeleteEndpointConfigOutput{}, nil
}

func (b *busyAPI) DeleteModel(context.Context, *sm.DeleteModelInput, ...func(*sm.Options)) (*sm.DeleteModelOutput, error) {
	b.modelDeleted = true
	return &sm.DeleteModelOutput{}, nil
}

func TestDeleteWaitsForCreatingEndpointToSettle(t *testing.T) {
	t.Parallel()
	api := &busyAPI{creatingLeft: 2}
	c := NewClient(aws.Config{Region: "eu-west-1"}, func(o *Options) { o.SageMaker = api; o.PollInterval = time.Millisecond })
	if err := c.Attach("ep", "ep", "m").Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !api.endpointGone || !api.configDeleted || !api.modelDeleted || api.deleteCalls != 3 {
		t.Fatalf("gone %v config %v model %v after %d DeleteEndpoint calls; want all deleted after 3",
			api.endpointGone, api.configDeleted, api.modelDeleted, api.deleteCalls)
	}
}

func TestDeleteGivesUpAtDeadlineAndSaysHowToFinish(t *testing.T) {
	t.Parallel()
	api := &busyAPI{creatingLeft: 1 << 30}
	c := NewClient(aws.Config{Region: "eu-west-1"}, func(o *Options) { o.SageMaker = api; o.PollInterval = time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := c.Attach("ep-1", "ep-1", "m-1").Delete(ctx)
	if err == nil || !strings.Contains(err.Error(), "aws sagemaker delete-endpoint --endpoint-name ep-1") {
		t.Fatalf("err = %v; want the command that finishes the job", err)
	}
	if !api.configDeleted || !api.modelDeleted {
		t.Error("config and model should be deleted even when the endpoint cannot be yet")
	}
}

func TestIsNotFound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "ValidationException", Message: `Could not find endpoint "arn:aws:sagemaker:eu-west-1:1:endpoint/x".`}, true},
		{&smithy.GenericAPIError{Code: "ValidationException", Message: `Could not find model "arn:..."`}, true},
		{&types.ResourceNotFound{Message: aws.String("gone")}, true},
		{&smithy.GenericAPIError{Code: "ValidationException", Message: "Cannot delete endpoint in Creating status"}, false},
		{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, false},
		{context.Canceled, false},
	}
	for _, tc := range cases {
		if got := isNotFound(tc.err); got != tc.want {
			t.Errorf("isNotFound(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
