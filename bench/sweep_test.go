package bench_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

var body = []payload.Payload{{Name: "p", ContentType: "application/octet-stream", Body: []byte("x")}}

// quickSweep is a sweep with short windows, for tests.
func quickSweep(levels ...int) bench.SweepConfig {
	return bench.SweepConfig{
		Levels:        levels,
		Base:          bench.Config{Duration: 250 * time.Millisecond, Payloads: body},
		StableWindows: 3,
		MaxWindows:    4,
		Tolerance:     new(0.2),
		MinGain:       new(0.2),
	}
}

func TestSweepFindsPeakAndKneeAtCapacity(t *testing.T) {
	// K = 4 model workers, S = 10 ms: the endpoint cannot exceed K/S = 400 req/s, and
	// adding clients beyond 4 only queues them.
	fake := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(10*time.Millisecond)))
	res, err := bench.Sweep(context.Background(), fake, quickSweep(1, 2, 4, 8, 16, 32, 64))
	require.NoError(t, err)

	assert.Equal(t, bench.StopPlateau, res.Stop, res.StopDetail)
	require.Len(t, res.Steps, 5, "4 -> 8 -> 16 gains nothing: two flat steps stop the sweep")
	require.GreaterOrEqual(t, res.Knee, 0)
	assert.Equal(t, 4, res.Steps[res.Knee].Concurrency, "the knee is at the capacity")
	require.GreaterOrEqual(t, res.Peak, 0)
	peak := res.Steps[res.Peak]
	assert.GreaterOrEqual(t, peak.Concurrency, 4)
	assert.InDelta(t, 400, peak.Result.Throughput, 80)
	assert.LessOrEqual(t, peak.Result.Throughput, 404.0)
	for _, s := range res.Steps {
		assert.GreaterOrEqual(t, s.Windows, 3, "a step takes at least StableWindows windows")
		assert.LessOrEqual(t, s.Windows, 4)
		assert.Equal(t, s.Concurrency, s.Result.Concurrency, "windows of one step must not add workers")
	}
	assert.Contains(t, res.Verdict(), "req/s at ")
}

func TestSweepStopsWhenSLOBreaks(t *testing.T) {
	// S = 40 ms, K = 4: 4 clients see 40 ms, 8 clients queue for one more service: 80 ms.
	// The SLO sits halfway, on the median: a p99 of a window of a hundred requests is
	// nearly its maximum, which one scheduling hiccup on a busy machine can push past any
	// bound, while the median moves only if the service time itself does.
	fake := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(40*time.Millisecond)))
	cfg := quickSweep(2, 4, 8, 16)
	cfg.SLO = &bench.SLO{Percentile: 50, Max: 60 * time.Millisecond}
	res, err := bench.Sweep(context.Background(), fake, cfg)
	require.NoError(t, err)

	assert.Equal(t, bench.StopSLO, res.Stop, res.StopDetail)
	require.Len(t, res.Steps, 3)
	assert.False(t, res.Steps[2].MetSLO)
	require.Equal(t, 1, res.Peak, "the peak is the best step that met the SLO")
	assert.Equal(t, 4, res.Steps[res.Peak].Concurrency)
	assert.Contains(t, res.Verdict(), "<= 60ms")
}

func TestSweepStopsOnErrorRate(t *testing.T) {
	t.Parallel()
	// The fake answers at once: every 10th request fails, and a step makes enough of them
	// for its error rate to read 10% however busy the machine is.
	fake := benchtest.New(benchtest.WithErrorEvery(10, benchtest.ErrThrottled))
	res, err := bench.Sweep(context.Background(), fake, quickSweep(1, 2, 4))
	require.NoError(t, err)
	assert.Equal(t, bench.StopErrors, res.Stop)
	require.Len(t, res.Steps, 1)
	assert.InDelta(t, 0.10, res.Steps[0].ErrorRate, 0.02)
	assert.Equal(t, -1, res.Peak, "a step over the error bound cannot be the peak")
}

