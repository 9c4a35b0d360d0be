package httpinvoker

import (
	"errors"
	"fmt"
	"net/http"
)

// maxErrorBody is how much of a failed response's body a StatusError keeps: enough for a
// model server's error message, not so much that a run with many errors hoards memory.
const maxErrorBody = 512

// classModelError is bench.ClassModelError, spelled out because httpinvoker does not import
// bench (see DESIGN.md); the tests check that the two agree.
const classModelError = "model_error"

// StatusError is the error of a request that got a response whose status is not 2xx.
// bench classifies it by HTTPStatusCode: 429 and 503 as throttled, other 4xx as client
// errors, other 5xx as server errors.
type StatusError struct {
	Method     string // "POST" for an inference, "GET" for a readiness poll
	URL        string
	StatusCode int    // the HTTP status code
	Body       string // the start of the response body, at most 512 bytes
}

// HTTPStatusCode returns the response's status code.
func (e *StatusError) HTTPStatusCode() int { return e.StatusCode }

// Error says which request got which status, with the start of the body.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("httpinvoker: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// CheckError is the error of a request whose response the WithCheck function rejected.
type CheckError struct {
	URL        string
	StatusCode int   // the status of the response the check rejected
	Err        error // what the check returned
}

// Error says which response the check rejected and why.
func (e *CheckError) Error() string {
	return fmt.Sprintf("httpinvoker: POST %s: %d response rejected by check: %v", e.URL, e.StatusCode, e.Err)
}

// Unwrap returns the check's error.
func (e *CheckError) Unwrap() error { return e.Err }

// ErrorClass tells bench how to count the failure: as the check's own error says if it has an
// ErrorClass method, else as a model error, since the server answered but with a wrong result.
func (e *CheckError) ErrorClass() string {
	var explicit interface{ ErrorClass() string }
	if errors.As(e.Err, &explicit) {
		if c := explicit.ErrorClass(); c != "" {
			return c
		}
	}
	return classModelError
}
