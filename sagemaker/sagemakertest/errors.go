package sagemakertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
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

// namePattern is the pattern AWS documents for model, endpoint configuration,
// endpoint and compilation job names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`)

const namePatternText = `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`

// checkName validates a resource name the way the SageMaker front end does,
// with its "1 validation error detected" wording.
func checkName(field, v string) *APIError {
	if v == "" {
		return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if len(v) > 63 {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 63", v, field)
	}
	if !namePattern.MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, namePatternText)
	}
	return nil
}

var (
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	s3URIPattern   = regexp.MustCompile(`^(https|s3)://([^/]+)/?(.*)$`)
)

func checkRole(field, v string) *APIError {
	if v == "" {
		return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if !roleARNPattern.MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, roleARNPattern)
	}
	return nil
}

func checkS3URI(field, v string, required bool) *APIError {
	if v == "" {
		if required {
			return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
		}
		return nil
	}
	if !s3URIPattern.MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, field, s3URIPattern)
	}
	return nil
}
