package smretry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/internal/smretry"
)

var (
	throttled = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	invalid   = &smithy.GenericAPIError{Code: "ValidationException", Message: "bad name"}
	fast      = smretry.Backoff{Min: time.Microsecond, Max: time.Millisecond}
)

func TestDoRetriesThrottlingUntilItSucceeds(t *testing.T) {
	calls := 0
	err := smretry.Do(context.Background(), fast, "stop", func() error {
		if calls++; calls < 6 {
			return throttled
		}
		return nil
	})
	if err != nil || calls != 6 {
		t.Fatalf("Do = %v after %d calls; want nil after 6 (5 throttled, then success)", err, calls)
	}
}

func TestDoStopsAtAnErrorRetryingCannotFix(t *testing.T) {
	calls := 0
	err := smretry.Do(context.Background(), fast, "stop", func() error { calls++; return invalid })
	if !errors.Is(err, invalid) || calls != 1 {
		t.Fatalf("Do = %v after %d calls; want the validation error after 1 call", err, calls)
	}
}

func TestDoEndsWithItsContext(t *testing.T) {
	// A wait of an hour between tries, cut short by the deadline: Do must not sleep it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	calls := 0
	err := smretry.Do(ctx, smretry.Backoff{Min: time.Hour, Max: time.Hour}, "stop", func() error { calls++; return throttled })
	if !errors.Is(err, throttled) || calls != 1 {
		t.Fatalf("Do = %v after %d calls; want the throttling error after 1 call", err, calls)
	}
	// A context already done: one call, no wait.
	calls = 0
	err = smretry.Do(ctx, fast, "stop", func() error { calls++; return throttled })
	if !errors.Is(err, throttled) || calls != 1 {
		t.Fatalf("Do(done ctx) = %v after %d calls; want the throttling error after 1 call", err, calls)
	}
}
