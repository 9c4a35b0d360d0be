package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Stage is one leg of a traffic shape, as k6's stages or Inference Recommender's Phases
// say it: over Duration the load moves linearly from the previous stage's Target
// (StagesConfig.From for the first) to this stage's Target: an offered rate in requests
// per second, or, with StagesConfig.Closed, a number of closed-loop workers. Two stages in
// a row with the same Target hold it; a stage whose Target jumps far above the last over a
// short Duration is a spike.
type Stage struct {
	Duration time.Duration
	Target   float64
}

// MaxStages bounds StagesConfig.Stages.
const MaxStages = 1000

// MinStageSlice is the narrowest slice RunStages cuts a run into: the greatest common
// divisor of the stage durations must be at least this (stages of 1.5s and 2s make 500ms
// slices), so a run never holds more than a few thousand slices a minute.
const MinStageSlice = 10 * time.Millisecond

// StagesConfig says which traffic shape RunStages offers.
type StagesConfig struct {
	// Stages are offered in order, without a pause between them (at least one).
	Stages []Stage

	// From is the load at the start of the first stage (default 0: the first stage ramps
	// up from nothing).
	From float64

	// Closed makes the targets numbers of workers in a closed loop instead of rates: at
	// any instant round(target) workers are active (a ramp from 0 to 4 over 4s adds one
	// at 0.5s, 1.5s, 2.5s and 3.5s), each sending its next request when the last returns,
	// with latency from the actual send. A worker made idle by a ramp down finishes its
	// request first. Each stage's Concurrency is its mean target, rounded; Little's law is
	// checked on the stages that hold (a ramp's mean number of workers is not whole).
	Closed bool

	// Base holds the settings of the run: payloads, timeout, interval, batch size and,
	// in open loop, Concurrency, the cap on requests in flight (default 64), with
	// MaxBacklog. Its Rate, ClientRate, Duration, Requests and Warmup must be zero, and
	// its Concurrency too in closed loop: the stages set the load and the length, and a
	// warmup is a first stage whose figures one ignores.
	Base Config
}

// StageResult is the measurement of one stage.
type StageResult struct {
	Stage
	// From is the offered rate at the start of the stage.
	From float64
	// Result holds the stage's figures. In open loop its Rate is the mean rate the stage
	// offered, (From + Target) / 2, and Offered the sends its schedule held; in closed
	// loop its Concurrency is the mean number of workers. As in a Sweep window,
	// a request belongs to the stage in which it completes: a request sent near the end of
	// a stage and completed in the next counts in the next, so the load never stops between
	// stages and no request is lost at a boundary. Only the last stage has Unfinished.
	Result *Result
}

// StagesResult is what RunStages measured.
type StagesResult struct {
	Stages []StageResult
	// Total is every stage as one Result: across the ramps Requests + Missed + Unfinished
	// = Offered, as in any open-loop run. Its Rate is the mean rate offered over the run.
	Total *Result
}

// RunStages offers inv the traffic shape cfg says, as one continuous open-loop run, and
// measures each stage. Send n is due at the instant the schedule's cumulative count of
// sends reaches n (the integral of the piecewise-linear rate, solved exactly per stage),
// on the monotonic clock, and its latency is counted from that intended time, so the
// open loop's honesty holds through the ramps: a send the endpoint or the client could
// not make is Missed, one not done at the end is Unfinished, never forgiven.
//
// A stage's figures come from slices of the run (the greatest common divisor of the stage
// durations) merged per stage; the load never pauses at a slice or stage boundary.
func RunStages(ctx context.Context, inv Invoker, cfg StagesConfig) (*StagesResult, error) {
	if inv == nil {
		return nil, errors.New("bench: nil invoker")
	}
	sched, slice, err := cfg.schedule()
	if err != nil {
		return nil, err
	}
	run := cfg.Base
	run.Duration = slice
	if cfg.Closed {
		run.Concurrency = int(math.Floor(sched.peak() + 0.5))
	} else {
		run.Rate = sched.peak()
	}
	n := int(sched.total / slice)
	var slices []*Result
	err = runScheduled(ctx, inv, run, n, sched, cfg.Closed, func(r *Result) bool {
		slices = append(slices, r)
		return false
	})
	if err != nil {
		return nil, err
	}
	if len(slices) != n {
		return nil, fmt.Errorf("bench: stages: %d of %d slices completed", len(slices), n)
	}
	res := &StagesResult{Total: &Result{}}
	k := 0
	for i, st := range cfg.Stages {
		from := cfg.From
		if i > 0 {
			from = cfg.Stages[i-1].Target
		}
		sr := &Result{}
		for m := int(st.Duration / slice); m > 0; m-- {
			if err := sr.merge(slices[k], false); err != nil {
				return nil, err
			}
			k++
		}
		if err := res.Total.merge(sr, false); err != nil {
			return nil, err
		}
		if cfg.Closed {
			sr.Concurrency = int(math.Round((from + st.Target) / 2))
		} else {
			sr.Rate = (from + st.Target) / 2
		}
		sr.summarize() // the slices were judged against the peak: judge the stage by its mean
		if cfg.Closed && from != st.Target {
			sr.LittlesLaw = nil // a ramp's mean number of workers is no whole number to check
		}
		sr.Warnings = nil
		sr.warn(false)
		res.Stages = append(res.Stages, StageResult{Stage: st, From: from, Result: sr})
	}
	if mean := sched.count(sched.total) / sched.total.Seconds(); cfg.Closed {
		res.Total.Concurrency = max(1, int(math.Round(mean)))
	} else {
		res.Total.Rate = mean
	}
	res.Total.summarize()
	if cfg.Closed && !holdsOnly(cfg) {
		res.Total.LittlesLaw = nil
	}
	res.Total.Warnings = nil
	res.Total.warn(false)
	return res, nil
}

