package bench

import (
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Result holds the figures of one measured window. Everything in it describes the measured
// window only: warmup is never counted. A Result is plain data: it encodes to JSON without
// loss (the latency histogram included) and merges exactly with Results of other runs.
type Result struct {
	// Start and End bound the measured window in wall-clock time. Elapsed is End - Start,
	// except for a sweep step, whose consecutive windows leave out the moments between them.
	Start, End time.Time
	Elapsed    time.Duration

	// Concurrency and Rate are those the run was made with (summed by Merge).
	Concurrency int
	Rate        float64
	BatchSize   int

	// Requests counts measured requests, successful or not; Errors those that failed.
	Requests, Errors int64
	// ErrorsByClass counts errors per class (see Classify); ErrorSamples keeps the message
	// of the first error seen in each class, for reports.
	ErrorsByClass map[string]int64
	ErrorSamples  map[string]string

	// Throughput is successful requests per second of Elapsed; InferencesPerSecond is
	// Throughput x BatchSize.
	Throughput          float64
	InferencesPerSecond float64

	// Latency summarises the latency of successful requests. In open loop it is counted
	// from each request's intended send time.
	Latency Latency

	// Series holds per-interval figures, SeriesInterval wide, aligned to wall-clock
	// multiples of it so that Series of runs on several machines line up.
	Series         []Interval
	SeriesInterval time.Duration

	// Missed counts open-loop sends that were due while the backlog was full: the
	// endpoint could not keep up with Rate. MaxBacklog is the deepest the backlog got.
	Missed     int64
	MaxBacklog int

	// LittlesLaw is the closed-loop self-check; nil for open-loop runs.
	LittlesLaw *LittlesLaw
	// Warnings says what makes these figures doubtful (a broken Little's law, missed
	// sends, a run cut short).
	Warnings []string

	hist     *hdrhistogram.Histogram // latency of successful requests, in microseconds
	sumAllUS int64                   // summed latency of all measured requests, for Little's law
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
	switch q {
	case 50:
		return r.Latency.P50
	case 90:
		return r.Latency.P90
	case 95:
		return r.Latency.P95
	case 99:
		return r.Latency.P99
	case 99.9:
		return r.Latency.P999
	case 100:
		return r.Latency.Max
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
	// Requests and Errors are the measured totals so far.
	Requests, Errors int64
	// Throughput, P50 and P99 describe the last complete interval.
	Throughput float64
	P50, P99   time.Duration
	// InFlight is the number of requests in flight; Backlog the open-loop sends waiting.
	InFlight, Backlog int
}

// LittlesLaw checks a closed-loop run against Little's law, L = lambda x W: with
// Concurrency requests always in flight, the request rate times the mean latency must
// come back to Concurrency. When it does not, the clock, the invoker or the counting is
// wrong (the reference study's latency column breaks it tenfold).
//
// A finite window bends the law at its edges: requests cut by the end are not counted,
// and without a warmup none started before the beginning, so the product falls short by
// up to W/T (mean latency over window length). Tolerance is LittlesLawTolerance plus that
// bound, so a short window is not accused of an error it cannot avoid, while a units bug
// (a factor of ten) is caught in any window long enough to measure.
type LittlesLaw struct {
	Concurrency int     // L, as configured
	Predicted   float64 // lambda x W: all requests per second x mean latency of all requests
	Ratio       float64 // Predicted / Concurrency
	Tolerance   float64 // how far Ratio may stray from 1
	Holds       bool    // |Ratio - 1| <= Tolerance
}

// LittlesLawTolerance is how far Predicted / Concurrency may stray from 1, beyond the
// window's edge effect, before a Result carries a warning.
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
	ok := r.Requests - r.Errors
	r.Throughput, r.InferencesPerSecond = 0, 0
	if secs := r.Elapsed.Seconds(); secs > 0 {
		r.Throughput = float64(ok) / secs
		r.InferencesPerSecond = r.Throughput * float64(max(r.BatchSize, 1))
	}
	r.Latency = summarize(r.hist)
	for i := range r.Series {
		r.Series[i].summarize()
	}
	r.LittlesLaw = nil
	if r.Rate == 0 && r.Concurrency > 0 && r.Requests > 0 && r.Elapsed > 0 {
		// lambda and W over all requests, failed ones included: they occupied a worker too.
		meanAll := float64(r.sumAllUS) / float64(r.Requests) / microsPerSecondF
		predicted := float64(r.Requests) / r.Elapsed.Seconds() * meanAll
		ratio := predicted / float64(r.Concurrency)
		tol := LittlesLawTolerance + meanAll/r.Elapsed.Seconds()
		r.LittlesLaw = &LittlesLaw{
			Concurrency: r.Concurrency,
			Predicted:   predicted,
			Ratio:       ratio,
			Tolerance:   tol,
			Holds:       math.Abs(ratio-1) <= tol,
		}
	}
}

// warn recomputes r.Warnings from r's figures.
func (r *Result) warn(cutShort bool) {
	r.Warnings = r.Warnings[:0]
	if l := r.LittlesLaw; l != nil && !l.Holds {
		r.Warnings = append(r.Warnings, l.String())
	}
	if r.Missed > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"the endpoint could not keep up with %.0f req/s: %d sends missed (backlog full)", r.Rate, r.Missed))
	}
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
