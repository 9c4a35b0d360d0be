package bench_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

// cancelOnCall cancels the run from inside its call number n and returns at once, so the
// workers race the cancellation's bookkeeping to the Result.
func cancelOnCall(cancel context.CancelFunc, n int) bench.InvokerFunc {
	calls := 0
	return func(context.Context, payload.Payload) error {
		if calls++; calls == n {
			cancel()
		}
		return nil
	}
}

func TestRunCanceledAlwaysReturnsItsErrorAndEndsAtTheCancellation(t *testing.T) {
	t.Parallel()
	// Workers may see Done before the cancel time is recorded: the run still returns the
	// cancellation and ends there, not an hour away with thousands of empty intervals.
	for i := range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		res, err := bench.Run(ctx, cancelOnCall(cancel, 1+i%5), bench.Config{
			Concurrency: 1, Duration: time.Hour, Interval: time.Millisecond, Payloads: body,
		})
		cancel()
		require.ErrorIs(t, err, context.Canceled, "run %d", i)
		require.NotNil(t, res)
		require.Less(t, res.End.Sub(res.Start), time.Minute, "run %d: window must end at the cancellation", i)
		require.Less(t, len(res.Series), 60_000, "run %d", i)
		require.True(t, hasWarning(res, "canceled"), "run %d: %q", i, res.Warnings)
	}
}

func TestRunAlreadyCanceledReturnsAnEmptyValidResult(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := bench.Run(ctx, bench.InvokerFunc(func(context.Context, payload.Payload) error { return nil }),
		bench.Config{Concurrency: 3, Payloads: body})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res, "a canceled run returns a Result, as every other cancellation does")
	assert.Zero(t, res.Requests)
	assert.Equal(t, 3, res.Concurrency)
	assert.Equal(t, res.Start, res.End)
	assert.NotEmpty(t, res.Warnings)
	other := &bench.Result{}
	require.NoError(t, other.Merge(res), "the empty Result merges")
	_, err = res.MarshalJSON()
	require.NoError(t, err)
}

func TestRunRefusesAnIntervalUnderAMillisecond(t *testing.T) {
	// Interval: 100 is 100 ns: it made 2,000,001 intervals and 5.4 GiB for a 200 ms run.
	_, err := bench.Run(context.Background(), bench.InvokerFunc(func(context.Context, payload.Payload) error { return nil }),
		bench.Config{Duration: 200 * time.Millisecond, Interval: 100, Payloads: body})
	require.ErrorContains(t, err, "interval 100ns is under 1ms (did you mean 100ms?)")
}

func TestRunProgressIsRaceFreeInOpenLoop(t *testing.T) {
	// -race reported the backlog channel written by run after collect had started.
	var snaps int
	res, err := bench.Run(context.Background(), bench.InvokerFunc(func(context.Context, payload.Payload) error { return nil }),
		bench.Config{Rate: 2000, Duration: 30 * time.Millisecond, Interval: time.Millisecond, Payloads: body,
			Progress: func(bench.Snapshot) { snaps++ }})
	require.NoError(t, err)
	assert.Positive(t, res.Offered)
	_ = snaps
}