func TestSweepOpenLoopLadder(t *testing.T) {
	fake := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(10*time.Millisecond)))
	cfg := quickSweep()
	cfg.Levels = nil
	cfg.Rates = []float64{100, 200, 1000}
	// 250 ms, not 100: under -race on a loaded 2-core machine the pacer itself releases
	// sends late and 200 req/s reached a p99 of 90-110 ms; 1000 req/s still breaks it by
	// far (its backlog grows for the whole window, p99 over 700 ms).
	cfg.SLO = &bench.SLO{Percentile: 99, Max: 250 * time.Millisecond}
	res, err := bench.Sweep(context.Background(), fake, cfg)
	require.NoError(t, err)
	// 1000 req/s offered to a 400 req/s endpoint: the backlog grows for the whole window
	// and latency counted from the intended send time breaks the objective.
	assert.Equal(t, bench.StopSLO, res.Stop, res.StopDetail)
	require.Len(t, res.Steps, 3)
	assert.Equal(t, 1, res.Peak)
	assert.InDelta(t, 200, res.Steps[1].Result.Throughput, 30)
}

func TestSweepCancelReturnsStepsSoFar(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond)))
	cfg := quickSweep(1, 2, 4, 8)
	cfg.Base.Duration = 100 * time.Millisecond // the cancellation does not depend on the windows' length
	cfg.MinGain = new(0.01)
	cfg.Progress = func(p bench.SweepProgress) {
		if p.StepDone != nil && p.Step == 1 {
			cancel()
		}
	}
	res, err := bench.Sweep(ctx, fake, cfg)
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	assert.Len(t, res.Steps, 2)
	assert.Equal(t, bench.StopCanceled, res.Stop)
}

func TestSweepRejectsBadConfig(t *testing.T) {
	fake := benchtest.New()
	for name, cfg := range map[string]bench.SweepConfig{
		"both ladders": {Levels: []int{1}, Rates: []float64{1}, Base: bench.Config{Payloads: body}},
		"zero level":   {Levels: []int{0}, Base: bench.Config{Payloads: body}},
		"bad SLO":      {SLO: &bench.SLO{Percentile: 120, Max: time.Second}, Base: bench.Config{Payloads: body}},
		"no payloads":  {},
	} {
		_, err := bench.Sweep(context.Background(), fake, cfg)
		assert.Error(t, err, name)
	}
}

func TestGeometric(t *testing.T) {
	assert.Equal(t, []int{1, 2, 4, 8, 16, 32, 64}, bench.Geometric(1, 64, 2))
	assert.Equal(t, []int{1, 2, 3, 5, 7, 11, 17, 25}, bench.Geometric(1, 30, 1.5))
	assert.Nil(t, bench.Geometric(0, 8, 2))
}

func TestParseSLO(t *testing.T) {
	for in, want := range map[string]bench.SLO{
		"p99=200ms":   {Percentile: 99, Max: 200 * time.Millisecond},
		"p99.9<=1.5s": {Percentile: 99.9, Max: 1500 * time.Millisecond},
		"p50 <= 20ms": {Percentile: 50, Max: 20 * time.Millisecond},
		"p100=1m":     {Percentile: 100, Max: time.Minute},
	} {
		got, err := bench.ParseSLO(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "p99", "99=1s", "p0=1s", "p101=1s", "p99=-1s", "p99=fast", "pNaN=1s"} {
		_, err := bench.ParseSLO(bad)
		assert.Error(t, err, bad)
	}
}

// An endpoint that never answers within a step: every request is unfinished at the end of
// every window. Such a step is not "stable" because its zeros agree, and the sweep's
// verdict names no peak (never "peak 0.0 req/s at 1 workers").
func TestSweepStepWhereNothingCompletedIsNotStableAndHasNoPeak(t *testing.T) {
	t.Parallel()
	hang := bench.InvokerFunc(func(ctx context.Context, _ payload.Payload) error {
		<-ctx.Done()
		return ctx.Err()
	})
	cfg := quickSweep(1, 2, 4)
	cfg.StableWindows, cfg.MaxWindows = 2, 2
	cfg.Base.Duration = 100 * time.Millisecond
	res, err := bench.Sweep(context.Background(), hang, cfg)
	require.NoError(t, err)
	require.Len(t, res.Steps, 1, "a step where nothing completed stops the sweep: more load cannot tell more")
	assert.False(t, res.Steps[0].Stable, "no request completed: nothing to be stable about")
	assert.Zero(t, res.Steps[0].Result.Requests)
	assert.Equal(t, bench.StopNothingDone, res.Stop, res.StopDetail)
	assert.Equal(t, -1, res.Peak)
	assert.Contains(t, res.Verdict(), "no step met")
	assert.NotContains(t, res.Verdict(), "peak")
}

// A ladder whose second rung Run cannot schedule is refused before any step runs. Before
// the fix step 1 ran, and the sweep then ended "canceled during step 2".
func TestSweepRefusesAnImpossibleLadderBeforeTheFirstStep(t *testing.T) {
	for name, cfg := range map[string]bench.SweepConfig{
		"level above MaxConcurrency": {Levels: []int{1, bench.MaxConcurrency + 1}},
		"rate below MinRate":         {Rates: []float64{10, 1e-9}},
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int64
			inv := bench.InvokerFunc(func(context.Context, payload.Payload) error {
				calls.Add(1)
				return nil
			})
			cfg.Base = bench.Config{Duration: 50 * time.Millisecond, Payloads: body}
			res, err := bench.Sweep(context.Background(), inv, cfg)
			require.Error(t, err)
			assert.Nil(t, res)
			assert.Contains(t, err.Error(), "step 2")
			assert.NotContains(t, err.Error(), "canceled")
			assert.Zero(t, calls.Load(), "no step may run before the ladder is checked")
		})
	}
}

