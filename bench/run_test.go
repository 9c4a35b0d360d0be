package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/payload"
)

var onePayload = []payload.Payload{{Name: "p", ContentType: "application/octet-stream", Body: []byte("x")}}

// sleeper holds each call for d, or until ctx ends.
func sleeper(d time.Duration) InvokerFunc {
	return func(ctx context.Context, _ payload.Payload) error {
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

func TestRunClosedLoopObeysLittlesLaw(t *testing.T) {
	res, err := Run(context.Background(), sleeper(20*time.Millisecond), Config{
		Concurrency: 8, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, Payloads: onePayload,
	})
	require.NoError(t, err)
	// 8 workers / 20 ms = 400 req/s at most; a timer never fires early, so more is a
	// counting bug, and much less means workers idle between requests.
	assert.LessOrEqual(t, res.Throughput, 404.0)
	assert.Greater(t, res.Throughput, 300.0)
	assert.GreaterOrEqual(t, res.Latency.Min, 20*time.Millisecond)
	require.NotNil(t, res.LittlesLaw)
	assert.True(t, res.LittlesLaw.Holds, res.LittlesLaw.String())
	assert.InDelta(t, 8, res.LittlesLaw.Predicted, 0.8)
	assert.Empty(t, res.Warnings)
	assert.Equal(t, 2*time.Second, res.Elapsed)
}

func TestLittlesLawFlagsImpossibleFigures(t *testing.T) {
	// The reference study's inf1 row: 16 clients, 304.3 req/s, "4.9 ms" mean latency.
	r := &Result{Concurrency: 16, Requests: 3043, Start: time.Unix(0, 0), End: time.Unix(10, 0), Elapsed: 10 * time.Second,
		busyNS: 3043 * 4900 * 1000, hist: newHist()}
	r.summarize()
	r.warn(false)
	require.NotNil(t, r.LittlesLaw)
	assert.False(t, r.LittlesLaw.Holds)
	assert.InDelta(t, 0.093, r.LittlesLaw.Ratio, 0.001)
	require.Len(t, r.Warnings, 1)
	assert.Contains(t, r.Warnings[0], "BROKEN")
}

// stallOnce serves in service time, except the call numbered at, which takes stall: with a
// single worker that is an endpoint frozen for stall.
func stallOnce(service, stall time.Duration, at int64) InvokerFunc {
	var calls atomic.Int64
	return func(ctx context.Context, p payload.Payload) error {
		d := service
		if calls.Add(1) == at {
			d = stall
		}
		return sleeper(d)(ctx, p)
	}
}

func TestRunOpenLoopCountsStallInTail(t *testing.T) {
	// The stall starts at send 10 (0.1 s), not 50, in a 1.5 s run, not 3 s: the same
	// hundred sends wait behind it, and the run is 1.5 s shorter.
	res, err := Run(context.Background(), stallOnce(2*time.Millisecond, time.Second, 10), Config{
		Rate: 100, Concurrency: 1, MaxBacklog: 1000, Duration: 1500 * time.Millisecond, Payloads: onePayload,
	})
	require.NoError(t, err)
	// About 100 sends were due during the stall; each waited for it from its intended
	// time, so two thirds of the requests sit between 0 and 1 s: p99 is close to 1 s.
	assert.GreaterOrEqual(t, res.Latency.P99, 500*time.Millisecond, "open loop must show the stall in p99")
	assert.Zero(t, res.Missed)
	assert.Nil(t, res.LittlesLaw, "Little's law check is for closed loop only")
}

func TestRunClosedLoopHidesStallFromP99(t *testing.T) {
	// The same endpoint under closed loop: while it stalls the single worker waits, sends
	// nothing, and so only one request records the stall. This is coordinated omission,
	// and why open loop exists: p99 looks healthy, only the max tells.
	// 2 s, not 3: the second of 2 ms requests after the stall is still some 300 of them,
	// so the one stalled request is far outside the top 1%.
	res, err := Run(context.Background(), stallOnce(2*time.Millisecond, time.Second, 50), Config{
		Concurrency: 1, Duration: 2 * time.Second, Payloads: onePayload,
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Latency.Max, time.Second)
	assert.Less(t, res.Latency.P99, 500*time.Millisecond)
}

func TestRunExcludesWarmup(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	inv := InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		// The first ten calls fail; at 10 ms each they end well inside the 1 s warmup.
		if calls.Add(1) <= 10 {
			_ = sleeper(10*time.Millisecond)(ctx, p)
			return errors.New("cold start")
		}
		return sleeper(10*time.Millisecond)(ctx, p)
	})
	res, err := Run(context.Background(), inv, Config{
		Concurrency: 1, Warmup: time.Second, Duration: 500 * time.Millisecond, Payloads: onePayload,
	})
	require.NoError(t, err)
	assert.Zero(t, res.Errors, "warmup errors leaked into the result")
	assert.Less(t, res.Requests, calls.Load()-10)
	assert.Equal(t, 500*time.Millisecond, res.Elapsed)
	for _, iv := range res.Series {
		assert.False(t, iv.Start.Add(time.Second).Before(res.Start), "series starts before the window")
	}
}

func TestRunCancelStopsPromptly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var canceledAt atomic.Pointer[time.Time]
	var calls atomic.Int64
	inv := InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		if calls.Add(1) == 200 {
			now := time.Now()
			canceledAt.Store(&now)
			cancel()
		}
		return sleeper(time.Millisecond)(ctx, p)
	})
	res, err := Run(ctx, inv, Config{Concurrency: 4, Duration: time.Hour, Payloads: onePayload})
	returned := time.Now()
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res, "cancellation returns the partial result")
	// Promptly means long before the hour's end, not within some scheduler-dependent
	// budget: the bound is loose so that a busy machine cannot make it fail, and the
	// window itself must end at the cancellation (End is stamped there, not at the hour).
	assert.Less(t, returned.Sub(*canceledAt.Load()), 10*time.Second)
	assert.WithinDuration(t, *canceledAt.Load(), res.End, 10*time.Second)
	assert.Greater(t, res.Requests, int64(100))
	assert.Less(t, res.Elapsed, time.Minute)
	assert.Zero(t, res.ErrorsByClass[ClassCanceled], "requests cut by the stop are not counted")
	assert.Contains(t, res.Warnings, cutShortWarning)
}

