package bench

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// SLO is a latency objective: the Percentile-th latency must not exceed Max, as in
// SageMaker Inference Recommender's ModelLatencyThresholds (e.g. {99, 200ms}).
type SLO struct {
	Percentile float64
	Max        time.Duration
}

// Met reports whether r meets the objective. A Result with no successful request has no
// latency to judge and does not meet it, nor does one that does not know the percentile
// (a Result without its histogram knows only its Latency summary's: Percentile is 0).
func (s SLO) Met(r *Result) bool {
	p := r.Percentile(s.Percentile)
	return r.Requests > r.Errors && p > 0 && p <= s.Max
}

// String says the objective, e.g. "p99 <= 200ms".
func (s SLO) String() string { return fmt.Sprintf("p%v <= %v", s.Percentile, s.Max) }

// ParseSLO reads an objective as a flag would give it: "p99=200ms", "p99.9<=1s" or
// "p50=20ms" (spaces allowed around the operator).
func ParseSLO(s string) (SLO, error) {
	q, d, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "=")
	q = strings.TrimSuffix(q, "<")
	p, perr := strconv.ParseFloat(strings.TrimPrefix(q, "p"), 64)
	bound, derr := time.ParseDuration(d)
	if !ok || !strings.HasPrefix(q, "p") || perr != nil || derr != nil || !(p > 0 && p <= 100) || bound <= 0 {
		return SLO{}, fmt.Errorf("bench: SLO %q: want pNN=duration, e.g. p99=200ms", s)
	}
	slo := SLO{Percentile: p, Max: bound}
	if err := slo.Validate(); err != nil {
		return SLO{}, err
	}
	return slo, nil
}

// MinSLO is the tightest latency bound an SLO may set: latencies are measured in whole
// microseconds, and a bound under one is almost always a unit slip (Max: 100 is 100 ns,
// not 100 ms).
const MinSLO = time.Microsecond

// Validate refuses an objective bench cannot judge: a percentile outside (0, 100], a
// bound that is not positive, or one under MinSLO (with the bound it probably meant).
func (s SLO) Validate() error {
	switch {
	case !(s.Percentile > 0 && s.Percentile <= 100):
		return fmt.Errorf("bench: SLO %v: the percentile must be in (0, 100]", s)
	case s.Max <= 0:
		return fmt.Errorf("bench: SLO %v: the bound must be positive", s)
	case s.Max < MinSLO:
		return fmt.Errorf("bench: SLO %v: a bound under %v is below what bench measures (did you mean %v?)",
			s, MinSLO, s.Max*time.Millisecond)
	}
	return nil
}

// Defaults applied by Sweep to zero fields of SweepConfig.
const (
	DefaultWindow        = 5 * time.Second
	DefaultStableWindows = 3
	DefaultMaxWindows    = 10
	DefaultTolerance     = 0.10
	DefaultMinGain       = 0.05
	DefaultPlateauSteps  = 2
	DefaultMaxErrorRate  = 0.01
)

// DefaultLevels is the concurrency ladder a Sweep climbs when neither Levels nor Rates is
// set: Geometric(1, 64, 2), that is 1, 2, 4, ..., 64 workers.
func DefaultLevels() []int { return Geometric(1, 64, 2) }

