package bench

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/sagebench/sagebench/internal/deliver"
)

// Sweep climbs cfg's ladder one step at a time, measuring each step in windows until the
// last few agree (or a cap is reached), and stops when the latency SLO breaks, the error
// rate passes its bound, throughput stops growing, or the ladder ends. It answers the
// question a fixed concurrency cannot: the highest throughput the endpoint sustains
// within the objective, and where adding load stops paying.
//
// On cancellation Sweep returns the steps completed so far with ctx's error.
func Sweep(ctx context.Context, inv Invoker, cfg SweepConfig) (res *SweepResult, err error) {
	if inv == nil {
		return nil, fmt.Errorf("bench: sweep: nil invoker")
	}
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Base.withDefaults(); err != nil {
		return nil, fmt.Errorf("bench: sweep: step: %w", err)
	}
	if stepProgress := cfg.Base.Progress; cfg.Progress == nil && stepProgress != nil {
		// Delivered as SweepConfig.Progress is, never on a run's collector.
		cfg.Progress = func(p SweepProgress) {
			if p.Snapshot != nil {
				stepProgress(*p.Snapshot)
			}
		}
	}
	res = &SweepResult{Peak: -1, Knee: -1, SLO: cfg.SLO}
	prog := newSweepProgress(cfg.Progress)
	defer prog.close(res)
	n := max(len(cfg.Levels), len(cfg.Rates))
	best, flat := 0.0, 0
	for i := range n {
		step, err := measureStep(ctx, inv, cfg, i, prog)
		if err != nil {
			res.Stop, res.StopDetail = StopCanceled, fmt.Sprintf("%s during step %d", StopCanceled, i+1)
			return res, err
		}
		res.Steps = append(res.Steps, *step)
		prog.call(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate,
			Window: step.Windows, StepDone: step})
		tput := step.Result.Throughput
		minGain, maxErr := *cfg.MinGain, *cfg.MaxErrorRate
		grew := tput > best*(1+minGain)
		if grew {
			res.Knee, flat = i, 0
		} else {
			flat++
		}
		best = math.Max(best, tput)
		ok := step.MetSLO && step.ErrorRate <= maxErr && step.Sustained && tput > 0
		if ok && (res.Peak < 0 || tput > res.Steps[res.Peak].Result.Throughput) {
			res.Peak = i
		}
		switch {
		case step.Result.Requests == 0:
			res.Stop = StopNothingDone
			res.StopDetail = fmt.Sprintf("no request completed in %d windows of %v at %s (%d unfinished)",
				step.Windows, cfg.Base.Duration, step.level(), step.Result.Unfinished)
		case step.ErrorRate > maxErr:
			res.Stop = StopErrors
			res.StopDetail = fmt.Sprintf("errors %.1f%% > %.1f%% at %s", 100*step.ErrorRate, 100*maxErr, step.level())
		case !step.MetSLO:
			res.Stop = StopSLO
			res.StopDetail = fmt.Sprintf("%s broken at %s (%v)", cfg.SLO, step.level(),
				step.Result.Percentile(cfg.SLO.Percentile))
		case flat >= cfg.PlateauSteps:
			res.Stop = StopPlateau
			res.StopDetail = fmt.Sprintf("throughput gained under %.0f%% for %d steps, up to %s",
				100*minGain, flat, step.level())
		}
		if res.Stop != "" {
			return res, nil
		}
	}
	res.Stop, res.StopDetail = StopLadderDone, string(StopLadderDone)
	return res, nil
}

func (s *Step) level() string {
	if s.Rate > 0 {
		return fmt.Sprintf("%s req/s", formatRate(s.Rate))
	}
	return fmt.Sprintf("%d workers", s.Concurrency)
}

