package bench_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunRefusesConfigsItCannotSchedule(t *testing.T) {
	// A rate so low that the pacer's set-up would loop forever, and a MaxBacklog or
	// Concurrency too large to allocate, are refused as invalid, never run or panicked on.
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

// A Warmup longer than the Duration does not eat the measured window: Elapsed is the
// Duration, an open loop offers its Rate over it, and Little's law holds.
func TestRunWithAWarmupLongerThanTheDurationMeasuresTheDuration(t *testing.T) {
	for _, rate := range []float64{0, 200} {
		res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond))), bench.Config{
			Rate: rate, Concurrency: 2, Warmup: 300 * time.Millisecond, Duration: 100 * time.Millisecond, Payloads: body, Interval: 10 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, 100*time.Millisecond, res.Elapsed, "rate %v", rate)
		if rate > 0 {
			assert.Equal(t, int64(20), res.Offered, "rate %v", rate)
			assert.Equal(t, res.Offered, res.Requests+res.Missed+res.Unfinished, "rate %v", rate)
		}
		if rate == 0 && res.LittlesLaw != nil {
			assert.True(t, res.LittlesLaw.Holds, "Little's law: %+v", res.LittlesLaw)
		}
	}
}

// A NaN, infinite or negative Rate, a negative Concurrency and an Interval under a
// millisecond are refused.
func TestRunRefusesANaNInfiniteOrNegativeRateConcurrencyOrInterval(t *testing.T) {
	for _, c := range []bench.Config{
		{Rate: math.NaN()}, {Rate: math.Inf(1)}, {Rate: -1}, {Concurrency: -1}, {Interval: 100},
	} {
		c.Payloads = body
		_, err := bench.Run(context.Background(), benchtest.New(), c)
		assert.Error(t, err, "%+v accepted", c)
	}
}