func TestRunCountsRequestsUnfinishedAtTheEnd(t *testing.T) {
	t.Parallel()
	// Open loop at 100 req/s; the endpoint hangs for the second half of a 1 s run. The
	// hung requests used to vanish: p99 of a few ms, no warning, Missed 0.
	hang := make(chan struct{})
	defer close(hang)
	calls := make(chan struct{}, 1000)
	inv := bench.InvokerFunc(func(ctx context.Context, _ payload.Payload) error {
		calls <- struct{}{}
		if len(calls) > 50 {
			select {
			case <-hang:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	res, err := bench.Run(context.Background(), inv, bench.Config{
		Rate: 100, Concurrency: 8, MaxBacklog: 1000, Duration: time.Second, Payloads: body,
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Unfinished, int64(40), "the hung and queued requests are counted")
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "every scheduled send is accounted for")
	assert.Greater(t, res.PercentileAll(99), 300*time.Millisecond, "all requests show the hang")
	assert.Greater(t, res.PercentileAll(99), res.Latency.P99+200*time.Millisecond, "successes alone do not")
	assert.Equal(t, res.PercentileAll(99), res.LatencyAll.P99)
	assert.True(t, hasWarning(res, "unfinished"), "warnings %q", res.Warnings)
}

func TestRunTimeoutsCountInLatencyAll(t *testing.T) {
	t.Parallel()
	var n int
	inv := bench.InvokerFunc(func(ctx context.Context, _ payload.Payload) error {
		if n++; n%2 == 0 {
			<-ctx.Done() // every other request hangs until Config.Timeout
			return ctx.Err()
		}
		return nil
	})
	res, err := bench.Run(context.Background(), inv, bench.Config{
		Concurrency: 1, Requests: 40, Timeout: 20 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	assert.Equal(t, int64(20), res.ErrorsByClass[bench.ClassTimeout])
	assert.Less(t, res.Latency.P99, 20*time.Millisecond, "Latency is successes only")
	assert.GreaterOrEqual(t, res.LatencyAll.P99, 20*time.Millisecond, "LatencyAll includes the timeouts")
	assert.True(t, hasWarning(res, "p99 of all requests"), "warnings %q", res.Warnings)
}

func hasWarning(res *bench.Result, sub string) bool {
	for _, w := range res.Warnings {
		if contains(w, sub) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestMergeIntoACopyOfARunLeavesTheRunAlone(t *testing.T) {
	// The user's view of "a Result is plain data": m := *a; m.Merge(b) must not change a.
	fake := benchtest.New(benchtest.WithErrorEvery(3, benchtest.ErrThrottled))
	a, err := bench.Run(context.Background(), fake, bench.Config{Requests: 30, Payloads: body})
	require.NoError(t, err)
	b, err := bench.Run(context.Background(), fake, bench.Config{Requests: 30, Payloads: body})
	require.NoError(t, err)
	before, err := json.Marshal(a)
	require.NoError(t, err)
	m := *a
	require.NoError(t, m.Merge(b))
	after, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
	assert.Equal(t, a.Requests+b.Requests, m.Requests)
	assert.Equal(t, a.ErrorsByClass[bench.ClassThrottled]+b.ErrorsByClass[bench.ClassThrottled], m.ErrorsByClass[bench.ClassThrottled])
}

// Canceled at any moment, closed or open loop, Run returns the cancellation, ends its
// window at the cancel (not at the hour of Duration), and accounts for every send.
func TestRunCanceledAtAnyMomentEndsAtTheCancellation(t *testing.T) {
	t.Parallel()
	for i := 0; i < 40; i++ {
		for _, rate := range []float64{0, 1000} {
			ctx, cancel := context.WithCancel(context.Background())
			d := time.Duration(i) * 500 * time.Microsecond
			canceled := make(chan time.Time, 1)
			time.AfterFunc(d, func() { canceled <- time.Now(); cancel() })
			t0 := time.Now()
			res, err := bench.Run(ctx, benchtest.New(benchtest.WithLatency(benchtest.Constant(300*time.Microsecond))), bench.Config{
				Rate: rate, Concurrency: 3, Duration: time.Hour, Payloads: body, Interval: 10 * time.Millisecond})
			require.Error(t, err, "rate %v cancel %v", rate, d)
			require.NotNil(t, res, "rate %v cancel %v", rate, d)
			// The window ends at the cancellation, not at the hour: measured from when the
			// cancel ran (a loaded machine runs the timer late), with a second for the
			// scheduler, which a 2-core machine shared by six test runs needs.
			at := <-canceled
			assert.LessOrEqual(t, res.End.Sub(at), time.Second, "rate %v cancel %v: the end after the cancel", rate, d)
			assert.LessOrEqual(t, len(res.Series), int(res.End.Sub(t0)/(10*time.Millisecond))+2, "rate %v cancel %v: intervals", rate, d)
			if rate > 0 {
				assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "cancel %v", d)
			}
		}
	}
}

func TestRunInvariantsHoldWhateverEndsTheRun(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		cfg := bench.Config{Duration: 150 * time.Millisecond, Warmup: 200 * time.Millisecond, Payloads: body}
		if i%2 == 1 {
			cfg.Rate, cfg.Concurrency = 2000, 4
		} else {
			cfg.Concurrency = 3
		}
		ctx, cancel := context.WithCancel(context.Background())
		if i%3 == 0 { // cancel somewhere in the warmup or the window
			d := time.Duration(rng.Int64N(int64(350 * time.Millisecond)))
			timer := time.AfterFunc(d, cancel)
			defer timer.Stop()
		}
		fake := benchtest.New(benchtest.WithLatency(benchtest.Uniform(0, 2*time.Millisecond)))
		res, err := runOrHang(t, ctx, fake, cfg)
		canceled := ctx.Err() != nil && err != nil
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
		}
		require.NotNil(t, res)
		assert.InDelta(t, float64(res.Requests-res.Errors)/max(res.Elapsed.Seconds(), 1e-9), res.Throughput,
			1e-6*res.Throughput+1e-9, "run %d", i)
		assert.Equal(t, res.End.Sub(res.Start), res.Elapsed, "run %d", i)
		if cfg.Rate > 0 {
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "run %d", i)
			if !canceled && res.Elapsed > 0 {
				made := float64(res.Requests+res.Missed+res.Unfinished) / res.Elapsed.Seconds()
				assert.InEpsilon(t, cfg.Rate, made, 0.01, "run %d", i)
			}
		}
	}
}
