package sagemaker

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"

	"github.com/sagebench/sagebench/payload"
)

// RuntimeInvoker sends payloads to an endpoint with InvokeEndpoint. It satisfies
// bench.Invoker (without this package importing bench) and is safe for concurrent use.
//
// Its errors classify in bench.Classify by their shape: SDK errors carry ErrorCode
// (ThrottlingException is throttled, ModelError is model_error, ValidationException is
// client_error, ...) and HTTPStatusCode; context errors are timeout or canceled; a failed
// response check is model_error.
type RuntimeInvoker struct {
	api      RuntimeAPI
	endpoint string
	opts     InvokerOptions
}

// InvokerOptions configure a RuntimeInvoker (see Client.Invoker). The zero value sends
// no Accept, TargetVariant or CustomAttributes and checks no response.
type InvokerOptions struct {
	// Accept is the Accept header: the response type asked of the model.
	Accept string
	// TargetVariant sends every request to this production variant.
	TargetVariant string
	// CustomAttributes is the X-Amzn-SageMaker-Custom-Attributes header, passed
	// through to the model.
	CustomAttributes string
	// ResponseCheck, if set, validates every response body (e.g. that it parses as the
	// expected JSON); its error fails the request as a model error (a *CheckError).
	ResponseCheck func(body []byte, contentType string) error
}

// Invoker returns a RuntimeInvoker for the named endpoint, using the client's runtime
// client (no SDK retries unless Options.RuntimeMaxAttempts says otherwise). optFns set
// its InvokerOptions.
func (c *Client) Invoker(endpointName string, optFns ...func(*InvokerOptions)) *RuntimeInvoker {
	r := &RuntimeInvoker{endpoint: endpointName}
	if c != nil {
		r.api = c.opts.Runtime // nil in a Client NewClient did not make: Invoke says so
	}
	for _, fn := range optFns {
		fn(&r.opts)
	}
	return r
}

// Endpoint is the name of the endpoint the invoker sends to.
func (r *RuntimeInvoker) Endpoint() string { return r.endpoint }

// Invoke sends p.Body with p.ContentType and reads the whole response.
func (r *RuntimeInvoker) Invoke(ctx context.Context, p payload.Payload) error {
	if r == nil || r.api == nil {
		return errors.New("sagemaker: invoke: the RuntimeInvoker was not made by Client.Invoker or Endpoint.Invoker of a Client from NewClient")
	}
	in := sagemakerruntime.InvokeEndpointInput{
		EndpointName:     &r.endpoint,
		Body:             p.Body,
		Accept:           nonEmpty(r.opts.Accept),
		TargetVariant:    nonEmpty(r.opts.TargetVariant),
		CustomAttributes: nonEmpty(r.opts.CustomAttributes),
	}
	if p.ContentType != "" {
		in.ContentType = &p.ContentType
	}
	out, err := r.api.InvokeEndpoint(ctx, &in)
	if err != nil {
		return r.wrap(err)
	}
	if r.opts.ResponseCheck != nil {
		if err := r.opts.ResponseCheck(out.Body, aws.ToString(out.ContentType)); err != nil {
			return &CheckError{Endpoint: r.endpoint, Err: err}
		}
	}
	return nil
}

func (r *RuntimeInvoker) wrap(err error) error {
	e := &InvokeError{Endpoint: r.endpoint, Err: err}
	var me *types.ModelError
	if errors.As(err, &me) {
		e.ModelStatus = int(aws.ToInt32(me.OriginalStatusCode))
		e.ModelMessage = aws.ToString(me.OriginalMessage)
	}
	return e
}

// InvokeError is the error of a failed InvokeEndpoint. It unwraps to the SDK's error, so
// errors.As finds the API error and bench.Classify its ErrorCode and HTTPStatusCode.
type InvokeError struct {
	Endpoint string
	// ModelStatus and ModelMessage are what the model container answered, for a
	// ModelError (the runtime itself then answers 424).
	ModelStatus  int
	ModelMessage string
	Err          error
}

// Error names the endpoint and, for a ModelError, the status the model returned.
func (e *InvokeError) Error() string {
	if e.ModelStatus != 0 {
		return fmt.Sprintf("sagemaker: invoke %s: model returned status %d: %s", e.Endpoint, e.ModelStatus, clip(e.ModelMessage, 200))
	}
	return fmt.Sprintf("sagemaker: invoke %s: %v", e.Endpoint, e.Err)
}

// Unwrap returns the SDK's error.
func (e *InvokeError) Unwrap() error { return e.Err }

// CheckError is a response that InvokerOptions.ResponseCheck refused.
type CheckError struct {
	Endpoint string
	Err      error
}

// Error names the endpoint and the check's complaint.
func (e *CheckError) Error() string {
	return fmt.Sprintf("sagemaker: invoke %s: response check: %v", e.Endpoint, e.Err)
}

// Unwrap returns the check's error.
func (e *CheckError) Unwrap() error { return e.Err }

// ErrorClass is bench's class for a wrong answer: the model's fault.
func (e *CheckError) ErrorClass() string { return "model_error" }

// nonEmpty is s as an optional SDK field: nil when empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
