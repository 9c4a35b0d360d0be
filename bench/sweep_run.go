package bench

import (
	"context"
	"fmt"
	"math"
)

// Sweep climbs cfg's ladder one step at a time, measuring each step in windows until the
// last few agree (or a cap is reached), and stops when the latency SLO breaks, the error
// rate passes its bound, throughput stops growing, or the ladder ends. It answers the
// question a fixed concurrency cannot: the highest throughput the endpoint sustains
// within the objective, and where adding load stops paying.
//
// On cancellation Sweep returns the steps completed so far with ctx's error.
func Sweep(ctx context.Context, inv Invoker, cfg SweepConfig) (*SweepResult, error) {
	if inv == nil {
		return nil, fmt.Errorf("bench: sweep: nil invoker")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Step.withDefaults(); err != nil {
		return nil, fmt.Errorf("bench: sweep: step: %w", err)
	}
	res := &SweepResult{Peak: -1, Knee: -1, SLO: cfg.SLO}
	n := max(len(cfg.Levels), len(cfg.Rates))
	best, flat := 0.0, 0
	for i := range n {
		step, err := measureStep(ctx, inv, cfg, i)
		if err != nil {
			res.Stop, res.StopDetail = StopCanceled, fmt.Sprintf("%s during step %d", StopCanceled, i+1)
			return res, err
		}
		res.Steps = append(res.Steps, *step)
		if cfg.Progress != nil {
			cfg.Progress(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate,
				Window: step.Windows, StepDone: step})
		}
		tput := step.Result.Throughput
		grew := tput > best*(1+cfg.MinGain)
		if grew {
			res.Knee, flat = i, 0
		} else {
			flat++
		}
		best = math.Max(best, tput)
		ok := step.MetSLO && step.ErrorRate <= cfg.MaxErrorRate
		if ok && (res.Peak < 0 || tput > res.Steps[res.Peak].Result.Throughput) {
			res.Peak = i
		}
		switch {
		case step.ErrorRate > cfg.MaxErrorRate:
			res.Stop = StopErrors
			res.StopDetail = fmt.Sprintf("errors %.1f%% > %.1f%% at %s", 100*step.ErrorRate, 100*cfg.MaxErrorRate, step.level())
		case !step.MetSLO:
			res.Stop = StopSLO
			res.StopDetail = fmt.Sprintf("%s broken at %s (%v)", cfg.SLO, step.level(),
				step.Result.Percentile(cfg.SLO.Percentile))
		case flat >= cfg.PlateauSteps:
			res.Stop = StopPlateau
			res.StopDetail = fmt.Sprintf("throughput gained under %.0f%% for %d steps, up to %s",
				100*cfg.MinGain, flat, step.level())
		}
		if res.Stop != "" {
			return res, nil
		}
	}
	res.Stop, res.StopDetail = StopLadderDone, StopLadderDone
	return res, nil
}

func (s *Step) level() string {
	if s.Rate > 0 {
		return fmt.Sprintf("%.0f req/s", s.Rate)
	}
	return fmt.Sprintf("%d workers", s.Concurrency)
}

// measureStep runs step i in windows until the last StableWindows agree or MaxWindows
// have run. Each window is a Run of Step.Duration; only the first has the warmup.
func measureStep(ctx context.Context, inv Invoker, cfg SweepConfig, i int) (*Step, error) {
	run := cfg.Step
	step := &Step{}
	if len(cfg.Rates) > 0 {
		run.Rate, step.Rate = cfg.Rates[i], cfg.Rates[i]
	} else {
		run.Concurrency, step.Concurrency = cfg.Levels[i], cfg.Levels[i]
	}
	var windows []*Result
	for w := 1; w <= cfg.MaxWindows; w++ {
		if cfg.Progress != nil {
			run.Progress = func(s Snapshot) {
				cfg.Progress(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate, Window: w, Snapshot: &s})
			}
		}
		r, err := Run(ctx, inv, run)
		if err != nil {
			return nil, err
		}
		if step.Concurrency == 0 {
			step.Concurrency = r.Concurrency
		}
		run.Warmup = 0 // the load has been running; later windows need none
		windows = append(windows, r)
		step.Windows = w
		if cfg.Progress != nil {
			cfg.Progress(SweepProgress{Step: i, Concurrency: step.Concurrency, Rate: step.Rate, Window: w, WindowDone: r})
		}
		if len(windows) >= cfg.StableWindows && stable(windows[len(windows)-cfg.StableWindows:], cfg) {
			step.Stable = true
			break
		}
	}
	last := windows[max(0, len(windows)-cfg.StableWindows):]
	combined := last[0].Clone()
	for _, w := range last[1:] {
		if err := combined.merge(w, false); err != nil {
			return nil, err
		}
	}
	step.Result = combined
	step.MetSLO = cfg.SLO == nil || cfg.SLO.Met(combined)
	if combined.Requests > 0 {
		step.ErrorRate = float64(combined.Errors) / float64(combined.Requests)
	}
	return step, nil
}

// stable reports whether every window's throughput and tail latency lie within the
// tolerance of the windows' mean.
func stable(ws []*Result, cfg SweepConfig) bool {
	q := 99.0
	if cfg.SLO != nil {
		q = cfg.SLO.Percentile
	}
	var tput, tail []float64
	for _, w := range ws {
		tput = append(tput, w.Throughput)
		tail = append(tail, float64(w.Percentile(q)))
	}
	return within(tput, cfg.Tolerance) && within(tail, cfg.Tolerance)
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
