package bench_test

import (
	"context"
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

func TestRunSurvivesAPanickingProgress(t *testing.T) {
	t.Parallel()
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

// Progress has a goroutine of its own: a Progress that blocks holds neither the collector,
// nor the workers behind it, nor Run, so a caller can tear its endpoint down.
func TestRunReturnsBesideABlockedProgress(t *testing.T) {
	t.Parallel()
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