// SweepConfig says which ladder Sweep climbs and when it stops.
type SweepConfig struct {
	// Levels is the concurrency ladder (default DefaultLevels(): 1, 2, 4, ..., 64).
	// Rates, if set instead, is an open-loop ladder in requests per second.
	Levels []int
	Rates  []float64

	// Base holds the settings of every measurement: payloads, timeout, interval, the
	// warmup before each step's first window, and Duration, the length of one window
	// (default 5s). Its Concurrency and Rate are set from the ladder; in an open-loop
	// sweep Base.Concurrency, if set, is the cap on requests in flight.
	Base Config

	// StableWindows windows in a row must agree on throughput and on the SLO's
	// percentile (p99 without an SLO) within Tolerance of their mean for a step to be
	// stable (defaults 3 and 10%), as Triton's perf_analyzer measures. A step ends
	// unstable after MaxWindows windows (default 10). The windows of a step are
	// consecutive slices of one continuous run: load never stops between them.
	StableWindows int
	MaxWindows    int

	// Tolerance, MinGain and MaxErrorRate are pointers so that zero can be said: nil is
	// the default, new(0.0) is zero (MaxErrorRate: new(0.0) stops at the first error).
	//
	// Tolerance is the stability bound above (default 0.10).
	Tolerance *float64

	// SLO, if set, stops the sweep at the first step that breaks it.
	SLO *SLO
	// MinGain is the plateau threshold: a step whose throughput beats the best so far by
	// less than this fraction (default 0.05; zero: any gain counts) gains nothing;
	// PlateauSteps such steps in a row (default 2) stop the sweep.
	MinGain      *float64
	PlateauSteps int
	// MaxErrorRate stops the sweep at the first step whose errors exceed this fraction
	// of its requests (default 0.01; zero: at the first error).
	MaxErrorRate *float64

	// Progress, if set, receives every Run snapshot, window and step, in order, one call
	// at a time, on a goroutine of its own, so that a call that blocks or is slow never
	// stalls the load or holds a canceled sweep. While it falls behind, the live snapshots
	// wait, at most the latest 64 (the oldest are dropped); window and step events are
	// never dropped. Sweep returns once every event is delivered, waiting while Progress
	// keeps returning, as Run does for Config.Progress: it gives up when a call has not
	// returned for 1s, or 5s after the sweep's end, and the steps' Results say so (the
	// call it gave up on may still be running after Sweep returns). A panic in it is
	// recovered: it is not called again, and the steps' Results say so.
	Progress func(SweepProgress)
}

// Geometric returns the ladder start, start x factor, ... up to and including max.
func Geometric(start, max int, factor float64) []int {
	if start < 1 || max < start || factor <= 1 {
		return nil
	}
	var out []int
	for v := float64(start); int(v) <= max; v *= factor {
		if n := int(v); len(out) == 0 || n != out[len(out)-1] {
			out = append(out, n)
		}
	}
	return out
}

// SweepProgress is one event of a sweep: a live snapshot inside a window, the end of a
// window, or the end of a step. Step is the index of the step in the ladder.
type SweepProgress struct {
	Step        int
	Concurrency int
	Rate        float64
	Window      int       // 1-based window within the step
	Snapshot    *Snapshot // set for live snapshots
	WindowDone  *Result   // set when a window ends
	StepDone    *Step     // set when a step ends
}

// Step is one rung of the ladder, measured until stable.
type Step struct {
	Concurrency int
	Rate        float64
	// Result combines the step's last StableWindows windows.
	Result  *Result
	Stable  bool
	Windows int
	// MetSLO says whether the step met the SLO (true when there is none); ErrorRate is
	// its errors over requests.
	MetSLO    bool
	ErrorRate float64
	// Sustained says whether an open-loop step made every send its schedule offered: no
	// send missed and no more unfinished at the end than the requests in flight allowed
	// (always true in closed loop). A step that did not sustain its rate cannot be Peak.
	Sustained bool
}

// StopReason says why a sweep stopped. Its values are stable: they appear in saved JSON.
type StopReason string

// Why a sweep stopped.
const (
	StopLadderDone StopReason = "ladder done"
	StopSLO        StopReason = "latency SLO broken"
	StopPlateau    StopReason = "throughput plateau"
	StopErrors     StopReason = "error rate above bound"
	StopCanceled   StopReason = "canceled"
	// StopNothingDone: a step completed no request at all (every request outlasted the
	// step, or the endpoint hangs): more load cannot tell anything more.
	StopNothingDone StopReason = "no request completed"
)

// SweepResult is what Sweep found.
type SweepResult struct {
	Steps []Step
	// Peak is the index of the step with the best throughput among those that completed
	// at least one successful request, met the SLO and the error bound and, in an
	// open-loop sweep, sustained their rate (Step.Sustained); Knee the index of the last step whose throughput grew by more than
	// MinGain over the best before it. Both are -1 when no step qualifies.
	Peak, Knee int
	// Stop is why the sweep stopped; StopDetail says at which step and why.
	Stop       StopReason
	StopDetail string
	SLO        *SLO
}

