package sagemaker

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// Deployed is what DescribeDeployed reads of an endpoint that exists already.
type Deployed struct {
	Name, ConfigName string
	Status           string // InService, Updating, ...
	InstanceType     string
	InstanceCount    int
}

// DescribeDeployed reads an endpoint created elsewhere (the console, another tool) with
// DescribeEndpoint and DescribeEndpointConfig: its status and what it runs on, the
// instance type of its variants and their instance count (each variant's current count
// when DescribeEndpoint reports one, else its configuration's initial count). It
// changes nothing. An endpoint whose variants run on different instance types, or on
// serverless capacity, is an error: it has no one instance-hour price.
func (c *Client) DescribeDeployed(ctx context.Context, name string) (Deployed, error) {
	d := Deployed{Name: name}
	if err := c.built(); err != nil {
		return d, err
	}
	ep, err := c.opts.SageMaker.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(name)})
	if err != nil {
		return d, fmt.Errorf("sagemaker: describe endpoint %s: %w", name, err)
	}
	d.ConfigName, d.Status = aws.ToString(ep.EndpointConfigName), string(ep.EndpointStatus)
	current := map[string]int{} // variant -> current instance count
	for _, v := range ep.ProductionVariants {
		if v.CurrentInstanceCount != nil {
			current[aws.ToString(v.VariantName)] = int(*v.CurrentInstanceCount)
		}
	}
	cfg, err := c.opts.SageMaker.DescribeEndpointConfig(ctx, &sm.DescribeEndpointConfigInput{EndpointConfigName: aws.String(d.ConfigName)})
	if err != nil {
		return d, fmt.Errorf("sagemaker: describe endpoint config %s of endpoint %s: %w", d.ConfigName, name, err)
	}
	for _, v := range cfg.ProductionVariants {
		if v.ServerlessConfig != nil || v.InstanceType == "" {
			return d, fmt.Errorf("sagemaker: endpoint %s: variant %s is serverless: it has no instance type to price", name, aws.ToString(v.VariantName))
		}
		if d.InstanceType != "" && d.InstanceType != string(v.InstanceType) {
			return d, fmt.Errorf("sagemaker: endpoint %s runs on %s and %s: it has no one instance type to price", name, d.InstanceType, v.InstanceType)
		}
		d.InstanceType = string(v.InstanceType)
		n, ok := current[aws.ToString(v.VariantName)]
		if !ok {
			n = int(aws.ToInt32(v.InitialInstanceCount))
		}
		d.InstanceCount += n
	}
	if d.InstanceType == "" {
		return d, fmt.Errorf("sagemaker: endpoint %s: its configuration %s has no production variant", name, d.ConfigName)
	}
	return d, nil
}

// InService reports whether the endpoint serves requests.
func (d Deployed) InService() bool { return d.Status == string(types.EndpointStatusInService) }
