package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/smretry"
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

	c     *Client
	token string // TagCreate of what Deploy created
	mu    sync.Mutex
	live  struct{ endpoint, config, model presence }
}

// presence is what a handle knows about one of its resources on the server.
type presence uint8

const (
	absent     presence = iota // deleted, or never created
	present                    // created (or attached)
	uncertain                  // a create whose outcome is unknown: exists if tagged with the run
	unanswered                 // uncertain, and cut off (cancel, network): it may still land later
)

func (c *Client) newEndpoint(name, config, model string) *Endpoint {
	return &Endpoint{Name: name, ConfigName: config, ModelName: model, c: c}
}

// Attach returns a handle for resources created elsewhere (a previous run, the console),
// so that Delete can remove them. An empty name skips that resource.
func (c *Client) Attach(endpointName, configName, modelName string) *Endpoint {
	e := c.newEndpoint(endpointName, configName, modelName)
	for _, r := range []struct {
		p    *presence
		name string
	}{{&e.live.endpoint, endpointName}, {&e.live.config, configName}, {&e.live.model, modelName}} {
		if r.name != "" {
			*r.p = present
		}
	}
	return e
}

// Invoker returns a RuntimeInvoker for this endpoint.
func (e *Endpoint) Invoker(optFns ...func(*InvokerOptions)) *RuntimeInvoker {
	if e == nil {
		return (*Client)(nil).Invoker("", optFns...) // its Invoke is an error
	}
	return e.c.Invoker(e.Name, optFns...)
}

// Delete deletes the endpoint, its configuration and its model, in that order. It is
// idempotent and safe to call concurrently, twice, or on a partly created endpoint: a
// resource already gone counts as deleted, and one deleted is not asked for again. A
// resource whose create had an unknown outcome is deleted only if it exists and is
// tagged with the client's run. An endpoint still being created cannot be deleted
// yet, so Delete waits for it to settle while ctx allows; throttled and 5xx answers,
// to the deletes and to the describe and ListTags of that ownership check alike, are
// retried with backoff while ctx allows. With Options.WaitDeleted it also waits
// until the endpoint is gone.
//
// A ctx without a deadline gets Options.CleanupTimeout. Give Delete a context that
// outlives the one the work ran under, so that Ctrl-C does
// not also cancel the teardown; see the package documentation. A nil *Endpoint has
// nothing to delete.
func (e *Endpoint) Delete(ctx context.Context) error {
	if e == nil {
		return nil
	}
	if e.c == nil {
		return errors.New("sagemaker: delete: zero Endpoint has no client (use the one Deploy returned)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := e.c.cleanupContext(ctx)
	defer cancel()
	var errs []error
	deletedEndpoint := false
	steps := []struct {
		kind Kind
		name string
		p    *presence
	}{
		{KindEndpoint, e.Name, &e.live.endpoint},
		{KindEndpointConfig, e.ConfigName, &e.live.config},
		{KindModel, e.ModelName, &e.live.model},
	}
	for _, st := range steps {
		if *st.p == absent {
			continue
		}
		if *st.p == uncertain || *st.p == unanswered {
			mine, taken, err := e.c.ownedOrTaken(ctx, st.kind, st.name, e.c.opts.RunID, e.token)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", st.kind, st.name, err))
				continue
			}
			if !mine {
				cutOff := *st.p == unanswered
				*st.p = absent
				if !taken && !cutOff {
					// Only a name nobody holds, after a create that was answered, is
					// proof: a resource of another Deploy under it, or a create cut off
					// on the wire that may land after this look, stays in the journal
					// for Cleanup to judge by its tags.
					e.c.journalDeleted(st.kind, st.name)
				}
				continue
			}
		}
		e.c.logf("sagemaker: deleting %s %s", st.kind, st.name)
		if err := e.c.deleteResource(ctx, st.kind, st.name); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", st.kind, st.name, err))
			continue
		}
		*st.p = absent
		e.c.journalDeleted(st.kind, st.name)
		deletedEndpoint = deletedEndpoint || st.kind == KindEndpoint
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

// deleteResource deletes one model, endpoint configuration or endpoint. Not found
// counts as deleted. Throttling, 5xx answers and lost connections are retried with
// the SDK's backoff until ctx ends, not only for the SDK's few attempts: a cleanup
// deadline of minutes is there to be used.
func (c *Client) deleteResource(ctx context.Context, kind Kind, name string) error {
	if kind == KindEndpoint {
		return c.deleteEndpoint(ctx, name)
	}
	return c.retrying(ctx, Resource{kind, name}.String(), func() error {
		var err error
		switch kind {
		case KindEndpointConfig:
			_, err = c.opts.SageMaker.DeleteEndpointConfig(ctx, &sm.DeleteEndpointConfigInput{EndpointConfigName: aws.String(name)})
		case KindModel:
			_, err = c.opts.SageMaker.DeleteModel(ctx, &sm.DeleteModelInput{ModelName: aws.String(name)})
		default:
			return fmt.Errorf("cannot delete a %s here", kind)
		}
		if isNotFound(err) {
			return nil
		}
		return err
	})
}

// deleteEndpoint deletes an endpoint, waiting while it is in a state that refuses
// deletion (Creating, Updating, ...). Not found counts as deleted.
func (c *Client) deleteEndpoint(ctx context.Context, name string) error {
	for {
		err := c.retrying(ctx, "endpoint "+name, func() error {
			_, err := c.opts.SageMaker.DeleteEndpoint(ctx, &sm.DeleteEndpointInput{EndpointName: aws.String(name)})
			return err
		})
		if err == nil || isNotFound(err) {
			return nil
		}
		if !answered(err) {
			return err
		}
		var out *sm.DescribeEndpointOutput
		derr := c.retrying(ctx, "endpoint "+name, func() error {
			var err error
			out, err = c.opts.SageMaker.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(name)})
			return err
		})
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

// cleanupContext bounds a deletion by Options.CleanupTimeout when ctx has no deadline
// of its own, so that retrying a refused delete ends.
func (c *Client) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.opts.CleanupTimeout)
}

// retrying calls call until it succeeds, fails for a reason retrying cannot fix, or
// ctx ends; between tries it waits the SDK's exponential backoff with jitter, at
// least PollInterval and at most MaxPollInterval.
func (c *Client) retrying(ctx context.Context, what string, call func() error) error {
	logf := func(format string, args ...any) { c.logf("sagemaker: "+format, args...) }
	return smretry.Do(ctx, smretry.Backoff{Min: c.opts.PollInterval, Max: c.opts.MaxPollInterval, Logf: logf}, what, call)
}

// retryable reports whether err is throttling, a 5xx, a timeout or a lost
// connection: what the SDK itself retries.
func retryable(err error) bool { return smretry.Retryable(err) }

func transitional(s types.EndpointStatus) bool {
	switch s {
	case types.EndpointStatusCreating, types.EndpointStatusUpdating, types.EndpointStatusSystemUpdating,
		types.EndpointStatusRollingBack:
		return true
	}
	return false
}