func TestRunStopsAfterRequests(t *testing.T) {
	var calls atomic.Int64
	inv := InvokerFunc(func(context.Context, payload.Payload) error { calls.Add(1); return nil })
	for _, cfg := range []Config{
		{Concurrency: 3, Requests: 1000},
		{Rate: 20000, Concurrency: 3, Requests: 1000},
	} {
		cfg.Payloads = onePayload
		res, err := Run(context.Background(), inv, cfg)
		require.NoError(t, err)
		assert.Equal(t, int64(1000), res.Requests, "rate %v", cfg.Rate)
		assert.Positive(t, res.Throughput)
		if cfg.Rate > 0 {
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "rate %v", cfg.Rate)
		}
	}
}

func TestRunOpenLoopBoundsBacklog(t *testing.T) {
	res, err := Run(context.Background(), sleeper(50*time.Millisecond), Config{
		Rate: 1000, Concurrency: 1, MaxBacklog: 5, Duration: 500 * time.Millisecond, Payloads: onePayload,
	})
	require.NoError(t, err)
	assert.LessOrEqual(t, res.MaxBacklog, 5)
	assert.Greater(t, res.Missed, int64(100), "sends beyond the backlog are counted as missed")
	assert.NotEmpty(t, res.Warnings)
}

func TestRunTimeoutIsClassified(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), sleeper(time.Hour), Config{
		Concurrency: 2, Timeout: 10 * time.Millisecond, Duration: 300 * time.Millisecond, Payloads: onePayload,
	})
	require.NoError(t, err)
	require.Positive(t, res.Errors)
	assert.Equal(t, res.Errors, res.ErrorsByClass[ClassTimeout])
	assert.Contains(t, res.ErrorSamples[ClassTimeout], "timed out after 10ms")
	assert.Zero(t, res.Throughput)
}

func TestRunRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no payloads":      {},
		"empty body":       {Payloads: []payload.Payload{{Name: "e"}}},
		"negative workers": {Payloads: onePayload, Concurrency: -1},
		"negative rate":    {Payloads: onePayload, Rate: -5},
		"negative timeout": {Payloads: onePayload, Timeout: -time.Second},
	} {
		_, err := Run(context.Background(), sleeper(0), cfg)
		assert.ErrorContains(t, err, "bench: invalid config", name)
	}
	_, err := Run(context.Background(), nil, Config{Payloads: onePayload})
	assert.ErrorContains(t, err, "nil invoker")
}

