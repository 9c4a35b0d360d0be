package sagemakertest_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// TestCreateEndpointConfigRejectsCountsBeyondInt32 sends instance counts
// that only a client without the SDK's int32 type can send. Before the
// check, 2**61+1 was stored and killed the server when the endpoint was
// provisioned (makechan: size out of range), and 2**62 wrapped the worker
// count to 0 and hung every invocation.
func TestCreateEndpointConfigRejectsCountsBeyondInt32(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if a := rawCall(t, srv, "CreateModel", rawJSON(`{"ModelName":"m","ExecutionRoleArn":"`+testRole+`","PrimaryContainer":{"Image":"`+testImage+`"}}`)); a.Status != 200 {
		t.Fatalf("CreateModel: %d %v", a.Status, a.Body)
	}
	for _, count := range []string{"2305843009213693953", "4611686018427387904", "2147483648", "-2147483649"} {
		body := `{"EndpointConfigName":"c","ProductionVariants":[{"VariantName":"v","ModelName":"m","InstanceType":"ml.c5.xlarge","InitialInstanceCount":` + count + `}]}`
		a := rawCall(t, srv, "CreateEndpointConfig", rawJSON(body))
		if a.Status != 400 || a.Code != "SerializationException" || !strings.Contains(fmt.Sprint(a.Body["Message"]), "productionVariants.1.member.initialInstanceCount") {
			t.Errorf("InitialInstanceCount %s: %d %v, want 400 SerializationException naming the member", count, a.Status, a.Body)
		}
	}
	a := rawCall(t, srv, "UpdateEndpointWeightsAndCapacities", rawJSON(`{"EndpointName":"e","DesiredWeightsAndCapacities":[{"VariantName":"v","DesiredInstanceCount":4611686018427387904}]}`))
	if a.Status != 400 || a.Code != "SerializationException" {
		t.Errorf("DesiredInstanceCount 2**62: %d %v, want 400 SerializationException", a.Status, a.Body)
	}
	if got := srv.Leftovers(); len(got) != 1 {
		t.Errorf("leftovers %v, want the model only", got)
	}
}

// TestCreateEndpointBeyondInstanceQuotaIsResourceLimitExceeded: a count that
// is a valid Integer but beyond the account's quota is refused when the
// endpoint would run it, as SageMaker refuses it, counting what other
// endpoints run.
func TestCreateEndpointBeyondInstanceQuotaIsResourceLimitExceeded(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	sm := srv.SageMakerClient()
	deploy(t, srv, "first", "ml.c5.xlarge", 60, nil)
	for _, c := range []struct {
		name  string
		count int32
	}{{"max", math.MaxInt32}, {"second", 41}} {
		if _, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{
			EndpointConfigName: aws.String(c.name),
			ProductionVariants: []types.ProductionVariant{{
				VariantName: aws.String("AllTraffic"), ModelName: aws.String("first"),
				InstanceType: types.ProductionVariantInstanceTypeMlC5Xlarge, InitialInstanceCount: aws.Int32(c.count),
			}},
		}); err != nil {
			t.Fatalf("config %s: %v", c.name, err)
		}
		_, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String(c.name), EndpointConfigName: aws.String(c.name)})
		want := fmt.Sprintf("The account-level service limit 'ml.c5.xlarge for endpoint usage' is 100 Instances, with current utilization of 60 Instances and a request delta of %d Instances.", c.count)
		var rle *types.ResourceLimitExceeded
		if !errors.As(err, &rle) || !strings.HasPrefix(rle.ErrorMessage(), want) {
			t.Errorf("CreateEndpoint with %d instances: %v, want ResourceLimitExceeded %q", c.count, err, want)
		}
	}
	_, err := sm.UpdateEndpointWeightsAndCapacities(ctx, &sagemaker.UpdateEndpointWeightsAndCapacitiesInput{
		EndpointName: aws.String("first"),
		DesiredWeightsAndCapacities: []types.DesiredWeightAndCapacity{{
			VariantName: aws.String("AllTraffic"), DesiredInstanceCount: aws.Int32(101),
		}},
	})
	if errorCode(err) != "ResourceLimitExceeded" {
		t.Errorf("scaling to 101 instances: %v, want ResourceLimitExceeded", err)
	}
	if _, err := sm.UpdateEndpointWeightsAndCapacities(ctx, &sagemaker.UpdateEndpointWeightsAndCapacitiesInput{
		EndpointName: aws.String("first"),
		DesiredWeightsAndCapacities: []types.DesiredWeightAndCapacity{{
			VariantName: aws.String("AllTraffic"), DesiredInstanceCount: aws.Int32(100),
		}},
	}); err != nil {
		t.Errorf("scaling the only endpoint to the quota: %v", err)
	}
}