// Verdict says the sweep's answer in one line, e.g.
// "peak 304.3 req/s at 16 workers, p99 61ms <= 200ms (stopped: latency SLO broken)".
func (s *SweepResult) Verdict() string {
	if s.Peak < 0 || s.Peak >= len(s.Steps) || s.Steps[s.Peak].Result == nil {
		return fmt.Sprintf("no step met the objectives (stopped: %s)", s.StopDetail)
	}
	p := s.Steps[s.Peak]
	at := fmt.Sprintf("%d workers", p.Concurrency)
	if p.Rate > 0 {
		at = fmt.Sprintf("%s req/s offered", formatRate(p.Rate))
	}
	lat := fmt.Sprintf("p99 %v", p.Result.Latency.P99.Round(time.Millisecond/10))
	if s.SLO != nil {
		lat = fmt.Sprintf("p%v %v <= %v", s.SLO.Percentile,
			p.Result.Percentile(s.SLO.Percentile).Round(time.Millisecond/10), s.SLO.Max)
	}
	return fmt.Sprintf("peak %s req/s at %s, %s (stopped: %s)", formatThroughput(p.Result.Throughput), at, lat, s.StopDetail)
}

// Validate reports what Sweep would refuse in c, its ladder and every step's
// configuration included, without running anything.
func (c SweepConfig) Validate() error {
	c, err := c.withDefaults()
	if err == nil {
		if _, err = c.Base.withDefaults(); err != nil {
			err = fmt.Errorf("bench: sweep: step: %w", err)
		}
	}
	return err
}

func (c SweepConfig) withDefaults() (SweepConfig, error) {
	if len(c.Levels) > 0 && len(c.Rates) > 0 {
		return c, errors.New("bench: sweep: set Levels or Rates, not both")
	}
	if len(c.Levels) == 0 && len(c.Rates) == 0 {
		c.Levels = DefaultLevels()
	}
	for _, l := range c.Levels {
		if l < 1 {
			return c, fmt.Errorf("bench: sweep: concurrency level %d is not positive", l)
		}
	}
	for _, r := range c.Rates {
		if !(r > 0) || math.IsInf(r, 0) {
			return c, fmt.Errorf("bench: sweep: rate %v is not a positive number", r)
		}
	}
	if c.SLO != nil {
		if err := c.SLO.Validate(); err != nil {
			return c, fmt.Errorf("bench: sweep: %w", err)
		}
	}
	for _, f := range []*float64{c.MinGain, c.MaxErrorRate, c.Tolerance} {
		if f != nil && (*f < 0 || math.IsNaN(*f) || math.IsInf(*f, 0)) {
			return c, errors.New("bench: sweep: thresholds must be finite and not negative")
		}
	}
	if c.StableWindows < 0 || c.MaxWindows < 0 || c.PlateauSteps < 0 {
		return c, errors.New("bench: sweep: window and step counts must not be negative")
	}
	if c.Base.Requests > 0 {
		return c, errors.New("bench: sweep: windows are timed; leave Base.Requests zero")
	}
	if c.Base.Duration == 0 {
		c.Base.Duration = DefaultWindow
	}
	c.StableWindows = cmp.Or(c.StableWindows, DefaultStableWindows)
	c.MaxWindows = max(cmp.Or(c.MaxWindows, DefaultMaxWindows), c.StableWindows)
	c.Tolerance = orDefault(c.Tolerance, DefaultTolerance)
	c.MinGain = orDefault(c.MinGain, DefaultMinGain)
	c.PlateauSteps = cmp.Or(c.PlateauSteps, DefaultPlateauSteps)
	c.MaxErrorRate = orDefault(c.MaxErrorRate, DefaultMaxErrorRate)
	// Every step's configuration is checked before the first step runs, so an impossible
	// ladder is refused at once, not after the steps before its bad rung have run.
	for i := range max(len(c.Levels), len(c.Rates)) {
		if _, err := c.stepConfig(i).withDefaults(); err != nil {
			return c, fmt.Errorf("bench: sweep: step %d (%s): %w", i+1, c.stepLevel(i), err)
		}
	}
	return c, nil
}

// stepConfig is the Run configuration of step i: Step with the ladder's level or rate.
func (c SweepConfig) stepConfig(i int) Config {
	run := c.Base
	if len(c.Rates) > 0 {
		run.Rate = c.Rates[i]
	} else {
		run.Concurrency = c.Levels[i]
	}
	return run
}

// stepLevel names step i's rung, as Step.level does once it has run.
func (c SweepConfig) stepLevel(i int) string {
	if len(c.Rates) > 0 {
		return (&Step{Rate: c.Rates[i]}).level()
	}
	return (&Step{Concurrency: c.Levels[i]}).level()
}

// orDefault returns a fresh pointer to *p, or to def when p is nil: never the caller's.
func orDefault(p *float64, def float64) *float64 {
	if p != nil {
		def = *p
	}
	return &def
}
