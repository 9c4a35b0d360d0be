package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

var img = payload.Payload{Name: "x.bin", ContentType: payload.ContentTypeBinary, Body: []byte{1, 2, 3}}

// load is a short closed-loop run: long enough for a few hundred requests, short enough
// for CI.
func load(concurrency int) bench.Config {
	return bench.Config{Concurrency: concurrency, Duration: 600 * time.Millisecond, Warmup: 100 * time.Millisecond,
		Payloads: []payload.Payload{img}}
}

// TestEvaluate shows the shape of a harness test: each row is a server with a known
// behaviour, and the harness must reach the verdict that behaviour deserves, for the
// reason it deserves. Each bound sits far from the fake's true figure, so a busy machine
// cannot flip a verdict, while a harness that ignored a criterion would.
func TestEvaluate(t *testing.T) {
	// 300ms is far above what the fast servers below need, even on a busy machine under
	// the race detector, and far below the long tail's p99.
	slo := bench.SLO{Percentile: 99, Max: 300 * time.Millisecond}
	tests := []struct {
		name   string
		fake   []benchtest.Option
		check  Check
		pass   bool
		reason string // a substring of the failure reasons
	}{{
		name:  "a fast server passes",
		fake:  []benchtest.Option{benchtest.WithLatency(benchtest.Constant(5 * time.Millisecond))},
		check: Check{Load: load(4), SLO: slo, MinTPS: 100, MaxErrorRate: 0.01},
		pass:  true,
	}, {
		// One call in twenty takes 500ms, the rest 5ms: the median and even the mean (30ms)
		// look fine, p99 does not. A harness that judged either would pass it. The warmup
		// covers a slow call, so the window sees them at their steady share.
		name: "a long tail breaks the p99 objective",
		fake: []benchtest.Option{benchtest.WithLatency(benchtest.Empirical(append(
			slices.Repeat([]time.Duration{5 * time.Millisecond}, 19), 500*time.Millisecond)))},
		check: Check{Load: bench.Config{Concurrency: 8, Duration: time.Second, Warmup: 600 * time.Millisecond,
			Payloads: []payload.Payload{img}}, SLO: slo, MaxErrorRate: 0.01},
		reason: "latency: p99",
	}, {
		// Two model workers of 10ms each serve at most 200 req/s however many clients
		// push; the other six clients queue, which shows in the latency too (about 40ms,
		// inside the SLO, so throughput is the only reason).
		name: "the capacity knee caps throughput",
		fake: []benchtest.Option{benchtest.WithLatency(benchtest.Constant(10 * time.Millisecond)),
			benchtest.WithCapacity(2)},
		check:  Check{Load: load(8), SLO: slo, MinTPS: 400, MaxErrorRate: 0.01},
		reason: "throughput:",
	}, {
		// Throttled requests fail fast, so a harness that only looked at the latency of
		// successes (or at throughput) would pass this server.
		name: "throttling spends the error budget",
		fake: []benchtest.Option{benchtest.WithLatency(benchtest.Constant(2 * time.Millisecond)),
			benchtest.WithErrorEvery(10, benchtest.ErrThrottled)},
		check:  Check{Load: load(4), SLO: slo, MaxErrorRate: 0.01},
		reason: "throttled",
	}, {
		name: "model errors are counted as errors, not as fast answers",
		fake: []benchtest.Option{benchtest.WithLatency(benchtest.Constant(2 * time.Millisecond)),
			benchtest.WithErrorRate(0.3, benchtest.ErrModel)},
		check:  Check{Load: load(4), SLO: slo, MaxErrorRate: 0.05},
		reason: "model_error",
	}, {
		name:   "a server that fails everything fails, without a latency to judge",
		fake:   []benchtest.Option{benchtest.WithErrorRate(1, benchtest.ErrServer)},
		check:  Check{Load: load(2), SLO: slo, MaxErrorRate: 0.5},
		reason: "no successful request",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := benchtest.New(tt.fake...)
			v, err := Evaluate(context.Background(), fake, tt.check)
			require.NoError(t, err)
			assert.Equal(t, tt.pass, v.Pass, "verdict:\n%s", v)
			if tt.reason != "" {
				assert.Contains(t, strings.Join(v.Reasons, "\n"), tt.reason)
			}
			// The harness measured the fake, not something else: every call it counted
			// reached the fake.
			assert.LessOrEqual(t, v.Result.Requests, fake.Calls())
		})
	}
}

