package bench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
)

// sweepOrHang runs Sweep in a goroutine and fails the test, instead of hanging the suite,
// when it has not returned after a minute: the bound only catches a hang, it times nothing.
func sweepOrHang(t *testing.T, ctx context.Context, inv bench.Invoker, cfg bench.SweepConfig) (*bench.SweepResult, error) {
	t.Helper()
	type out struct {
		res *bench.SweepResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := bench.Sweep(ctx, inv, cfg)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(time.Minute):
		t.Fatal("Sweep did not return within a minute")
		return nil, nil
	}
}

func TestSweepSurvivesAPanickingProgress(t *testing.T) {
	t.Parallel()
	// Window events reach Progress from the run's collector goroutine: a panic there is
	// recovered, so it cannot kill the process past every defer of the caller.
	cfg := quickSweep(1, 2)
	cfg.Base.Duration = 100 * time.Millisecond // the panic's recovery does not need long windows
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

// SweepConfig.Progress is called on a goroutine of its own, as Run's Progress is: one
// that blocks (a stuck terminal, a full channel) does not hold a canceled Sweep, nor the
// caller that would delete the endpoint being paid for.
func TestSweepReturnsBesideABlockedProgress(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	defer close(block)
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quickSweep(1, 2)
	cfg.Base.Interval = 10 * time.Millisecond
	cfg.Progress = func(bench.SweepProgress) {
		once.Do(cancel) // the user gives up: Ctrl-C
		<-block
	}
	_, err := sweepOrHang(t, ctx, sleeperInvoker(time.Millisecond), cfg)
	assert.ErrorIs(t, err, context.Canceled)
}

// Without SweepConfig.Progress, a Base.Progress that blocks does not hold a canceled
// Sweep either.
func TestSweepReturnsBesideABlockedStepProgress(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	defer close(block)
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quickSweep(1, 2)
	cfg.Base.Interval = 10 * time.Millisecond
	cfg.Base.Progress = func(bench.Snapshot) {
		once.Do(cancel)
		<-block
	}
	_, err := sweepOrHang(t, ctx, sleeperInvoker(time.Millisecond), cfg)
	assert.ErrorIs(t, err, context.Canceled)
}

// A sweep whose Progress keeps up gets every event in order before Sweep returns, and a
// Progress stuck in its last call is given up on with a warning, not waited for.
func TestSweepDeliversEveryEventAndWarnsWhenItGivesUp(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []bench.SweepProgress
	cfg := quickSweep(1, 2)
	cfg.Base.Duration = 100 * time.Millisecond // delivery does not depend on the windows' length
	cfg.Base.Interval = 10 * time.Millisecond
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
