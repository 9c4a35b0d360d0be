package bench

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/ratelimit"

	"github.com/sagebench/sagebench/payload"
)

// virtualClock is one worker's limiter clock in virtual time: Sleep moves it on at once,
// and each request takes latency, added when the worker next asks the limiter. The
// limiter reads the clock once per Take (one goroutine per limiter: its CAS never
// retries), so takes counts the worker's sends and now is the time of its last.
type virtualClock struct {
	start, now time.Time
	latency    time.Duration
	takes      int
}

func (c *virtualClock) Now() time.Time {
	if c.takes > 0 {
		c.now = c.now.Add(c.latency)
	}
	c.takes++
	return c.now
}

func (c *virtualClock) Sleep(d time.Duration) { c.now = c.now.Add(d) }

// rate is the worker's sends per virtual second, from its first send to its last.
func (c *virtualClock) rate() float64 {
	return float64(c.takes-1) / c.now.Sub(c.start).Seconds()
}

// runPaced runs workers capped at rate against an endpoint of the given latency (in
// virtual time) and returns the Result and each worker's clock.
func runPaced(t *testing.T, workers int, rate float64, latency time.Duration) (*Result, []*virtualClock) {
	t.Helper()
	clocks := make([]*virtualClock, workers)
	for i := range clocks {
		start := time.Unix(1_000_000, 0)
		clocks[i] = &virtualClock{start: start, now: start, latency: latency}
	}
	paceClockFor = func(worker int) ratelimit.Clock { return clocks[worker] }
	defer func() { paceClockFor = nil }()

	// The first call of each worker waits until every worker has made one, so that every
	// worker takes part (a worker in Invoke cannot make a second call).
	var first sync.WaitGroup
	first.Add(workers)
	var mu sync.Mutex
	calls := 0
	inv := InvokerFunc(func(context.Context, payload.Payload) error {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n <= workers {
			first.Done()
			first.Wait()
		}
		return nil
	})
	res, err := Run(context.Background(), inv, Config{
		Concurrency: workers, ClientRate: rate, Requests: 400, Payloads: onePayload})
	require.NoError(t, err)
	for i, c := range clocks {
		require.GreaterOrEqual(t, c.takes, 2, "worker %d sent", i)
	}
	return res, clocks
}

// N clients capped at r req/s against a fast endpoint send N x r: each worker's sends are
// exactly 1/r apart.
func TestClientRateCapsEachWorkerAndTheyTogetherSendNTimesR(t *testing.T) {
	const workers, rate = 4, 10.0
	res, clocks := runPaced(t, workers, rate, 0)
	total := 0.0
	for i, c := range clocks {
		assert.InDelta(t, rate, c.rate(), 1e-9, "worker %d", i)
		total += c.rate()
	}
	assert.InDelta(t, workers*rate, total, 1e-9)
	assert.Equal(t, rate, res.ClientRate)
	assert.Zero(t, res.Overdue, "a fast endpoint never makes a send late")
	assert.Nil(t, res.LittlesLaw, "capped workers idle between sends by design")
	for _, w := range res.Warnings {
		assert.NotContains(t, w, "set the pace")
	}
}

// Against an endpoint that takes twice the pace, the same clients send half as much, and
// the Result says the endpoint was the limit.
func TestClientRateWarnsThatTheEndpointSetThePaceWhenItIsSlow(t *testing.T) {
	const workers, rate = 4, 10.0
	res, clocks := runPaced(t, workers, rate, 200*time.Millisecond)
	total := 0.0
	for i, c := range clocks {
		assert.InDelta(t, rate/2, c.rate(), 1e-9, "worker %d", i)
		total += c.rate()
	}
	assert.InDelta(t, workers*rate/2, total, 1e-9, "fewer than N x r")
	assert.GreaterOrEqual(t, res.Overdue, res.Requests-workers, "every send but a worker's first was late")
	var warning string
	for _, w := range res.Warnings {
		if strings.Contains(w, "the endpoint, not the cap, set the pace") {
			warning = w
		}
	}
	require.NotEmpty(t, warning, "warnings %q", res.Warnings)
	assert.Contains(t, warning, "4 workers capped at 10 req/s each could send 40 req/s")
}

// With the real clock: a cap never sends more than it allows, latency runs from the
// actual send (not from the end of the wait before it), and a slow pace does not hold a
// worker past the end of the run.
func TestClientRateOnTheRealClock(t *testing.T) {
	noop := InvokerFunc(func(context.Context, payload.Payload) error { return nil })
	res, err := Run(context.Background(), noop, Config{
		Concurrency: 2, ClientRate: 50, Duration: 400 * time.Millisecond, Payloads: onePayload})
	require.NoError(t, err)
	require.Positive(t, res.Requests)
	assert.LessOrEqual(t, res.Requests, int64(2*(50*0.4+1)), "2 workers x 50 req/s x 0.4s, plus each worker's first")
	assert.Less(t, res.Latency.P50, 10*time.Millisecond, "the 20ms wait between sends is not latency")

	begin := time.Now()
	res, err = Run(context.Background(), noop, Config{
		Concurrency: 2, ClientRate: 0.01, Duration: 200 * time.Millisecond, Payloads: onePayload})
	require.NoError(t, err)
	assert.LessOrEqual(t, res.Requests, int64(2), "each worker's first send, then a wait of 100s")
	assert.Less(t, time.Since(begin), 5*time.Second, "the wait ends with the run")
}

func TestClientRateRefusesWhatItCannotPace(t *testing.T) {
	for name, cfg := range map[string]Config{
		"with an open loop": {ClientRate: 10, Rate: 100},
		"negative":          {ClientRate: -1},
		"NaN":               {ClientRate: math.NaN()},
		"below MinRate":     {ClientRate: MinRate / 2},
	} {
		cfg.Payloads = onePayload
		_, err := Run(context.Background(), InvokerFunc(func(context.Context, payload.Payload) error { return nil }), cfg)
		assert.ErrorContains(t, err, "client rate", name)
	}
}

func TestMergeRefusesDifferentClientRates(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(10, start, 50)})
	b := a.Clone()
	b.ClientRate = 5
	assert.ErrorContains(t, a.Merge(b), "per-client caps")
}

// A capped run shorter than its pace counts whole sends, as an open loop's does: 4 workers
// capped at 0.5 req/s each send once in 100 ms and read 40 req/s, 20 times the cap of
// 2 req/s. The Result says so instead of reporting it as a rate; a run long enough for
// its cap does not.
func TestClientRateRunShorterThanItsPaceWarnsThatItCountsWholeSends(t *testing.T) {
	noop := InvokerFunc(func(context.Context, payload.Payload) error { return nil })
	res, err := Run(context.Background(), noop, Config{
		Concurrency: 4, ClientRate: 0.5, Duration: 100 * time.Millisecond, Payloads: onePayload})
	require.NoError(t, err)
	require.Greater(t, res.Throughput, 4*0.5, "each worker's first send is not paced")
	var warning string
	for _, w := range res.Warnings {
		if strings.Contains(w, "counts whole sends") {
			warning = w
		}
	}
	require.NotEmpty(t, warning, "warnings %q", res.Warnings)
	assert.Contains(t, warning, "4 workers capped at 0.5 req/s")

	res, err = Run(context.Background(), noop, Config{
		Concurrency: 2, ClientRate: 100, Duration: 100 * time.Millisecond, Payloads: onePayload})
	require.NoError(t, err)
	for _, w := range res.Warnings {
		assert.NotContains(t, w, "counts whole sends", "20 sends of a 2 x 100 req/s cap in 100 ms")
	}
}
