package benchtest

import "github.com/sagebench/sagebench/bench"

// Error is a failure the fake injects. Its ErrorClass method makes bench.Classify file it
// under Class, whatever its message says.
type Error struct {
	Class   bench.ErrorClass // one of the bench.Class constants
	Message string
}

// Error returns the message, prefixed with the package name and the class.
func (e *Error) Error() string {
	if e.Message == "" {
		return "benchtest: injected " + string(e.Class) + " error"
	}
	return "benchtest: injected " + string(e.Class) + " error: " + e.Message
}

// ErrorClass returns e.Class, the class bench.Classify reports.
func (e *Error) ErrorClass() string { return string(e.Class) }

// Ready-made injected errors, one per class a real endpoint produces. They are returned as
// they are (never wrapped), so errors.Is(err, benchtest.ErrThrottled) works and an injected
// error costs no allocation.
var (
	ErrThrottled = &Error{Class: bench.ClassThrottled, Message: "ThrottlingException: rate exceeded"}
	ErrModel     = &Error{Class: bench.ClassModelError, Message: "ModelError: the container returned 500"}
	ErrServer    = &Error{Class: bench.ClassServerError, Message: "InternalFailure"}
	ErrClient    = &Error{Class: bench.ClassClientError, Message: "ValidationException: bad input"}
	ErrTimeout   = &Error{Class: bench.ClassTimeout, Message: "the model did not answer in time"}
)

// NewError returns an injectable error of the given class, e.g. NewError(bench.ClassOther).
func NewError(class bench.ErrorClass) *Error { return &Error{Class: class} }
