package sagemakertest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// APIError is an error as the emulator puts it on the wire: an AWS error code,
// a message and an HTTP status. Pass one to [Server.FailNext] to inject it; the
// SDK turns it into its typed error when the code is modelled (for example
// ResourceLimitExceeded becomes *types.ResourceLimitExceeded) and into a
// smithy.GenericAPIError otherwise (ValidationException, ThrottlingException).
type APIError struct {
	Code       string
	Message    string
	StatusCode int
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("sagemakertest: %s (HTTP %d): %s", e.Code, e.StatusCode, e.Message)
}

// ErrThrottling returns the error AWS gives a caller that exceeds its request
// rate, for use with [Server.FailNext].
func ErrThrottling() *APIError {
	return &APIError{"ThrottlingException", "Rate exceeded", http.StatusBadRequest}
}

// ErrResourceLimitExceeded returns SageMaker's quota error.
func ErrResourceLimitExceeded() *APIError {
	return &APIError{"ResourceLimitExceeded", "The account-level service limit has been exceeded.", http.StatusBadRequest}
}

// ErrInternalFailure returns an AWS-side 500.
func ErrInternalFailure() *APIError {
	return &APIError{"InternalFailure", "We encountered an internal error. Please try again.", http.StatusInternalServerError}
}

// ErrServiceUnavailable returns an AWS-side 503.
func ErrServiceUnavailable() *APIError {
	return &APIError{"ServiceUnavailable", "Service is unavailable. Please try again.", http.StatusServiceUnavailable}
}

func validation(format string, args ...any) *APIError {
	return &APIError{"ValidationException", fmt.Sprintf(format, args...), http.StatusBadRequest}
}

func notFound(format string, args ...any) *APIError {
	return &APIError{"ResourceNotFound", fmt.Sprintf(format, args...), http.StatusBadRequest}
}

func inUse(format string, args ...any) *APIError {
	return &APIError{"ResourceInUse", fmt.Sprintf(format, args...), http.StatusBadRequest}
}

// writeJSONError writes e in the AWS JSON 1.1 error shape. The SDK reads the
// code from __type (or X-Amzn-ErrorType) and the message from Message.
func writeJSONError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.StatusCode)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "Message": e.Message})
}
