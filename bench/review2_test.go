package bench_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
)

func TestRunInvariantsHoldWhateverEndsTheRun(t *testing.T) {
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

func TestResultJSONRoundTripsEveryField(t *testing.T) {
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond)),
		benchtest.WithErrorEvery(4, benchtest.ErrThrottled), benchtest.WithStall(30, 300*time.Millisecond))
	res, err := bench.Run(context.Background(), fake, bench.Config{
		Rate: 500, Concurrency: 2, MaxBacklog: 2, Duration: 200 * time.Millisecond,
		Interval: 50 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	require.Positive(t, res.Unfinished+res.Missed)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var back bench.Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, res.Offered, back.Offered)
	assert.Equal(t, res.Unfinished, back.Unfinished)
	assert.Equal(t, res.Missed, back.Missed)
	assert.Equal(t, res.ClientMissed, back.ClientMissed)
	assert.Equal(t, res.ClientLate, back.ClientLate)
	assert.Equal(t, res.MaxBacklog, back.MaxBacklog)
	assert.Equal(t, res.LatencyAll, back.LatencyAll)
	assert.Equal(t, res.Latency, back.Latency)
	assert.Equal(t, res.PercentileAll(99), back.PercentileAll(99))
	assert.Equal(t, res.Warnings, back.Warnings)
	assert.Equal(t, res.ErrorsByClass, back.ErrorsByClass)
	assert.True(t, res.Start.Equal(back.Start) && res.End.Equal(back.End))
	b2, err := json.Marshal(&back)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2), "a decoded Result encodes to the same JSON")
	// Merging the decoded copy recomputes its figures from what JSON kept: nothing lost.
	m := back.Clone()
	require.NoError(t, m.Merge(&bench.Result{}))
	assert.Equal(t, res.LatencyAll, m.LatencyAll)
}

func TestMergeOfDifferentIntervalsIsAnErrorNotAPanic(t *testing.T) {
	run := func(iv time.Duration) *bench.Result {
		res, err := bench.Run(context.Background(), sleeperInvoker(0), bench.Config{
			Concurrency: 1, Duration: 30 * time.Millisecond, Interval: iv, Payloads: body,
		})
		require.NoError(t, err)
		return res
	}
	a, b := run(10*time.Millisecond), run(time.Millisecond)
	before := a.Requests
	err := a.Merge(b)
	require.Error(t, err)
	assert.Equal(t, before, a.Requests, "a refused merge changes nothing")
}

func TestSweepSurvivesAPanickingProgress(t *testing.T) {
	// Window events reach Progress from the run's collector goroutine: before the fix a
	// panic there killed the process past every defer of the caller.
	cfg := quickSweep(1, 2)
	cfg.Progress = func(p bench.SweepProgress) {
		if p.WindowDone != nil {
			panic("window boom")
		}
	}
	res, err := bench.Sweep(context.Background(), sleeperInvoker(time.Millisecond), cfg)
	require.NoError(t, err)
	require.NotEmpty(t, res.Steps)
	assert.True(t, hasWarning(res.Steps[0].Result, "Progress panicked"), "warnings: %q", res.Steps[0].Result.Warnings)
}

func TestSweepAllRungsBreakingTheSLOHasNoPeak(t *testing.T) {
	cfg := quickSweep(1, 2, 4)
	cfg.SLO = &bench.SLO{Percentile: 50, Max: time.Millisecond}
	res, err := bench.Sweep(context.Background(), sleeperInvoker(10*time.Millisecond), cfg)
	require.NoError(t, err)
	assert.Equal(t, bench.StopSLO, res.Stop)
	assert.Equal(t, -1, res.Peak)
	assert.Contains(t, res.Verdict(), "no step met")
}

