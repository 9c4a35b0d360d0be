package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// Endpoint is a deployed endpoint with its configuration and model: a handle for
// something that costs money by the hour until Delete.
type Endpoint struct {
	Name          string // endpoint name, as given to InvokeEndpoint
	ConfigName    string
	ModelName     string
	ARN           string
	InstanceType  string
	InstanceCount int

	c    *Client
	mu   sync.Mutex
	live struct{ endpoint, config, model bool } // may exist on the server
}

func (c *Client) newEndpoint(name, config, model string) *Endpoint {
	return &Endpoint{Name: name, ConfigName: config, ModelName: model, c: c}
}

// Attach returns a handle for resources created elsewhere (a previous run, the console),
// so that Delete can remove them. An empty name skips that resource.
func (c *Client) Attach(endpointName, configName, modelName string) *Endpoint {
	e := c.newEndpoint(endpointName, configName, modelName)
	e.live.endpoint, e.live.config, e.live.model = endpointName != "", configName != "", modelName != ""
	return e
}

// Invoker returns a RuntimeInvoker for this endpoint.
func (e *Endpoint) Invoker(opts ...InvokerOption) *RuntimeInvoker {
	return e.c.Invoker(e.Name, opts...)
}

// Delete deletes the endpoint, its configuration and its model, in that order. It is
// idempotent and safe to call concurrently, twice, or on a partly created endpoint: a
// resource already gone counts as deleted, and one deleted is not asked for again. An
// endpoint still being created cannot be deleted yet, so Delete waits for it to settle
// while ctx allows. With Options.WaitDeleted it also waits until the endpoint is gone.
//
// Give Delete a context that outlives the one the work ran under, so that Ctrl-C does
// not also cancel the teardown; see the package documentation. A nil *Endpoint (what a
// failed Deploy returns) has nothing to delete.
func (e *Endpoint) Delete(ctx context.Context) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	deletedEndpoint := false
	if e.live.endpoint {
		e.c.logf("sagemaker: deleting endpoint %s", e.Name)
		if err := e.c.deleteEndpoint(ctx, e.Name); err != nil {
			errs = append(errs, fmt.Errorf("endpoint %s: %w", e.Name, err))
		} else {
			e.live.endpoint, deletedEndpoint = false, true
		}
	}
	if e.live.config {
		e.c.logf("sagemaker: deleting endpoint config %s", e.ConfigName)
		_, err := e.c.opts.SageMaker.DeleteEndpointConfig(ctx, &sm.DeleteEndpointConfigInput{EndpointConfigName: aws.String(e.ConfigName)})
		if err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("endpoint config %s: %w", e.ConfigName, err))
		} else {
			e.live.config = false
		}
	}
	if e.live.model {
		e.c.logf("sagemaker: deleting model %s", e.ModelName)
		_, err := e.c.opts.SageMaker.DeleteModel(ctx, &sm.DeleteModelInput{ModelName: aws.String(e.ModelName)})
		if err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("model %s: %w", e.ModelName, err))
		} else {
			e.live.model = false
		}
	}
	if deletedEndpoint && e.c.opts.WaitDeleted {
		w := sm.NewEndpointDeletedWaiter(e.c.opts.SageMaker, func(o *sm.EndpointDeletedWaiterOptions) {
			o.MinDelay, o.MaxDelay = e.c.opts.PollInterval, e.c.opts.MaxPollInterval
		})
		if err := w.Wait(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(e.Name)}, e.c.opts.MaxWait); err != nil {
			errs = append(errs, fmt.Errorf("endpoint %s: waiting until deleted: %w", e.Name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("sagemaker: delete %s: %w", e.Name, errors.Join(errs...))
	}
	return nil
}

// deleteEndpoint deletes an endpoint, waiting while it is in a state that refuses
// deletion (Creating, Updating, ...). Not found counts as deleted.
func (c *Client) deleteEndpoint(ctx context.Context, name string) error {
	for {
		_, err := c.opts.SageMaker.DeleteEndpoint(ctx, &sm.DeleteEndpointInput{EndpointName: aws.String(name)})
		if err == nil || isNotFound(err) {
			return nil
		}
		if !answered(err) {
			return err
		}
		out, derr := c.opts.SageMaker.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(name)})
		switch {
		case derr != nil && isNotFound(derr):
			return nil
		case derr != nil:
			return err
		case out.EndpointStatus == types.EndpointStatusDeleting:
			return nil
		case !transitional(out.EndpointStatus):
			return err // refused for another reason; waiting will not help
		}
		c.logf("sagemaker: endpoint %s is %s; waiting to delete it", name, out.EndpointStatus)
		if werr := sleepCtx(ctx, c.opts.PollInterval); werr != nil {
			return fmt.Errorf("still %s when the deadline came (delete it later with: aws sagemaker delete-endpoint --endpoint-name %s): %w", out.EndpointStatus, name, err)
		}
	}
}

func transitional(s types.EndpointStatus) bool {
	switch s {
	case types.EndpointStatusCreating, types.EndpointStatusUpdating, types.EndpointStatusSystemUpdating,
		types.EndpointStatusRollingBack:
		return true
	}
	return false
}
