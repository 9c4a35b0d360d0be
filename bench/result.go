package bench

import (
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Result holds the figures of one measured window. Everything in it describes the measured
// window only: warmup is never counted. A Result is plain data: it encodes to JSON without
// loss (the latency histograms included) and merges exactly with Results of other runs.
//
// Copies share: a Result holds maps, slices and histograms, so `c := *r` is a shallow copy
// whose maps and histograms are r's. Merge never writes to what the receiver shares with
// another Result (it replaces, never mutates, its maps, slices and histograms), so
// `m := *a; m.Merge(b)` leaves a as it was; use Clone for a copy that is independent
// whatever is done to it.
//
// What is counted where:
//
//	Requests    made: completed in the window, failed or not (open loop: due in it; see Run)
//	Errors      of Requests, those that failed (ErrorsByClass says why)
//	Missed      open loop: due in the window and never sent
//	Unfinished  sent or queued in the window, still not completed at its end
//	Offered     open loop: sends the schedule held in the window = Requests+Missed+Unfinished
//
// Latency, Percentile and the Series percentiles describe successful requests only (the
// figure a price per inference is for). LatencyAll and PercentileAll describe every request:
// successes, failures (a timeout counts its timeout) and unfinished requests, each of those
// at its age when the window ended, a lower bound of the latency it would have had.
type Result struct {
	// Start and End bound the measured window in wall-clock time; Elapsed is End - Start
	// (for a sweep step, the span of its consecutive windows).
	Start, End time.Time
	Elapsed    time.Duration

	// Concurrency and Rate are those the run was made with (summed by Merge).
	Concurrency int
	Rate        float64
	BatchSize   int

	// ClientRate is the cap on each closed-loop worker's requests per second the run was
	// made with (Config.ClientRate; 0: none). Overdue counts the requests of such a run
	// sent late because the previous one of their worker outlasted 1/ClientRate: the
	// endpoint, not the cap, set their time.
	ClientRate float64
	Overdue    int64

	// Requests counts measured requests, successful or not; Errors those that failed.
	Requests, Errors int64
	// ErrorsByClass counts errors per class (see Classify); ErrorSamples keeps the message
	// of the first error seen in each class, for reports.
	ErrorsByClass map[ErrorClass]int64
	ErrorSamples  map[ErrorClass]string

	// Unfinished counts requests sent (or, in open loop, due and queued) in the window that
	// had not completed at its end: they were canceled, and are neither in Requests nor in
	// Latency; LatencyAll counts each at its age at the end.
	Unfinished int64

	// Throughput is successful requests per second of Elapsed; InferencesPerSecond is
	// Throughput x BatchSize.
	Throughput          float64
	InferencesPerSecond float64

	// Latency summarises the latency of successful requests. In open loop it is counted
	// from each request's intended send time.
	Latency Latency
	// LatencyAll summarises the latency of every measured request: successes, failures and
	// unfinished requests (at their age at the end of the window).
	LatencyAll Latency

	// Series holds per-interval figures, SeriesInterval wide, aligned to wall-clock
	// multiples of it so that Series of runs on several machines line up.
	Series         []Interval
	SeriesInterval time.Duration

	// Open loop only. Offered is the number of sends the schedule held in the window
	// (Rate x Elapsed, to one send); each was made (Requests), missed or unfinished. A
	// Requests-bounded open loop stops offering at its last send and its window runs on
	// until that send completes, so there Offered falls short of Rate x Elapsed by the
	// drain time: bound an open loop by Duration to measure a rate.
	// Missed counts sends never made: due while the backlog was full, or not released by
	// the end because the pacer was behind. ClientMissed is the part of Missed that is the
	// load generator's fault (a worker was free, or the pacer itself was late), not the
	// endpoint's. ClientLate counts made sends the pacer released more than ClientSlack
	// after their intended time: their latency includes that lateness, but the client,
	// not the endpoint, caused it; the Result warns that the load generator could not
	// keep up when ClientMissed + ClientLate pass ClientFaultThreshold of Offered.
	// MaxBacklog is the deepest the backlog got.
	Offered      int64
	Missed       int64
	ClientMissed int64
	ClientLate   int64
	MaxBacklog   int

	// LittlesLaw is the closed-loop self-check; nil for open-loop runs and for closed
	// loops capped by ClientRate, whose workers idle between sends by design.
	LittlesLaw *LittlesLaw
	// Warnings says what makes these figures doubtful (a broken Little's law, missed
	// sends, a run cut short).
	Warnings []string

	hist     *hdrhistogram.Histogram // latency of successful requests, in microseconds
	failHist *hdrhistogram.Histogram // latency of failed and unfinished requests
	busyNS   int64                   // time requests spent in flight inside the window, in ns, for Little's law
}

// Latency is a latency distribution summary in real units.
type Latency struct {
	Mean, StdDev, Min, Max   time.Duration
	P50, P90, P95, P99, P999 time.Duration
}

// Percentile returns the latency at percentile q (0 < q <= 100) of the successful
// requests. A Result without its histogram (built by hand) answers from its Latency
// summary for the percentiles it holds, and 0 for others.
func (r *Result) Percentile(q float64) time.Duration {
	if r.hist != nil {
		return usToDuration(r.hist.ValueAtPercentile(q))
	}
	return r.Latency.at(q)
}

// PercentileAll returns the latency at percentile q (0 < q <= 100) of every measured
// request, failed and unfinished ones included (see LatencyAll).
func (r *Result) PercentileAll(q float64) time.Duration {
	if h := r.allHist(); h != nil {
		return usToDuration(h.ValueAtPercentile(q))
	}
	return r.LatencyAll.at(q)
}

// allHist is the histogram of every measured request; nil without histograms.
func (r *Result) allHist() *hdrhistogram.Histogram {
	if r.failHist == nil || r.failHist.TotalCount() == 0 {
		return r.hist
	}
	h := newHist()
	if r.hist != nil {
		h.Merge(r.hist)
	}
	h.Merge(r.failHist)
	return h
}

func (l Latency) at(q float64) time.Duration {
	switch q {
	case 50:
		return l.P50
	case 90:
		return l.P90
	case 95:
		return l.P95
	case 99:
		return l.P99
	case 99.9:
		return l.P999
	case 100:
		return l.Max
	}
	return 0
}

// Interval is one bucket of a Result's time series.
type Interval struct {
	Start            time.Time
	Requests, Errors int64
	// Throughput is successful requests per second of this interval (the first and last
	// intervals of a window may be partial; their rates use the covered part only).
	Throughput float64
	P50, P99   time.Duration

	width time.Duration
	hist  []byte // the interval's latency histogram, HdrHistogram V2 compressed; nil if empty
}

// Snapshot is what Progress receives once per Interval.
type Snapshot struct {
	// Warmup is true while the warmup runs; the counts below are then zero.
	Warmup bool
	// Elapsed is the time since the measured window began.
	Elapsed time.Duration
	// Requests and Errors are the measured totals so far; ErrorsByClass splits Errors by
	// class (see Classify), nil without errors.
	Requests, Errors int64
	ErrorsByClass    map[ErrorClass]int64
	// Throughput, P50 and P99 describe the last complete interval.
	Throughput float64
	P50, P99   time.Duration
	// InFlight is the number of requests in flight; Backlog the open-loop sends waiting.
	InFlight, Backlog int
}

// LittlesLaw checks a closed-loop run against Little's law, L = lambda x W: with
// Concurrency requests always in flight, the time requests spent in flight inside the
// window, over the window's length, must come back to Concurrency. When it does not, the
// clock, the invoker or the counting is wrong (the reference study's latency column breaks
// it tenfold), or the workers sat idle.
//
// Every request counts only its part inside the window: one sent in the warmup from the
// start of the window, one unfinished at the end up to the end. So a short window bends
// nothing and the tolerance is LittlesLawTolerance whatever the window's length; an
// allowance for the window's edges (as earlier versions had, W/T) would let a check on a
// window shorter than the latency pass anything.
type LittlesLaw struct {
	Concurrency int     // L, as configured
	Predicted   float64 // lambda x W: time in flight inside the window / the window's length
	Ratio       float64 // Predicted / Concurrency
	Tolerance   float64 // how far Ratio may stray from 1
	Holds       bool    // |Ratio - 1| <= Tolerance
}

// LittlesLawTolerance is how far Predicted / Concurrency may stray from 1 before a Result
// carries a warning.
const LittlesLawTolerance = 0.10

// String says the check in one line.
func (l LittlesLaw) String() string {
	verdict := "holds"
	if !l.Holds {
		verdict = "BROKEN"
	}
	return fmt.Sprintf("Little's law %s: throughput x mean latency = %.2f for %d workers (ratio %.2f, tolerance %.2f)",
		verdict, l.Predicted, l.Concurrency, l.Ratio, l.Tolerance)
}

// summarize recomputes every derived figure of r from its counts and histograms.
// r.Elapsed must be set: End - Start for one run or machines side by side, the sum of
// the windows' lengths for windows one after another.
func (r *Result) summarize() {
	r.rates()
	r.Latency = summarize(r.hist)
	r.LatencyAll = summarize(r.allHist())
	for i := range r.Series {
		r.Series[i].summarize()
	}
	r.checkLittlesLaw()
}

// rates recomputes Throughput and InferencesPerSecond from the counts and Elapsed.
func (r *Result) rates() {
	r.Throughput, r.InferencesPerSecond = 0, 0
	if secs := r.Elapsed.Seconds(); secs > 0 {
		r.Throughput = float64(r.Requests-r.Errors) / secs
		r.InferencesPerSecond = r.Throughput * float64(max(r.BatchSize, 1))
	}
}

// checkLittlesLaw recomputes r.LittlesLaw from the time requests spent in flight.
func (r *Result) checkLittlesLaw() {
	r.LittlesLaw = nil
	if r.Rate == 0 && r.ClientRate == 0 && r.Concurrency > 0 && r.Requests > 0 && r.Elapsed > 0 {
		// L is the time requests spent in flight inside the window over its length, failed
		// and unfinished requests included: they occupied a worker too. Each request counts
		// only its part inside the window, so the window's edges bend nothing and the
		// tolerance needs no allowance for them.
		predicted := float64(r.busyNS) / float64(r.Elapsed)
		ratio := predicted / float64(r.Concurrency)
		r.LittlesLaw = &LittlesLaw{
			Concurrency: r.Concurrency,
			Predicted:   predicted,
			Ratio:       ratio,
			Tolerance:   LittlesLawTolerance,
			Holds:       math.Abs(ratio-1) <= LittlesLawTolerance,
		}
	}
}

// warn recomputes r.Warnings from r's figures.
func (r *Result) warn(cutShort bool) {
	r.Warnings = r.Warnings[:0]
	if l := r.LittlesLaw; l != nil && !l.Holds {
		r.Warnings = append(r.Warnings, l.String())
	}
	if n := r.Missed - r.ClientMissed; n > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"the endpoint could not keep up with %s req/s: %d sends missed (backlog full, every worker in a request)", formatRate(r.Rate), n))
	}
	if fault := r.ClientMissed + r.ClientLate; fault > 0 && float64(fault) > ClientFaultThreshold*float64(r.Offered) {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"the load generator could not keep up with %s req/s: %d of %d sends missed and %d released over %v late by the client itself (its CPU or scheduling, not the endpoint)",
			formatRate(r.Rate), r.ClientMissed, r.Offered, r.ClientLate, ClientSlack))
	}
	if sends := r.Rate * r.Elapsed.Seconds(); r.Rate > 0 && r.Elapsed > 0 && sends < minOpenLoopSends {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"the %v window holds only %s sends at %s req/s: its throughput (%s req/s, %s x the offered rate) counts whole sends, not a rate; measure for at least %v (%d sends)",
			r.Elapsed.Round(time.Millisecond), formatRate(sends), formatRate(r.Rate), formatThroughput(r.Throughput),
			formatRate(r.Throughput/r.Rate), time.Duration(minOpenLoopSends/r.Rate*float64(time.Second)).Round(time.Millisecond),
			minOpenLoopSends))
	}
	if r.Unfinished+r.Errors > 0 && r.LatencyAll.P99 > r.Latency.P99+r.Latency.P99/10 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"p99 of all requests is %v against %v for successes alone: %d failed and %d unfinished at the end (see LatencyAll)",
			r.LatencyAll.P99, r.Latency.P99, r.Errors, r.Unfinished))
	}
	r.warnPace()
	if cutShort {
		r.Warnings = append(r.Warnings, cutShortWarning)
	}
	if r.Requests == 0 {
		r.Warnings = append(r.Warnings, "no request completed in the measured window")
	}
	if len(r.Warnings) == 0 {
		r.Warnings = nil
	}
}

func (iv *Interval) summarize() {
	iv.Throughput = 0
	if iv.width > 0 {
		iv.Throughput = float64(iv.Requests-iv.Errors) / iv.width.Seconds()
	}
}

func summarize(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		Mean:   time.Duration(h.Mean() * float64(time.Microsecond)),
		StdDev: time.Duration(h.StdDev() * float64(time.Microsecond)),
		Min:    usToDuration(h.Min()),
		Max:    usToDuration(h.Max()),
		P50:    usToDuration(h.ValueAtPercentile(50)),
		P90:    usToDuration(h.ValueAtPercentile(90)),
		P95:    usToDuration(h.ValueAtPercentile(95)),
		P99:    usToDuration(h.ValueAtPercentile(99)),
		P999:   usToDuration(h.ValueAtPercentile(99.9)),
	}
}

const cutShortWarning = "the run was canceled before its end: figures cover a partial window"

func isCutShortWarning(w string) bool { return w == cutShortWarning }