func TestMergeRefusesAResultWhoseLatencyItCannotMerge(t *testing.T) {
	// A hand-built Result (or JSON without its histogram) has a Latency summary but no
	// histogram. Before the fix Merge silently replaced its p99 with the other side's.
	run, err := bench.Run(context.Background(), sleeperInvoker(0), bench.Config{Requests: 10, Payloads: body})
	require.NoError(t, err)
	hand := &bench.Result{Start: run.Start.Add(-10 * time.Second), End: run.Start, Elapsed: 10 * time.Second,
		Concurrency: 1, BatchSize: 1, Requests: 100, Latency: bench.Latency{P50: time.Second, P99: 2 * time.Second}}
	for _, c := range []struct{ into, from *bench.Result }{{hand.Clone(), run}, {run.Clone(), hand}} {
		err := c.into.Merge(c.from)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "histogram")
	}
	assert.Equal(t, 2*time.Second, hand.Percentile(99))
}

// Sweep calls SweepConfig.Progress synchronously, from the run's collector for snapshots
// and window ends: a Progress that blocks (a stuck terminal, a full channel) holds the
// collector, so a canceled Sweep never returns, and neither does the caller that would
// delete the endpoint being paid for. bench.Run's Progress cannot do this any more; a
// Sweep's must not either.
func TestReview2SweepReturnsBesideABlockedProgress(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quickSweep(1, 2)
	cfg.Step.Interval = 10 * time.Millisecond
	cfg.Progress = func(bench.SweepProgress) {
		once.Do(cancel) // the user gives up: Ctrl-C
		<-block
	}
	done := make(chan error, 1)
	go func() {
		_, err := bench.Sweep(ctx, sleeperInvoker(time.Millisecond), cfg)
		done <- err
	}()
	select {
	case err := <-done:
		close(block)
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute): // a hang detector: Sweep returns in well under a second
		close(block)
		<-done
		t.Fatal("Sweep still running a minute after its context was canceled: a blocked Progress held it")
	}
}

// Without SweepConfig.Progress, a Step.Progress was called on the windowed run's
// collector: one that blocked held the canceled sweep the same way.
func TestReview2SweepReturnsBesideABlockedStepProgress(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quickSweep(1, 2)
	cfg.Step.Interval = 10 * time.Millisecond
	cfg.Step.Progress = func(bench.Snapshot) {
		once.Do(cancel)
		<-block
	}
	done := make(chan error, 1)
	go func() {
		_, err := bench.Sweep(ctx, sleeperInvoker(time.Millisecond), cfg)
		done <- err
	}()
	select {
	case err := <-done:
		close(block)
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute): // a hang detector
		close(block)
		<-done
		t.Fatal("Sweep still running a minute after its context was canceled: a blocked Step.Progress held it")
	}
}

// A sweep whose Progress keeps up gets every event in order before Sweep returns, and a
// Progress stuck in its last call is given up on with a warning, not waited for.
func TestReview2SweepDeliversEveryEventAndWarnsWhenItGivesUp(t *testing.T) {
	var mu sync.Mutex
	var got []bench.SweepProgress
	cfg := quickSweep(1, 2)
	cfg.Step.Interval = 10 * time.Millisecond
	cfg.Progress = func(p bench.SweepProgress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}
	res, err := bench.Sweep(context.Background(), sleeperInvoker(time.Millisecond), cfg)
	require.NoError(t, err)
	mu.Lock()
	steps := 0
	for i, p := range got {
		if p.StepDone != nil {
			steps++
		}
		if i > 0 {
			assert.GreaterOrEqual(t, p.Step, got[i-1].Step, "event %d out of order", i)
		}
	}
	mu.Unlock()
	assert.Equal(t, len(res.Steps), steps, "every StepDone is delivered before Sweep returns")
	require.NotEmpty(t, got)
	assert.NotNil(t, got[len(got)-1].StepDone, "the last event is the last step's end")

	block := make(chan struct{})
	defer close(block)
	cfg.Progress = func(p bench.SweepProgress) {
		if p.StepDone != nil {
			<-block
		}
	}
	res, err = bench.Sweep(context.Background(), sleeperInvoker(time.Millisecond), cfg)
	require.NoError(t, err)
	require.NotEmpty(t, res.Steps)
	last := res.Steps[len(res.Steps)-1].Result
	assert.True(t, hasWarning(last, "Progress was stuck or fell behind"), "warnings: %q", last.Warnings)
}
