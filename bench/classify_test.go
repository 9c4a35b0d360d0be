package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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
		want string
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
	} {
		assert.Equal(t, tc.want, Classify(tc.err), "%v", tc.err)
	}
}
