package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunRequestsBoundedIsExact(t *testing.T) {
	t.Parallel()
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

// An open loop bounded by Requests makes exactly that many and accounts for every send.
func TestRunOpenLoopMakesExactlyTheRequestsAsked(t *testing.T) {
	t.Parallel()
	res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithLatency(benchtest.Constant(2*time.Millisecond))), bench.Config{
		Rate: 2000, Requests: 500, Concurrency: 4, Warmup: 50 * time.Millisecond, Payloads: body})
	require.NoError(t, err)
	assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "every send accounted for")
	assert.Equal(t, int64(500), res.Requests)
	// A Requests-bounded open loop has no rate invariant over Elapsed: its window runs on
	// until the last send completes (the backlog drains), which Result.Offered documents.
	assert.GreaterOrEqual(t, res.Offered, int64(500), "offered fewer than the 500 requests made")
}

// A closed loop bounded by Requests makes exactly that many, whatever the Concurrency.
func TestRunClosedLoopMakesExactlyTheRequestsAsked(t *testing.T) {
	res, err := bench.Run(context.Background(), benchtest.New(), bench.Config{
		Concurrency: 7, Requests: 1001, Warmup: 20 * time.Millisecond, Payloads: body})
	require.NoError(t, err)
	assert.Equal(t, int64(1001), res.Requests)
}