// SLO{Max: 100} is 100 ns, a typo for 100 ms; it was accepted silently and every step
// broke it.
func TestSLOUnderAMicrosecondIsRefusedWithTheBoundItProbablyMeant(t *testing.T) {
	slo := bench.SLO{Percentile: 99, Max: 100}
	err := slo.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean 100ms?")
	require.NoError(t, bench.SLO{Percentile: 99, Max: time.Microsecond}.Validate())

	_, err = bench.Sweep(context.Background(), benchtest.New(), bench.SweepConfig{
		Levels: []int{1}, SLO: &slo, Base: bench.Config{Payloads: body}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean 100ms?")

	_, err = bench.ParseSLO("p99=100ns")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean 100ms?")
}

// Rates under 1 req/s were printed with %.0f: "peak 5.0 req/s at 0 req/s offered".
func TestSweepVerdictPrintsRatesUnderOnePerSecond(t *testing.T) {
	sr := &bench.SweepResult{Peak: 0, Knee: 0, Stop: bench.StopLadderDone, StopDetail: "ladder done",
		Steps: []bench.Step{{Rate: 0.5, Result: &bench.Result{Rate: 0.5, Throughput: 0.45}}}}
	v := sr.Verdict()
	assert.Contains(t, v, "at 0.5 req/s offered", v)
	assert.Contains(t, v, "peak 0.45 req/s", v)
}

// A Result without its histogram (built by hand, or decoded from a summary) knows only
// the percentiles of its Latency: an objective on another percentile cannot be judged, and
// is not met, whatever its bound.
func TestSLOIsNotMetByAPercentileTheResultDoesNotHold(t *testing.T) {
	r := &bench.Result{Requests: 100, Latency: bench.Latency{P50: time.Second, P90: 4 * time.Second, P99: 5 * time.Second}}
	assert.True(t, bench.SLO{Percentile: 99, Max: 6 * time.Second}.Met(r))
	assert.False(t, bench.SLO{Percentile: 99, Max: time.Second}.Met(r))
	assert.False(t, bench.SLO{Percentile: 97, Max: 100 * time.Millisecond}.Met(r), "p97 is unknown, not 0")
	assert.False(t, bench.SLO{Percentile: 99.9, Max: time.Hour}.Met(r), "P999 is not set")
}

func TestSweepAllRungsBreakingTheSLOHasNoPeak(t *testing.T) {
	t.Parallel()
	cfg := quickSweep(1, 2, 4)
	cfg.SLO = &bench.SLO{Percentile: 50, Max: time.Millisecond}
	res, err := bench.Sweep(context.Background(), sleeperInvoker(10*time.Millisecond), cfg)
	require.NoError(t, err)
	assert.Equal(t, bench.StopSLO, res.Stop)
	assert.Equal(t, -1, res.Peak)
	assert.Contains(t, res.Verdict(), "no step met")
}
