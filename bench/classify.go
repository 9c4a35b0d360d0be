package bench

import (
	"context"
	"errors"
	"strings"
)

// Error classes, as they appear in Result.ErrorsByClass and in reports.
const (
	ClassTimeout     = "timeout"      // the request or its context deadline expired
	ClassThrottled   = "throttled"    // the service refused for rate (HTTP 429/503, ThrottlingException)
	ClassModelError  = "model_error"  // the model container returned an error (SageMaker ModelError)
	ClassClientError = "client_error" // the request was refused as invalid (other HTTP 4xx)
	ClassServerError = "server_error" // the service failed (other HTTP 5xx)
	ClassCanceled    = "canceled"     // the run was canceled while the request was in flight
	ClassOther       = "other"        // anything else, e.g. a connection refused
)

// Classify maps an invoker error to one of the Class constants. It never imports a
// transport: it looks at the error's shape, in this order:
//
//   - an ErrorClass() string method (an invoker's explicit choice);
//   - context.DeadlineExceeded (timeout) and context.Canceled (canceled);
//   - an ErrorCode() string method, as AWS SDK API errors have (ThrottlingException,
//     ModelError, ValidationException, ...);
//   - an HTTPStatusCode() int method, as AWS SDK and HTTP invoker errors have;
//   - a Timeout() bool method returning true, as net.Error has.
//
// A nil error has class "".
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var explicit interface{ ErrorClass() string }
	if errors.As(err, &explicit) {
		if c := explicit.ErrorClass(); c != "" {
			return c
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		if c := classifyCode(coded.ErrorCode()); c != "" {
			return c
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		if c := ClassifyStatus(status.HTTPStatusCode()); c != "" {
			return c
		}
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return ClassTimeout
	}
	return ClassOther
}

// ClassifyStatus maps an HTTP status code to an error class: 429 and 503 are throttled,
// other 4xx client errors, other 5xx server errors. Any other code has class "".
func ClassifyStatus(code int) string {
	switch {
	case code == 429 || code == 503:
		return ClassThrottled
	case code == 408:
		return ClassTimeout
	case code >= 400 && code < 500:
		return ClassClientError
	case code >= 500 && code < 600:
		return ClassServerError
	}
	return ""
}

func classifyCode(code string) string {
	switch {
	case code == "":
		return ""
	case strings.Contains(code, "Throttl"), code == "TooManyRequestsException",
		code == "SlowDown", code == "RequestLimitExceeded", code == "ServiceUnavailable":
		return ClassThrottled
	case code == "ModelError", code == "ModelNotReadyException":
		return ClassModelError
	case code == "RequestTimeout", code == "RequestTimeoutException":
		return ClassTimeout
	case code == "InternalFailure", code == "InternalServerError", code == "InternalFailureException",
		code == "ServiceUnavailableException":
		return ClassServerError
	case strings.HasSuffix(code, "ValidationException"), code == "ValidationError",
		code == "ResourceNotFound", code == "ResourceNotFoundException",
		code == "AccessDeniedException", code == "UnrecognizedClientException",
		code == "InvalidSignatureException", code == "ExpiredTokenException":
		return ClassClientError
	}
	return ""
}