// measureStep runs step i as one continuous run cut into windows, until the last
// StableWindows agree or MaxWindows have run. Only the first window follows the warmup;
// requests in flight at a window's end complete, and count, in the next.
func measureStep(ctx context.Context, inv Invoker, cfg SweepConfig, i int, prog *sweepProgress) (*Step, error) {
	run := cfg.stepConfig(i)
	step := &Step{Concurrency: run.Concurrency, Rate: run.Rate}
	var windows []*Result
	if cfg.Progress != nil {
		run.Progress = func(s Snapshot) {
			prog.call(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate,
				Window: len(windows) + 1, Snapshot: &s})
		}
	}
	err := runWindows(ctx, inv, run, cfg.MaxWindows, func(r *Result) bool {
		windows = append(windows, r)
		if step.Concurrency == 0 {
			step.Concurrency = r.Concurrency
		}
		step.Windows = len(windows)
		prog.call(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate,
			Window: len(windows), WindowDone: r})
		if len(windows) >= cfg.StableWindows && stable(windows[len(windows)-cfg.StableWindows:], cfg) {
			step.Stable = true
		}
		return step.Stable || len(windows) == cfg.MaxWindows
	})
	if err != nil {
		return nil, err
	}
	if len(windows) == 0 {
		return nil, fmt.Errorf("bench: sweep: step %d completed no window", i+1)
	}
	last := windows[max(0, len(windows)-cfg.StableWindows):]
	combined := last[0].Clone()
	for _, w := range last[1:] {
		if err := combined.merge(w, false); err != nil {
			return nil, err
		}
	}
	if p := prog.panic(); p != nil {
		combined.Warnings = append(combined.Warnings, fmt.Sprintf("Progress panicked: %v; it was not called again", p))
	}
	step.Result = combined
	step.MetSLO = cfg.SLO == nil || cfg.SLO.Met(combined)
	if combined.Requests > 0 {
		step.ErrorRate = float64(combined.Errors) / float64(combined.Requests)
	}
	step.Sustained = sustained(combined)
	return step, nil
}

// sustained reports whether an open-loop Result made its schedule: no send missed, and no
// more requests unfinished at the end than could be in flight. Closed loop always does.
func sustained(r *Result) bool {
	return r.Rate == 0 || r.Missed == 0 && r.Unfinished <= int64(r.Concurrency)
}

// stable reports whether every window's throughput and tail latency lie within the
// tolerance of the windows' mean. A window in which no request completed has nothing to
// agree on: a step with one is not stable, however alike its zeros.
func stable(ws []*Result, cfg SweepConfig) bool {
	for _, w := range ws {
		if w.Requests == 0 {
			return false
		}
	}
	q := 99.0
	if cfg.SLO != nil {
		q = cfg.SLO.Percentile
	}
	var tput, tail []float64
	for _, w := range ws {
		tput = append(tput, w.Throughput)
		tail = append(tail, float64(w.Percentile(q)))
	}
	return within(tput, *cfg.Tolerance) && within(tail, *cfg.Tolerance)
}

func within(xs []float64, tol float64) bool {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	for _, x := range xs {
		if math.Abs(x-mean) > tol*mean {
			return false
		}
	}
	return true
}

// sweepProgress delivers SweepConfig.Progress in order, one call at a time, on a
// goroutine of its own: the sweep's goroutine and the runs' collectors only queue the
// events, so that a Progress that blocks or is slow can neither stall the workers nor
// hold a canceled sweep (and the endpoint it pays for). A panic in it is recovered and it
// is not called again: left alone it would kill the process past the caller's defers.
type sweepProgress struct {
	q *deliver.Queue[SweepProgress] // nil without Progress

	mu       sync.Mutex
	panicked any
}

func newSweepProgress(fn func(SweepProgress)) *sweepProgress {
	p := &sweepProgress{}
	if fn != nil {
		p.q = deliver.New(fn, deliver.Options[SweepProgress]{
			Droppable:    func(e SweepProgress) bool { return e.Snapshot != nil },
			MaxDroppable: maxSnapshots,
			OnPanic: func(v any) {
				p.mu.Lock()
				defer p.mu.Unlock()
				p.panicked = v
			},
		})
	}
	return p
}

func (p *sweepProgress) call(e SweepProgress) {
	if p.q != nil {
		p.q.Push(e)
	}
}

// panic returns what Progress panicked with, if it did.
func (p *sweepProgress) panic() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.panicked
}

// close waits, as Run does for its Progress, for the events still queued, and says in
// every step's Result when Progress panicked or was given up on.
func (p *sweepProgress) close(res *SweepResult) {
	if p.q == nil {
		return
	}
	st := p.q.Close(progressStall, progressDrainLimit)
	var warn []string
	if st.Panic != nil {
		warn = append(warn, fmt.Sprintf("Progress panicked: %v; it was not called again", st.Panic))
	}
	if st.Abandoned {
		warn = append(warn, fmt.Sprintf(
			"Progress was stuck or fell behind when the sweep ended (its slowest call took %v): Sweep returned without waiting for it, and %d events were never delivered",
			st.Slowest.Round(time.Millisecond), st.Undelivered))
	}
	for i := range res.Steps {
		r := res.Steps[i].Result
		if r == nil {
			continue
		}
		var add []string
		for _, w := range warn {
			if !slices.Contains(r.Warnings, w) {
				add = append(add, w)
			}
		}
		if len(add) > 0 {
			// A copy: a call given up on may still be reading the step it was passed.
			c := r.Clone()
			c.Warnings = append(c.Warnings, add...)
			res.Steps[i].Result = c
		}
	}
}