// TestEvaluateQueueingShowsInLatency checks the harness against the truth of a capacity
// limit: 8 clients on 2 workers of 20ms wait three service times in the queue, so p99 is
// near 80ms; an SLO of 50ms must fail on latency even though every request succeeds.
func TestEvaluateQueueingShowsInLatency(t *testing.T) {
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(20*time.Millisecond)), benchtest.WithCapacity(2))
	v, err := Evaluate(context.Background(), fake, Check{Load: load(8),
		SLO: bench.SLO{Percentile: 99, Max: 50 * time.Millisecond}, MaxErrorRate: 0.01})
	require.NoError(t, err)
	assert.False(t, v.Pass)
	assert.Zero(t, v.Result.Errors)
	assert.LessOrEqual(t, fake.MaxInFlight(), int64(2))
	assert.Greater(t, v.Result.Throughput, 50.0)
	assert.LessOrEqual(t, v.Result.Throughput, 110.0, "2 workers / 20ms at most")
	assert.Greater(t, v.Result.Latency.P50, 60*time.Millisecond, "queueing is latency")
}

func TestEvaluateRefusesACheckWithoutSLO(t *testing.T) {
	_, err := Evaluate(context.Background(), benchtest.New(), Check{Load: load(1)})
	assert.ErrorContains(t, err, "SLO")
}

func TestEvaluateCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Evaluate(ctx, benchtest.New(), Check{Load: load(1), SLO: bench.SLO{Percentile: 99, Max: time.Second}})
	assert.ErrorIs(t, err, context.Canceled)
}

// TestRun drives the command's own path (flags to verdict) against a loopback server.
func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/invocations" {
			_, _ = w.Write([]byte(`{"top5":[1,2,3,4,5]}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	o := options{url: srv.URL, mode: "sagemaker", concurrency: 2, duration: 300 * time.Millisecond,
		slo: "p99=2s", maxErrors: 0.01}
	var out strings.Builder
	require.NoError(t, run(context.Background(), o, &out))
	assert.True(t, strings.HasPrefix(out.String(), "PASS:"), out.String())

	o.minTPS = 1e9
	err := run(context.Background(), o, &out)
	var failed *CheckFailed
	require.ErrorAs(t, err, &failed)
	assert.Contains(t, failed.Verdict.Reasons[0], "throughput")
}

func TestParseSLO(t *testing.T) {
	s, err := parseSLOFlag("p99.9=1.5s")
	require.NoError(t, err)
	assert.Equal(t, bench.SLO{Percentile: 99.9, Max: 1500 * time.Millisecond}, s)
	for _, bad := range []string{"", "p99", "99=1s", "p0=1s", "p101=1s", "p99=-1s", "p99=fast"} {
		_, err := parseSLOFlag(bad)
		assert.Error(t, err, bad)
	}
}

func ExampleEvaluate() {
	// Every tenth call is throttled: 10 of the 100 measured requests fail.
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(2*time.Millisecond)),
		benchtest.WithErrorEvery(10, benchtest.ErrThrottled))
	v, err := Evaluate(context.Background(), fake, Check{
		Load:         bench.Config{Concurrency: 1, Requests: 100, Payloads: []payload.Payload{img}},
		SLO:          bench.SLO{Percentile: 99, Max: time.Second},
		MaxErrorRate: 0.01,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Pass, v.Reasons)
	// Output: false [errors: 10.0% > 1.0% (throttled 10)]
}
