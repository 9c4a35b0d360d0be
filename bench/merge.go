package bench

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Merge folds o into r as if both had been one run: counts, error classes and latency
// histograms add exactly, the window spans both, Concurrency and Rate add (two machines
// with 8 workers each make 16), and Series intervals with the same wall-clock start
// merge. Results of different interval widths cannot be merged, nor a Result with
// successful requests but no histogram of their latency (built by hand), nor a
// closed-loop Result with an open-loop one (their Offered, Missed and Little's law mean
// different things), nor Results whose counts would overflow when added: each is an
// error, and a refused merge leaves r as it was.
//
// Merge is copy-on-write: it never writes to a map, slice or histogram r may share with
// another Result (a shallow copy `m := *a` shares a's), and never to o's. It never panics,
// whatever r and o hold (a hand-built Result, one decoded from JSON without samples).
func (r *Result) Merge(o *Result) error { return r.merge(o, true) }

// merge folds o into r. concurrent says whether o ran beside r (another machine: workers
// and rate add) or after it (the next window of the same load: they stay).
func (r *Result) merge(o *Result, concurrent bool) error {
	if o == nil || o.Requests == 0 && o.Start.IsZero() {
		return nil
	}
	if r.Start.IsZero() && r.Requests == 0 {
		*r = *o.Clone()
		return nil
	}
	if r.SeriesInterval != o.SeriesInterval && len(r.Series) > 0 && len(o.Series) > 0 {
		return fmt.Errorf("bench: cannot merge series of %v and %v intervals", r.SeriesInterval, o.SeriesInterval)
	}
	if r.latencyUnmergeable() || o.latencyUnmergeable() {
		return errors.New("bench: cannot merge a Result with successful requests but no latency histogram (built by hand, or decoded from JSON without one): its percentiles would be lost")
	}
	if r.BatchSize != o.BatchSize {
		return errors.New("bench: cannot merge results of different batch sizes")
	}
	if r.ClientRate != o.ClientRate {
		return fmt.Errorf("bench: cannot merge results of different per-client caps (%s and %s req/s per worker)",
			formatRate(r.ClientRate), formatRate(o.ClientRate))
	}
	if (r.Rate > 0) != (o.Rate > 0) {
		return fmt.Errorf("bench: cannot merge a closed-loop Result (%d workers) with an open-loop one (%s req/s offered): Offered, Missed and Little's law mean different things in each",
			closedOf(r, o).Concurrency, formatRate(max(r.Rate, o.Rate)))
	}

	start, end := r.Start, r.End
	if o.Start.Before(start) {
		start = o.Start
	}
	if o.End.After(end) {
		end = o.End
	}
	width := cmp.Or(r.SeriesInterval, o.SeriesInterval)
	if width > 0 && (len(r.Series) > 0 || len(o.Series) > 0) && end.Sub(start)/width > MaxSeriesLen {
		return fmt.Errorf("bench: cannot merge: %v to %v in %v intervals is over %d intervals",
			start, end, width, MaxSeriesLen)
	}

	// Every sum is made, and checked, before r changes: a refused merge changes nothing.
	var sum checkedSum
	requests, errs := sum.add(r.Requests, o.Requests), sum.add(r.Errors, o.Errors)
	unfinished, busy := sum.add(r.Unfinished, o.Unfinished), sum.add(r.busyNS, o.busyNS)
	offered, missed := sum.add(r.Offered, o.Offered), sum.add(r.Missed, o.Missed)
	clientMissed, clientLate := sum.add(r.ClientMissed, o.ClientMissed), sum.add(r.ClientLate, o.ClientLate)
	overdue := sum.add(r.Overdue, o.Overdue)
	elapsed := time.Duration(sum.add(int64(r.Elapsed), int64(o.Elapsed)))
	concurrency, rate := r.Concurrency, r.Rate
	if concurrent {
		concurrency = int(sum.add(int64(r.Concurrency), int64(o.Concurrency)))
		rate += o.Rate
	}
	for class, n := range o.ErrorsByClass {
		sum.add(r.ErrorsByClass[class], n)
	}
	if sum.overflow || math.IsInf(rate, 0) {
		return errors.New("bench: cannot merge: the sums of the counts overflow (a Result no run could have made)")
	}

	// Copy-on-write: from here on r's maps, slices and histograms are fresh.
	r.ErrorsByClass, r.ErrorSamples = maps.Clone(r.ErrorsByClass), maps.Clone(r.ErrorSamples)
	r.hist, r.failHist = cloneHist(r.hist), cloneHist(r.failHist)

	r.Requests, r.Errors, r.Unfinished, r.busyNS = requests, errs, unfinished, busy
	r.Offered, r.Missed, r.ClientMissed, r.ClientLate = offered, missed, clientMissed, clientLate
	r.Overdue = overdue
	r.MaxBacklog = max(r.MaxBacklog, o.MaxBacklog)
	r.Concurrency, r.Rate = concurrency, rate
	r.addErrors(o.ErrorsByClass, o.ErrorSamples)
	mergeHist(&r.hist, o.hist, newHist)
	mergeHist(&r.failHist, o.failHist, newHist)
	r.Start, r.End, r.SeriesInterval = start, end, width
	r.Series = mergeSeries(r.Series, o.Series, r.Start, r.End, r.SeriesInterval)
	r.Elapsed = r.End.Sub(r.Start)
	if !concurrent {
		r.Elapsed = elapsed
	}
	cutShort := slices.ContainsFunc(r.Warnings, isCutShortWarning) || slices.ContainsFunc(o.Warnings, isCutShortWarning)
	r.Warnings = nil // warn appends: never into a backing array shared with a copy
	r.summarize()
	r.warn(cutShort)
	return nil
}

