package bench_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

// runOrHang runs Run in a goroutine and fails the test, instead of hanging the suite, when
// it has not returned after a minute: the bound only catches a hang, it times nothing.
func runOrHang(t *testing.T, ctx context.Context, inv bench.Invoker, cfg bench.Config) (*bench.Result, error) {
	t.Helper()
	type out struct {
		res *bench.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := bench.Run(ctx, inv, cfg)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute")
		return nil, nil
	}
}

func TestRunCountsAPanickingInvokerAsAnError(t *testing.T) {
	// Before the fix a panic in Invoke killed the whole process from a worker goroutine,
	// past every defer of the caller: an endpoint under test was left running.
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

func TestRunSurvivesAPanickingProgress(t *testing.T) {
	var calls atomic.Int64
	res, err := runOrHang(t, context.Background(), sleeperInvoker(time.Millisecond), bench.Config{
		Concurrency: 2, Duration: 100 * time.Millisecond, Interval: time.Millisecond, Payloads: body,
		Progress: func(bench.Snapshot) { calls.Add(1); panic("progress boom") },
	})
	require.NoError(t, err)
	assert.Equal(t, int64(1), calls.Load(), "a Progress that panicked is not called again")
	assert.Positive(t, res.Requests)
	assert.True(t, hasWarning(res, "Progress panicked"), "warnings: %q", res.Warnings)
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

func TestRunRefusesConfigsItCannotSchedule(t *testing.T) {
	// Before the fix Rate 1e-300 with a warmup looped forever in the pacer's set-up, and
	// a huge MaxBacklog or Concurrency panicked in make.
	for _, cfg := range []bench.Config{
		{Rate: 1e-300, Warmup: time.Millisecond, Duration: time.Millisecond, Payloads: body},
		{Rate: 1e-12, Duration: time.Millisecond, Payloads: body},
		{Rate: 10, MaxBacklog: 1 << 50, Duration: time.Millisecond, Payloads: body},
		{Concurrency: 1 << 50, Duration: time.Millisecond, Payloads: body},
		{Rate: 10, Concurrency: 1 << 50, Duration: time.Millisecond, Payloads: body},
	} {
		_, err := runOrHang(t, context.Background(), sleeperInvoker(0), cfg)
		require.Error(t, err, "%+v", cfg)
		assert.Contains(t, err.Error(), "invalid config")
	}
}

func TestRunLowRateAccountsForEverySend(t *testing.T) {
	res, err := runOrHang(t, context.Background(), sleeperInvoker(0), bench.Config{
		Rate: 0.5, Duration: 3 * time.Second, Payloads: body,
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), res.Offered, "sends at 0s and 2s")
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished)
}

func TestRunRequestsBoundedIsExact(t *testing.T) {
	for _, cfg := range []bench.Config{
		{Concurrency: 7, Requests: 1001, Warmup: 20 * time.Millisecond, Payloads: body},
		{Rate: 5000, Concurrency: 7, Requests: 1001, Warmup: 20 * time.Millisecond, Payloads: body},
	} {
		res, err := runOrHang(t, context.Background(), sleeperInvoker(0), cfg)
		require.NoError(t, err)
		assert.Equal(t, int64(1001), res.Requests+res.Unfinished, "rate %v", cfg.Rate)
		if cfg.Rate > 0 {
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished)
		}
	}
}

func sleeperInvoker(d time.Duration) bench.InvokerFunc {
	return func(ctx context.Context, _ payload.Payload) error {
		if d == 0 {
			return nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var _ = errors.New

func TestRunWarnsWhenProgressFallsBehind(t *testing.T) {
	// A Progress that blocked once stalled every worker behind the collector and the only
	// trace was a Little's law warning that blamed the clock or the invoker. It runs on a
	// goroutine of its own now, and a slow call is still worth a warning.
	var n atomic.Int64
	block := make(chan struct{})
	res, err := runOrHang(t, context.Background(), sleeperInvoker(time.Millisecond), bench.Config{
		Concurrency: 2, Duration: 100 * time.Millisecond, Interval: 10 * time.Millisecond, Payloads: body,
		Progress: func(bench.Snapshot) {
			if n.Add(1) == 2 {
				// Blocks until the window is over: released by a timer that the assertion
				// does not depend on, only the warning's presence is checked.
				time.AfterFunc(200*time.Millisecond, func() { close(block) })
				<-block
			}
		},
	})
	require.NoError(t, err)
	assert.True(t, hasWarning(res, "Progress took"), "warnings: %q", res.Warnings)
}

// Before Progress had a goroutine of its own, a Progress that blocked held the collector,
// the workers behind it, and Run forever: a caller could not tear its endpoint down.
func TestRunReturnsBesideABlockedProgress(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	var calls atomic.Int64
	res, err := runOrHang(t, context.Background(), sleeperInvoker(time.Millisecond), bench.Config{
		Concurrency: 2, Duration: 100 * time.Millisecond, Interval: 10 * time.Millisecond, Payloads: body,
		Progress: func(bench.Snapshot) {
			calls.Add(1)
			<-block
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 100*time.Millisecond, res.Elapsed, "the window is the Duration, whatever Progress does")
	assert.Positive(t, res.Requests)
	assert.Equal(t, int64(1), calls.Load(), "the blocked call is the only one")
	assert.True(t, hasWarning(res, "Progress was stuck or fell behind"), "warnings: %q", res.Warnings)
}

func TestRunDeliversEverySnapshotInOrderBeforeReturning(t *testing.T) {
	var mu sync.Mutex
	var snaps []bench.Snapshot
	res, err := runOrHang(t, context.Background(), sleeperInvoker(time.Millisecond), bench.Config{
		Concurrency: 2, Duration: 200 * time.Millisecond, Interval: 20 * time.Millisecond, Payloads: body,
		Progress: func(s bench.Snapshot) {
			mu.Lock()
			defer mu.Unlock()
			snaps = append(snaps, s)
		},
	})
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, snaps)
	n := len(snaps)
	for i := 1; i < n; i++ {
		assert.GreaterOrEqual(t, snaps[i].Elapsed, snaps[i-1].Elapsed, "snapshot %d came out of order", i)
	}
	assert.LessOrEqual(t, snaps[n-1].Requests, res.Requests)
	assert.False(t, hasWarning(res, "Progress was stuck or fell behind"), "warnings: %q", res.Warnings)
}
