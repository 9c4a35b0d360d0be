package bench_test

import (
	"context"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

func TestRunOpenLoopCountsTheClientsOwnLatenessFromTheIntendedTime(t *testing.T) {
	// One P and a spinning goroutine: the pacer wakes up to 10 ms late. ratelimit stamped
	// every catch-up send "now", so the Result reported p50 3 us against a true 10 ms.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	stop := make(chan struct{})
	go bench.Spin(stop)
	const rate = 1000
	calls := make([]time.Time, 0, 4096)
	inv := bench.InvokerFunc(func(context.Context, payload.Payload) error {
		calls = append(calls, time.Now()) // one worker: calls arrive one at a time, in order
		return nil
	})
	res, err := bench.Run(context.Background(), inv, bench.Config{
		Rate: rate, Concurrency: 1, MaxBacklog: 100_000, Duration: 500 * time.Millisecond, Payloads: body,
	})
	close(stop)
	require.NoError(t, err)
	require.Zero(t, res.Missed, "the backlog holds every send")
	// Call k is send k: its true lateness is its start minus start + k/rate. The calls
	// after the first Requests were cut by the end (Unfinished): not in Latency.
	require.GreaterOrEqual(t, len(calls), int(res.Requests))
	late := make([]time.Duration, 0, len(calls))
	for k, c := range calls[:res.Requests] {
		late = append(late, c.Sub(res.Start.Add(time.Duration(k)*time.Second/rate)))
	}
	slices.Sort(late)
	var sum time.Duration
	for _, l := range late {
		sum += l
	}
	mean := sum / time.Duration(len(late))
	p99 := late[len(late)*99/100]
	// Reported latency is lateness plus a no-op call: never below the truth (the mean is
	// robust to how each side interpolates a percentile; 200 us covers the clock reads).
	assert.GreaterOrEqual(t, res.Latency.Mean, mean-200*time.Microsecond,
		"mean: reported %v, true send lateness %v", res.Latency.Mean, mean)
	assert.GreaterOrEqual(t, res.Latency.P99, p99*9/10,
		"p99: reported %v, true send lateness %v", res.Latency.P99, p99)
	truth := func(float64) time.Duration { return p99 }
	if truth(99) > 3*bench.ClientSlack {
		assert.True(t, hasWarning(res, "the load generator could not keep up"), "warnings %q", res.Warnings)
	}
}

func TestRunOpenLoopAccountsForEveryScheduledSend(t *testing.T) {
	// At 5e6 req/s no client keeps up: 36% of the schedule used to vanish and the warning
	// blamed the endpoint. Every due send must be made, missed or unfinished, and the
	// warning must name the client.
	for _, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			const rate = 5e6
			res, err := bench.Run(context.Background(), bench.InvokerFunc(func(context.Context, payload.Payload) error { return nil }),
				bench.Config{Rate: rate, Concurrency: 4, Duration: 200 * time.Millisecond, Payloads: body})
			require.NoError(t, err)
			offered := rate * res.Elapsed.Seconds()
			assert.InDelta(t, offered, float64(res.Offered), 1, "GOMAXPROCS %d", procs)
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "GOMAXPROCS %d", procs)
			assert.InEpsilon(t, rate, float64(res.Requests+res.Missed+res.Unfinished)/res.Elapsed.Seconds(), 0.01)
			assert.Positive(t, res.ClientMissed)
			assert.True(t, hasWarning(res, "the load generator could not keep up"), "warnings %q", res.Warnings)
			assert.False(t, hasWarning(res, "the endpoint could not keep up"), "warnings %q", res.Warnings)
		}()
	}
}

func TestRunOpenLoopBlamesASlowEndpoint(t *testing.T) {
	// Workers all inside a 50 ms call, backlog full: the endpoint's fault, not the client's.
	slow := benchtest.New(benchtest.WithLatency(benchtest.Constant(50 * time.Millisecond)))
	res, err := bench.Run(context.Background(), slow, bench.Config{
		Rate: 1000, Concurrency: 1, MaxBacklog: 5, Duration: 300 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	assert.Greater(t, res.Missed-res.ClientMissed, int64(100))
	assert.True(t, hasWarning(res, "the endpoint could not keep up"), "warnings %q", res.Warnings)
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished)
}

func TestRunLowRateAccountsForEverySend(t *testing.T) {
	t.Parallel()
	res, err := runOrHang(t, context.Background(), sleeperInvoker(0), bench.Config{
		Rate: 0.5, Duration: 3 * time.Second, Payloads: body,
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), res.Offered, "sends at 0s and 2s")
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished)
}

// An open loop below a few per second offers exactly the sends its schedule has in the
// Duration (one at 0 s, then one per 1/Rate), and accounts for every one of them.
func TestRunOpenLoopOffersEveryScheduledSendAtLowRates(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0.5, 1, 3} {
		res, err := bench.Run(context.Background(), benchtest.New(), bench.Config{
			Rate: rate, Duration: time.Second, Payloads: body, Interval: 100 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, int64(math.Ceil(rate)), res.Offered, "rate %v", rate)
		assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "rate %v", rate)
	}
}

// Sends of the warmup still queued in the backlog when the run ends are not the window's:
// open loop measures a send by its intended time. They were counted as unfinished, so
// Unfinished passed Offered and Requests + Missed + Unfinished = Offered broke whenever
// the workers fell behind during the warmup (a canceled run on a busy machine).
func TestRunOpenLoopCountsNoWarmupSendLeftInTheBacklogAsUnfinished(t *testing.T) {
	t.Parallel()
	// The one worker holds its first send (a warmup one) until the end: every send after
	// it, warmup or not, waits in the backlog, which holds them all.
	hold := bench.InvokerFunc(func(ctx context.Context, _ payload.Payload) error {
		<-ctx.Done()
		return ctx.Err()
	})
	res, err := runOrHang(t, context.Background(), hold, bench.Config{
		Rate: 1000, Concurrency: 1, MaxBacklog: 1000, Warmup: 50 * time.Millisecond,
		Duration: 50 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	assert.Equal(t, int64(50), res.Offered)
	assert.Zero(t, res.Requests)
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "every send of the window accounted for, and no other")
}