// checkedSum adds int64s and remembers whether any sum overflowed.
type checkedSum struct{ overflow bool }

func (c *checkedSum) add(a, b int64) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		c.overflow = true
	}
	return s
}

// closedOf returns whichever of a and b is closed loop.
func closedOf(a, b *Result) *Result {
	if a.Rate == 0 {
		return a
	}
	return b
}

// latencyUnmergeable reports whether r has successful requests but no histogram of them,
// so that only its Latency summary, which cannot be merged, knows their latency.
func (r *Result) latencyUnmergeable() bool {
	return r.Requests > r.Errors && (r.hist == nil || r.hist.TotalCount() == 0)
}

// addErrors adds per-class error counts to r, keeping r's sample where it has one. It
// writes into r's maps: callers make sure r does not share them.
func (r *Result) addErrors(classes map[ErrorClass]int64, samples map[ErrorClass]string) {
	for class, n := range classes {
		if r.ErrorsByClass == nil {
			r.ErrorsByClass = make(map[ErrorClass]int64)
		}
		if r.ErrorSamples == nil {
			r.ErrorSamples = make(map[ErrorClass]string)
		}
		r.ErrorsByClass[class] += n
		if s, ok := samples[class]; ok {
			if _, ok := r.ErrorSamples[class]; !ok {
				r.ErrorSamples[class] = s
			}
		}
	}
}

// Clone returns a deep copy of r: nothing done to the copy or to r changes the other.
func (r *Result) Clone() *Result {
	c := *r
	c.ErrorsByClass = maps.Clone(r.ErrorsByClass)
	c.ErrorSamples = maps.Clone(r.ErrorSamples)
	c.Series = slices.Clone(r.Series) // an Interval's histogram bytes are never written in place
	c.Warnings = slices.Clone(r.Warnings)
	if r.LittlesLaw != nil {
		l := *r.LittlesLaw
		c.LittlesLaw = &l
	}
	c.hist, c.failHist = cloneHist(r.hist), cloneHist(r.failHist)
	return &c
}

func cloneHist(h *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	if h == nil {
		return nil
	}
	return h.Clone()
}

// mergeSeries aligns a and b by interval start, merges intervals that coincide, fills
// gaps with empty intervals, and clips every interval's width to [start, end].
func mergeSeries(a, b []Interval, start, end time.Time, width time.Duration) []Interval {
	if len(a) == 0 && len(b) == 0 || width <= 0 {
		return nil
	}
	byStart := make(map[int64]*Interval, len(a)+len(b))
	for _, s := range [][]Interval{a, b} {
		for _, iv := range s {
			key := iv.Start.UnixNano()
			acc, ok := byStart[key]
			if !ok {
				cp := iv
				byStart[key] = &cp
				continue
			}
			acc.Requests += iv.Requests
			acc.Errors += iv.Errors
			h := acc.histogram()
			mergeHist(&h, iv.histogram(), newIntervalHist)
			acc.setHistogram(h)
		}
	}
	first := start.Truncate(width)
	var out []Interval
	for lo := first; lo.Before(end); lo = lo.Add(width) {
		iv, ok := byStart[lo.UnixNano()]
		if !ok {
			iv = &Interval{Start: lo}
		}
		iv.width = minTime(lo.Add(width), end).Sub(maxTime(lo, start))
		out = append(out, *iv)
	}
	return out
}
