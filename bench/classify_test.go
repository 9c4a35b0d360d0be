package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sagebench/sagebench/payload"
)

type codedErr struct {
	code   string
	status int
}

func (e codedErr) Error() string       { return e.code }
func (e codedErr) ErrorCode() string   { return e.code }
func (e codedErr) HTTPStatusCode() int { return e.status }

type statusErr int

func (e statusErr) Error() string       { return fmt.Sprintf("status %d", int(e)) }
func (e statusErr) HTTPStatusCode() int { return int(e) }

type netTimeout struct{}

func (netTimeout) Error() string { return "i/o timeout" }
func (netTimeout) Timeout() bool { return true }

type classed string

func (c classed) Error() string      { return "custom" }
func (c classed) ErrorClass() string { return string(c) }

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want ErrorClass
	}{
		{nil, ""},
		{context.DeadlineExceeded, ClassTimeout},
		{fmt.Errorf("post: %w", context.Canceled), ClassCanceled},
		{codedErr{"ThrottlingException", 400}, ClassThrottled},
		{codedErr{"ModelError", 424}, ClassModelError},
		{codedErr{"ValidationException", 400}, ClassClientError},
		{codedErr{"InternalFailure", 500}, ClassServerError},
		{codedErr{"SomethingNew", 503}, ClassThrottled},
		{fmt.Errorf("wrapped: %w", statusErr(429)), ClassThrottled},
		{statusErr(404), ClassClientError},
		{statusErr(502), ClassServerError},
		{netTimeout{}, ClassTimeout},
		{classed("my_class"), "my_class"},
		{errors.New("connection refused"), ClassOther},
		// Back pressure from the model server (TorchServe/MMS queue full) or an endpoint not
		// ready yet: the endpoint asks the client to slow down. Model errors otherwise.
		{modelError(429), ClassThrottled},
		{fmt.Errorf("invoke: %w", modelError(503)), ClassThrottled},
		{modelError(500), ClassModelError},
		{modelError(0), ClassModelError},
		{errors.Join(errors.New("x"), &shapedModelError{status: 503}), ClassThrottled},
		{codedErr{"ModelNotReadyException", 400}, ClassThrottled},
	} {
		assert.Equal(t, tc.want, Classify(tc.err), "%v", tc.err)
	}
}

// sdkModelError has the shape of sagemakerruntime's types.ModelError: an ErrorCode method
// and the model's status as a pointer field.
type sdkModelError struct {
	OriginalStatusCode *int32
	OriginalMessage    *string
}

func (e *sdkModelError) Error() string     { return "ModelError: " + *e.OriginalMessage }
func (e *sdkModelError) ErrorCode() string { return "ModelError" }

func modelError(status int32) error {
	msg := "queue full"
	e := &sdkModelError{OriginalMessage: &msg}
	if status != 0 {
		e.OriginalStatusCode = &status
	}
	return e
}

// shapedModelError says its status with a method instead.
type shapedModelError struct{ status int }

func (e *shapedModelError) Error() string           { return "model error" }
func (e *shapedModelError) ErrorCode() string       { return "ModelError" }
func (e *shapedModelError) OriginalStatusCode() int { return e.status }

func TestRunKeepsTheOriginalSampleOfThrottledModelErrors(t *testing.T) {
	inv := InvokerFunc(func(context.Context, payload.Payload) error { return modelError(503) })
	res, err := Run(context.Background(), inv, Config{Requests: 5, Payloads: onePayload})
	if err != nil {
		t.Fatal(err)
	}
	assert.Equal(t, map[ErrorClass]int64{ClassThrottled: 5}, res.ErrorsByClass)
	assert.Equal(t, "ModelError: queue full", res.ErrorSamples[ClassThrottled], "the sample is the error as it came")
}
