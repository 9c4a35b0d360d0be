package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/internal/smretry"
)

// DeployStep names a stage of Deploy, as reported by DeployError.
type DeployStep string

// The steps of Deploy, in order.
const (
	StepValidate             DeployStep = "validate"
	StepCreateModel          DeployStep = "create model"
	StepCreateEndpointConfig DeployStep = "create endpoint config"
	StepCreateEndpoint       DeployStep = "create endpoint"
	StepWait                 DeployStep = "wait for InService"
)

// DeployError is the error of a failed or cancelled Deploy: the step that failed, the
// resource it was working on and why. By the time it is returned, Deploy has deleted what
// it created; Cleanup says if that failed too, and then which resources may remain, and
// Endpoint is a handle whose Delete finishes the job.
type DeployError struct {
	Step     DeployStep
	Resource string
	// FailureReason is DescribeEndpoint's reason when the endpoint reached Failed.
	FailureReason string
	Err           error
	Cleanup       error
	// Endpoint is set when Cleanup is: call its Delete (again, later, on a fresh
	// context) to delete what remains. The journal, if any, also still lists it.
	Endpoint *Endpoint
}

// Error says which step failed on which resource, why, and what cleanup could not delete.
func (e *DeployError) Error() string {
	var b strings.Builder
	cause := "<nil>"
	if e.Err != nil {
		cause = strings.TrimPrefix(e.Err.Error(), "sagemaker: ")
	}
	fmt.Fprintf(&b, "sagemaker: deploy: %s %s: %s", e.Step, e.Resource, cause)
	if e.Cleanup != nil {
		fmt.Fprintf(&b, "; cleanup failed, resources may remain: %s", strings.TrimPrefix(e.Cleanup.Error(), "sagemaker: "))
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.Canceled) tells a cancelled deploy.
func (e *DeployError) Unwrap() error { return e.Err }

// ErrEndpointFailed is wrapped by the DeployError of an endpoint that reached Failed.
var ErrEndpointFailed = errors.New("endpoint status Failed")

// Deploy creates the model, the endpoint configuration (one variant, AllTraffic) and the
// endpoint, and waits until the endpoint is InService, at most Options.MaxWait.
//
// When the account's endpoint quota refuses CreateEndpoint and e.WaitForSlot is set,
// Deploy keeps the model and configuration and asks again each time WaitForSlot returns
// nil: a wait for a slot does not recreate them.
//
// Both specs are validated before any API call. If any step fails, or ctx is cancelled,
// Deploy deletes whatever it created (on a fresh context bounded by
// Options.CleanupTimeout, since ctx may be the thing that was cancelled) and returns a
// *DeployError naming the step and the cause.
//
// Every create is journaled first (Options.Journal) and tagged with the run (TagRun). A
// create that failed may still have happened: its answer may have been lost and the
// SDK's retry told "already exists", or it was cut off by a timeout. So a failed create
// means "may exist": its resource is described, and if it exists with this Deploy's tags
// Deploy carries on with it; if the Deploy fails later, it is deleted with the rest. A
// name taken by someone else's resource is left alone.
func (c *Client) Deploy(ctx context.Context, m ModelSpec, e EndpointSpec) (*Endpoint, error) {
	if err := m.Validate(); err != nil {
		return nil, &DeployError{Step: StepValidate, Resource: m.Name, Err: err}
	}
	if err := e.Validate(); err != nil {
		return nil, &DeployError{Step: StepValidate, Resource: e.Name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, &DeployError{Step: StepValidate, Resource: e.Name, Err: err}
	}
	if err := c.built(); err != nil {
		return nil, &DeployError{Step: StepValidate, Resource: e.Name, Err: err}
	}
	ep := c.newEndpoint(e.Name, e.Name, m.Name)
	ep.InstanceType, ep.InstanceCount = e.InstanceType, e.InstanceCount
	ep.token = newToken()
	fail := func(step DeployStep, resource string, err error) (*Endpoint, error) {
		de := &DeployError{Step: step, Resource: resource, Err: err}
		var fe *failedEndpointError
		if errors.As(err, &fe) {
			de.FailureReason = fe.reason
		}
		c.logf("sagemaker: deploy %s failed at %s: deleting what was created", e.Name, step)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.CleanupTimeout)
		defer cancel()
		if de.Cleanup = ep.Delete(cctx); de.Cleanup != nil {
			de.Endpoint = ep
		}
		return nil, de
	}

	c.logf("sagemaker: creating model %s", m.Name)
	if err := c.journalCreating(KindModel, m.Name); err != nil {
		return fail(StepCreateModel, m.Name, err)
	}
	ep.live.model = present
	_, err := c.opts.SageMaker.CreateModel(ctx, &sm.CreateModelInput{
		ModelName:        aws.String(m.Name),
		ExecutionRoleArn: aws.String(m.RoleARN),
		PrimaryContainer: &types.ContainerDefinition{
			Image:        aws.String(m.Image),
			ModelDataUrl: aws.String(m.ModelDataURL),
			Environment:  m.Env,
		},
		Tags: c.tags(ep.token),
	})
	if err != nil {
		ep.live.model = maybe(err)
		if _, ok := c.adopt(ctx, KindModel, m.Name, ep.token, err); !ok {
			return fail(StepCreateModel, m.Name, err)
		}
		ep.live.model = present
	}

	c.logf("sagemaker: creating endpoint config %s (%d x %s)", e.Name, e.InstanceCount, e.InstanceType)
	if err := c.journalCreating(KindEndpointConfig, e.Name); err != nil {
		return fail(StepCreateEndpointConfig, e.Name, err)
	}
	ep.live.config = present
	_, err = c.opts.SageMaker.CreateEndpointConfig(ctx, &sm.CreateEndpointConfigInput{
		EndpointConfigName: aws.String(e.Name),
		ProductionVariants: []types.ProductionVariant{e.variant(m.Name)}, // serverless.go
		Tags:               c.tags(ep.token),
	})
	if err != nil {
		ep.live.config = maybe(err)
		if _, ok := c.adopt(ctx, KindEndpointConfig, e.Name, ep.token, err); !ok {
			return fail(StepCreateEndpointConfig, e.Name, err)
		}
		ep.live.config = present
	}

	c.logf("sagemaker: creating endpoint %s", e.Name)
	if err := c.journalCreating(KindEndpoint, e.Name); err != nil {
		return fail(StepCreateEndpoint, e.Name, err)
	}
	for refusals := 1; ; refusals++ {
		ep.live.endpoint = present
		out, err := c.opts.SageMaker.CreateEndpoint(ctx, &sm.CreateEndpointInput{
			EndpointName:       aws.String(e.Name),
			EndpointConfigName: aws.String(e.Name),
			Tags:               c.tags(ep.token),
		})
		if err == nil {
			ep.ARN = aws.ToString(out.EndpointArn)
			break
		}
		ep.live.endpoint = maybe(err)
		arn, ok := c.adopt(ctx, KindEndpoint, e.Name, ep.token, err)
		if ok {
			ep.live.endpoint, ep.ARN = present, arn
			break
		}
		if e.WaitForSlot == nil || smretry.Code(err) != "ResourceLimitExceeded" {
			return fail(StepCreateEndpoint, e.Name, err)
		}
		// Refused by the quota, and not created (adopt found none of ours): keep the
		// model and configuration, wait, and ask again.
		c.logf("sagemaker: the endpoint quota refused %s: waiting for a slot", e.Name)
		if werr := e.WaitForSlot(ctx, refusals, err); werr != nil {
			return fail(StepCreateEndpoint, e.Name, werr)
		}
	}

	c.logf("sagemaker: waiting for endpoint %s to be InService (at most %s)", e.Name, c.opts.MaxWait)
	if err := c.waitInService(ctx, e.Name); err != nil {
		return fail(StepWait, e.Name, err)
	}
	c.logf("sagemaker: endpoint %s is InService", e.Name)
	return ep, nil
}

// adopt reports whether a create that returned err created the resource anyway: its
// answer was lost and the SDK's retry was told "already exists", or it timed out after
// the service acted. The resource then exists and carries this Deploy's token, and
// Deploy carries on with it. A cancelled ctx adopts nothing: Deploy is to stop.
func (c *Client) adopt(ctx context.Context, kind Kind, name, token string, err error) (arn string, ok bool) {
	if ctx.Err() != nil {
		return "", false
	}
	mine, oerr := c.owned(ctx, kind, name, c.opts.RunID, token)
	if oerr != nil || !mine {
		return "", false
	}
	c.logf("sagemaker: %s %s exists although its create failed (%v): carrying on with it", kind, name, err)
	if arn, derr := c.describeARN(ctx, kind, name); derr == nil {
		return arn, true
	}
	return "", true
}

// failedEndpointError carries DescribeEndpoint's FailureReason.
type failedEndpointError struct {
	name, reason string
}

func (e *failedEndpointError) Error() string {
	return fmt.Sprintf("endpoint %s is Failed: %s", e.name, orDefault(e.reason, "no reason given"))
}

func (e *failedEndpointError) Unwrap() error { return ErrEndpointFailed }

// waitInService runs the SDK's EndpointInService waiter, keeping the last status it saw
// so that a failure can say why.
func (c *Client) waitInService(ctx context.Context, name string) error {
	var last *sm.DescribeEndpointOutput
	var lastErr error // DescribeEndpoint's own error, clearer than the waiter's summary
	w := sm.NewEndpointInServiceWaiter(c.opts.SageMaker, func(o *sm.EndpointInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = c.opts.PollInterval, c.opts.MaxPollInterval
		modeled := o.Retryable
		o.Retryable = func(ctx context.Context, in *sm.DescribeEndpointInput, out *sm.DescribeEndpointOutput, err error) (bool, error) {
			if out != nil {
				last = out
			}
			lastErr = err
			return modeled(ctx, in, out, err)
		}
	})
	_, err := w.WaitForOutput(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(name)}, c.opts.MaxWait)
	switch {
	case err == nil:
		return nil
	case last != nil && last.EndpointStatus == types.EndpointStatusFailed:
		return &failedEndpointError{name: name, reason: aws.ToString(last.FailureReason)}
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "exceeded max wait time"):
		status := "unknown"
		if last != nil {
			status = string(last.EndpointStatus)
		}
		return fmt.Errorf("endpoint %s not InService after %s (last status %s)", name, c.opts.MaxWait, status)
	case lastErr != nil:
		return fmt.Errorf("describe endpoint %s: %w", name, lastErr)
	}
	return err
}

// maybe is the presence of a resource whose create returned err: uncertain, and
// unanswered when the call was cut off, so that not finding it at once proves nothing.
func maybe(err error) presence {
	if answered(err) {
		return uncertain
	}
	return unanswered
}

// answered reports whether err is the service's answer, as opposed to a cut-off call
// (cancellation, network). An answer to a create does not prove that the create did not
// happen: it may be the answer to the SDK's retry of a call whose own answer was lost.
func answered(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae)
}

// isNotFound reports whether err says the resource does not exist. SageMaker answers a
// missing endpoint, configuration or model with ValidationException "Could not find ...".
func isNotFound(err error) bool { return smretry.NotFound(err) }

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
