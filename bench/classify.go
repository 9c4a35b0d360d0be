package bench

import (
	"context"
	"errors"
	"reflect"
	"strings"
)

// ErrorClass is the class of a failed request, as it appears in Result.ErrorsByClass, in
// JSON (as its string value) and in reports. A switch over the Class constants is
// checked by the compiler: a misspelt class does not compile.
type ErrorClass string

// Error classes. Their string values are stable: they are keys in saved JSON results.
const (
	ClassTimeout     ErrorClass = "timeout"      // the request or its context deadline expired
	ClassThrottled   ErrorClass = "throttled"    // the endpoint asked the client to slow down (HTTP 429/503, ThrottlingException, a model's own 429/503, ModelNotReadyException)
	ClassModelError  ErrorClass = "model_error"  // the model container returned an error (SageMaker ModelError)
	ClassClientError ErrorClass = "client_error" // the request was refused as invalid (other HTTP 4xx)
	ClassServerError ErrorClass = "server_error" // the service failed (other HTTP 5xx)
	ClassCanceled    ErrorClass = "canceled"     // the run was canceled while the request was in flight
	ClassOther       ErrorClass = "other"        // anything else, e.g. a connection refused
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
// A ModelError whose model answered 429 or 503 (TorchServe's and MMS's "queue full") is
// back pressure, not a broken model: it is throttled. The model's status is found as an
// OriginalStatusCode() int method or an OriginalStatusCode field (an int or a pointer to
// one, as SageMaker runtime's ModelError has) anywhere in the error's chain. The error
// itself, and so its sample in Result.ErrorSamples, is kept as it came.
//
// A nil error has class "".
func Classify(err error) ErrorClass {
	if err == nil {
		return ""
	}
	var explicit interface{ ErrorClass() string }
	if errors.As(err, &explicit) {
		if c := explicit.ErrorClass(); c != "" {
			return ErrorClass(c)
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
		c := classifyCode(coded.ErrorCode())
		if c == ClassModelError {
			if s := originalStatus(err); s == 429 || s == 503 {
				return ClassThrottled
			}
		}
		if c != "" {
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
func ClassifyStatus(code int) ErrorClass {
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

func classifyCode(code string) ErrorClass {
	switch {
	case code == "":
		return ""
	case strings.Contains(code, "Throttl"), code == "TooManyRequestsException",
		code == "SlowDown", code == "RequestLimitExceeded", code == "ServiceUnavailable",
		code == "ModelNotReadyException": // the endpoint asks the client to come back later
		return ClassThrottled
	case code == "ModelError":
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

// originalStatus finds the status a model container answered, for a ModelError: an
// OriginalStatusCode() int method or an OriginalStatusCode field in err's chain, looked up
// by shape so that bench needs no import of the AWS SDK. It is 0 when there is none.
func originalStatus(err error) int {
	var m interface{ OriginalStatusCode() int }
	if errors.As(err, &m) {
		return m.OriginalStatusCode()
	}
	for e := range errorChain(err) {
		v := reflect.ValueOf(e)
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				break
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		f := v.FieldByName("OriginalStatusCode")
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		if f.CanInt() {
			return int(f.Int())
		}
	}
	return 0
}

// errorChain yields err and everything it wraps, depth first, at most 64 errors deep.
func errorChain(err error) func(yield func(error) bool) {
	return func(yield func(error) bool) {
		stack := []error{err}
		for n := 0; len(stack) > 0 && n < 64; n++ {
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if e == nil {
				continue
			}
			if !yield(e) {
				return
			}
			switch u := e.(type) {
			case interface{ Unwrap() error }:
				stack = append(stack, u.Unwrap())
			case interface{ Unwrap() []error }:
				s := u.Unwrap()
				for i := len(s) - 1; i >= 0; i-- {
					stack = append(stack, s[i])
				}
			}
		}
	}
}