func TestRunProgressReportsEachInterval(t *testing.T) {
	t.Parallel()
	var snaps []Snapshot
	res, err := Run(context.Background(), sleeper(time.Millisecond), Config{
		Concurrency: 2, Duration: 500 * time.Millisecond, Interval: 100 * time.Millisecond,
		Payloads: onePayload, Progress: func(s Snapshot) { snaps = append(snaps, s) },
	})
	require.NoError(t, err)
	require.NotEmpty(t, snaps)
	for i := 1; i < len(snaps); i++ {
		assert.GreaterOrEqual(t, snaps[i].Requests, snaps[i-1].Requests, "cumulative counts never go back")
	}
	assert.LessOrEqual(t, snaps[len(snaps)-1].Requests, res.Requests)
	var sum int64
	for _, iv := range res.Series {
		sum += iv.Requests
	}
	assert.Equal(t, res.Requests, sum, "series must add up to the total")
}

func TestLittlesLawCountsEachRequestsPartInsideAShortWindow(t *testing.T) {
	// 16 workers on 40 ms requests in a 100 ms window: most of the work straddles an edge.
	// Each request must count only its part inside the window (one sent in the warmup from
	// the window's start, one unfinished at the end up to the end). Whether the ratio lands
	// within LittlesLawTolerance depends on how promptly a busy machine schedules the
	// workers, so the test checks the accounting instead, against what the invoker itself
	// saw: the engine's time in flight covers every call's part inside the window (its clock
	// reads bracket the call) and never exceeds Concurrency x the window (a worker's requests
	// follow one another).
	for _, warmup := range []time.Duration{0, 30 * time.Millisecond} {
		var mu sync.Mutex
		type call struct{ in, out time.Time }
		var calls []call
		inv := InvokerFunc(func(ctx context.Context, p payload.Payload) error {
			in := time.Now()
			err := sleeper(40*time.Millisecond)(ctx, p)
			mu.Lock()
			calls = append(calls, call{in, time.Now()})
			mu.Unlock()
			return err
		})
		res, err := Run(context.Background(), inv, Config{
			Concurrency: 16, Duration: 100 * time.Millisecond, Warmup: warmup, Payloads: onePayload,
		})
		require.NoError(t, err)
		require.NotNil(t, res.LittlesLaw)
		assert.Equal(t, LittlesLawTolerance, res.LittlesLaw.Tolerance, "warmup %v", warmup)
		assert.Positive(t, res.Unfinished, "requests in flight at the end are counted")

		mu.Lock()
		var seen time.Duration // the calls' time inside [Start, End], as the invoker saw it
		for _, c := range calls {
			lo, hi := c.in, c.out
			if lo.Before(res.Start) {
				lo = res.Start
			}
			if hi.After(res.End) {
				hi = res.End
			}
			if hi.After(lo) {
				seen += hi.Sub(lo)
			}
		}
		n := len(calls)
		mu.Unlock()
		counted := time.Duration(res.LittlesLaw.Predicted * float64(res.Elapsed))
		// Each request's figure is truncated to whole microseconds (at most 2 us a request,
		// its duration and its part before the window), and the float round trip adds 1 us.
		slack := time.Duration(2*n+1) * time.Microsecond
		assert.GreaterOrEqual(t, counted+slack, seen,
			"warmup %v: the engine counted %v in flight, less than the %v the invoker spent inside the window", warmup, counted, seen)
		assert.LessOrEqual(t, counted, 16*res.Elapsed+slack,
			"warmup %v: %v in flight is more than 16 workers can spend in a %v window", warmup, counted, res.Elapsed)
	}
}

func TestLittlesLawCanFailInAShortWindow(t *testing.T) {
	// Twice as much in flight as there are workers, in a window shorter than the mean
	// latency: impossible, whatever the window. With the old W/T allowance (here 2) the
	// tolerance was 2.1 and this passed.
	r := &Result{Concurrency: 16, Requests: 16, Start: time.Unix(0, 0), End: time.Unix(0, 1e8),
		Elapsed: 100 * time.Millisecond, busyNS: 32 * 100_000 * 1000, hist: newHist()}
	r.summarize()
	require.NotNil(t, r.LittlesLaw)
	assert.False(t, r.LittlesLaw.Holds, r.LittlesLaw.String())
}
