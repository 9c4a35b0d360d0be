package bench

import (
	"context"

	"github.com/sagebench/sagebench/payload"
)

// Invoker sends one request and reports whether it succeeded. Implementations must be safe
// for concurrent use: Run calls Invoke from many goroutines at once.
//
// The error, if any, is classified for the report by Classify; an implementation may return
// an error with an ErrorClass() string method to choose its class explicitly.
type Invoker interface {
	Invoke(ctx context.Context, p payload.Payload) error
}

// InvokerFunc adapts an ordinary function to the Invoker interface.
type InvokerFunc func(ctx context.Context, p payload.Payload) error

// Invoke calls f(ctx, p).
func (f InvokerFunc) Invoke(ctx context.Context, p payload.Payload) error { return f(ctx, p) }
