package bench_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunCountsAPanickingInvokerAsAnError(t *testing.T) {
	// A panic in Invoke is recovered in the worker and counted, so it never kills the
	// process past every defer of the caller (an endpoint under test would be left running).
	var calls atomic.Int64
	inv := bench.InvokerFunc(func(context.Context, payload.Payload) error {
		if calls.Add(1)%3 == 0 {
			panic("boom")
		}
		return nil
	})
	for _, cfg := range []bench.Config{
		{Concurrency: 2, Requests: 30, Payloads: body},
		{Rate: 2000, Concurrency: 2, Requests: 30, Payloads: body},
	} {
		res, err := runOrHang(t, context.Background(), inv, cfg)
		require.NoError(t, err)
		assert.Equal(t, int64(30), res.Requests+res.Unfinished, "rate %v", cfg.Rate)
		assert.Positive(t, res.Errors)
		assert.Equal(t, res.Errors, res.ErrorsByClass[bench.ClassOther])
		assert.Contains(t, res.ErrorSamples[bench.ClassOther], "panicked: boom")
	}
}

func TestRunReturnsWhenTheInvokerIgnoresCancellation(t *testing.T) {
	// An invoker that ignores its context must not hold Run (and with it the caller's
	// endpoint cleanup) forever: past a grace its requests are abandoned and counted.
	defer bench.SetAbandonGrace(10 * time.Millisecond)()
	release := make(chan struct{})
	defer close(release)
	var calls atomic.Int64
	inv := bench.InvokerFunc(func(context.Context, payload.Payload) error {
		if calls.Add(1) > 20 {
			<-release // hangs past the end, whatever its context says
		}
		return nil
	})
	for _, cfg := range []bench.Config{
		{Concurrency: 3, Duration: 200 * time.Millisecond, Payloads: body},
		{Rate: 1000, Concurrency: 3, Duration: 200 * time.Millisecond, Payloads: body},
	} {
		calls.Store(0)
		res, err := runOrHang(t, context.Background(), inv, cfg)
		require.NoError(t, err)
		assert.Equal(t, int64(20), res.Requests, "rate %v", cfg.Rate)
		assert.Positive(t, res.Unfinished)
		assert.True(t, hasWarning(res, "abandoned"), "warnings: %q", res.Warnings)
		if cfg.Rate > 0 {
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished)
		}
	}
}

// An invoker that ignores ctx and hangs does not hold Run: it returns with the hanging
// calls counted as unfinished.
func TestRunCountsTheCallsOfAnInvokerThatIgnoresCtxAsUnfinished(t *testing.T) {
	t.Parallel()
	inv := bench.InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		time.Sleep(1500 * time.Millisecond)
		return nil
	})
	t0 := time.Now()
	res, err := bench.Run(context.Background(), inv, bench.Config{Concurrency: 2, Duration: 200 * time.Millisecond, Payloads: body})
	el := time.Since(t0)
	t.Logf("returned after %v err %v unfinished %d req %d", el, err, res.Unfinished, res.Requests)
	assert.Equal(t, int64(2), res.Unfinished)
}
