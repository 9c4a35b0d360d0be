package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
)

func TestSweepWindowsAreSlicesOfOneContinuousRun(t *testing.T) {
	// 300 ms latency, 4 workers, 600 ms windows: true throughput 13.3 req/s. When every
	// window was a fresh Run, each repeated the cold start and cut its tail: 8.0 req/s.
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(300 * time.Millisecond)))
	var windows []*bench.Result
	res, err := bench.Sweep(context.Background(), fake, bench.SweepConfig{
		Levels:        []int{4},
		Base:          bench.Config{Duration: 600 * time.Millisecond, Payloads: body},
		StableWindows: 2, MaxWindows: 3, Tolerance: new(0.2),
		Progress: func(p bench.SweepProgress) {
			if p.WindowDone != nil {
				windows = append(windows, p.WindowDone)
			}
		},
	})
	require.NoError(t, err)
	require.Len(t, res.Steps, 1)
	want := 4 / 0.3
	assert.InEpsilon(t, want, res.Steps[0].Result.Throughput, 0.03, "step throughput vs Concurrency / latency")
	require.NotEmpty(t, windows)
	for i, w := range windows {
		require.NotNil(t, w.LittlesLaw)
		assert.True(t, w.LittlesLaw.Holds, "window %d: %v", i+1, w.LittlesLaw)
		assert.Equal(t, bench.LittlesLawTolerance, w.LittlesLaw.Tolerance, "no allowance for the window's edges")
		if i > 0 {
			assert.Equal(t, windows[i-1].End, w.Start, "windows are consecutive")
		}
	}
}

func TestSweepZeroThresholdsAreExpressible(t *testing.T) {
	t.Parallel()
	// MaxErrorRate: 0 used to become 1%: one error in 1000 did not stop the sweep. The
	// fake answers at once, so a step makes thousands of requests however busy the
	// machine is (at 1 ms each a starved step made under 1000, and saw no error at all).
	fake := benchtest.New(benchtest.WithErrorEvery(1000, benchtest.ErrServer))
	cfg := quickSweep(1, 2, 4)
	cfg.MaxErrorRate = new(0.0)
	res, err := bench.Sweep(context.Background(), fake, cfg)
	require.NoError(t, err)
	assert.Equal(t, bench.StopErrors, res.Stop, res.StopDetail)
	assert.Positive(t, res.Steps[len(res.Steps)-1].Result.Errors)
	assert.Less(t, res.Steps[len(res.Steps)-1].ErrorRate, 0.01, "under the old 1% default")

	// Tolerance 0: windows must agree exactly, which real windows never do.
	cfg = quickSweep(1)
	cfg.Tolerance = new(0.0)
	res, err = bench.Sweep(context.Background(), benchtest.New(benchtest.WithLatency(benchtest.Uniform(time.Millisecond, 3*time.Millisecond))), cfg)
	require.NoError(t, err)
	assert.False(t, res.Steps[0].Stable)
	assert.Equal(t, cfg.MaxWindows, res.Steps[0].Windows)

	// A nil threshold is the default; a negative one is refused.
	cfg.MinGain = new(-0.1)
	_, err = bench.Sweep(context.Background(), fake, cfg)
	assert.ErrorContains(t, err, "not negative")
}

func TestSweepOpenLoopPeakMustSustainItsRate(t *testing.T) {
	// Two model workers of 10 ms: 200 req/s at most. 400 and 1600 req/s miss sends; their
	// throughput (about 200) beats the 100 req/s rung's, but they did not sustain their
	// rate, so they cannot be the peak.
	fake := benchtest.New(benchtest.WithCapacity(2), benchtest.WithLatency(benchtest.Constant(10*time.Millisecond)))
	cfg := quickSweep()
	cfg.Levels = nil
	cfg.Rates = []float64{100, 400, 1600}
	cfg.Base.Concurrency = 4
	cfg.Base.MaxBacklog = 4
	res, err := bench.Sweep(context.Background(), fake, cfg)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(res.Steps), 2)
	assert.True(t, res.Steps[0].Sustained)
	assert.False(t, res.Steps[1].Sustained, "missed %d", res.Steps[1].Result.Missed)
	assert.Greater(t, res.Steps[1].Result.Throughput, res.Steps[0].Result.Throughput)
	assert.Equal(t, 0, res.Peak, res.Verdict())
}