// runScheduled is runWindows with the load on sched, if set: the pacer's rate in open
// loop, the number of active workers in closed loop.
func runScheduled(ctx context.Context, inv Invoker, cfg Config, n int, sched *schedule, closed bool, onWindow func(*Result) bool) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &windows{width: cfg.Duration, n: n, onWindow: onWindow, in: make(chan *windowTally, 4*cfg.Concurrency),
		pending: make(map[int]*windowTally), reported: make([]int, cfg.Concurrency),
		missed: make([]atomic.Int64, n), clientMiss: make([]atomic.Int64, n), late: make([]atomic.Int64, n)}
	w.hists.New = func() any { return newHist() }
	cfg.Duration *= time.Duration(n)
	r := newRun(ctx, inv, cfg)
	r.win = w
	switch {
	case sched == nil:
	case closed:
		r.gate = &gate{begin: r.begin, sched: sched}
	default:
		r.pacer.sched = sched // start == begin (no warmup): the first measured send is send 0
	}
	defer r.stop()
	_, err = r.run()
	return err
}

// schedule validates cfg and makes its send schedule and slice width.
func (cfg StagesConfig) schedule() (*schedule, time.Duration, error) {
	var errs []error
	if len(cfg.Stages) == 0 {
		errs = append(errs, errors.New("no stages"))
	}
	if len(cfg.Stages) > MaxStages {
		errs = append(errs, fmt.Errorf("%d stages, over %d", len(cfg.Stages), MaxStages))
	}
	okRate := func(r float64) bool { return r >= 0 && r <= 1e9 && !math.IsNaN(r) && !math.IsInf(r, 0) }
	if !okRate(cfg.From) {
		errs = append(errs, fmt.Errorf("from %v is not a rate in [0, 1e9] requests/s", cfg.From))
	}
	s := cfg.Base
	if s.Rate != 0 || s.ClientRate != 0 || s.Duration != 0 || s.Requests != 0 || s.Warmup != 0 {
		errs = append(errs, errors.New("Step's Rate, ClientRate, Duration, Requests and Warmup must be zero: the stages set them (a warmup is a first stage)"))
	}
	if cfg.Closed && s.Concurrency != 0 {
		errs = append(errs, errors.New("Step's Concurrency must be zero in closed loop: the stages' targets set it"))
	}
	var slice, total time.Duration
	sched := &schedule{}
	prev := cfg.From
	peak := 0.0
	for i, st := range cfg.Stages {
		if st.Duration <= 0 {
			errs = append(errs, fmt.Errorf("stage %d: duration %v is not positive", i+1, st.Duration))
			continue
		}
		if !okRate(st.Target) {
			errs = append(errs, fmt.Errorf("stage %d: target %v is not a rate in [0, 1e9] requests/s", i+1, st.Target))
			continue
		}
		slice = gcd(slice, st.Duration)
		total += st.Duration
		sched.add(prev, st.Target, st.Duration)
		prev = st.Target
		peak = max(peak, st.Target, cfg.From)
	}
	if len(errs) == 0 {
		switch {
		case cfg.Closed && peak > MaxConcurrency:
			errs = append(errs, fmt.Errorf("a target of %v workers is over %d", peak, MaxConcurrency))
		case cfg.Closed && peak < 0.5:
			errs = append(errs, errors.New("every stage has fewer than 0.5 workers: none would ever send"))
		case peak == 0:
			errs = append(errs, errors.New("every stage offers 0 requests/s"))
		case slice < MinStageSlice:
			errs = append(errs, fmt.Errorf("the stage durations' greatest common divisor %v is under %v: round them (e.g. to whole seconds)", slice, MinStageSlice))
		case total/slice > MaxSeriesLen:
			errs = append(errs, fmt.Errorf("%v in slices of %v is over %d slices: round the stage durations", total, slice, MaxSeriesLen))
		}
	}
	if len(errs) > 0 {
		return nil, 0, fmt.Errorf("bench: invalid stages: %w", errors.Join(errs...))
	}
	return sched, slice, nil
}

func gcd(a, b time.Duration) time.Duration {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// holdsOnly reports whether every stage holds the load it starts at.
func holdsOnly(cfg StagesConfig) bool {
	prev := cfg.From
	for _, st := range cfg.Stages {
		if st.Target != prev {
			return false
		}
		prev = st.Target
	}
	return true
}
