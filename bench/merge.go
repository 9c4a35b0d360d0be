package bench

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Merge folds o into r as if both had been one run: counts, error classes and latency
// histograms add exactly, the window spans both, Concurrency and Rate add (two machines
// with 8 workers each make 16), and Series intervals with the same wall-clock start
// merge. Results of different interval widths cannot be merged.
func (r *Result) Merge(o *Result) error { return r.merge(o, true) }

// merge folds o into r. concurrent says whether o ran beside r (another machine: workers
// and rate add) or after it (the next window of the same load: they stay).
func (r *Result) merge(o *Result, concurrent bool) error {
	if o == nil || o.Requests == 0 && o.Start.IsZero() {
		return nil
	}
	if r.Start.IsZero() && r.Requests == 0 {
		*r = *o.clone()
		return nil
	}
	if r.SeriesInterval != o.SeriesInterval && len(r.Series) > 0 && len(o.Series) > 0 {
		return fmt.Errorf("bench: cannot merge series of %v and %v intervals", r.SeriesInterval, o.SeriesInterval)
	}
	if r.BatchSize != o.BatchSize {
		return errors.New("bench: cannot merge results of different batch sizes")
	}

	r.Requests += o.Requests
	r.Errors += o.Errors
	r.sumAllUS += o.sumAllUS
	r.Missed += o.Missed
	r.MaxBacklog = max(r.MaxBacklog, o.MaxBacklog)
	if concurrent {
		r.Concurrency += o.Concurrency
		r.Rate += o.Rate
	}
	elapsed := r.Elapsed + o.Elapsed
	r.addErrors(o.ErrorsByClass, o.ErrorSamples)
	mergeHist(&r.hist, o.hist, newHist)
	if o.Start.Before(r.Start) {
		r.Start = o.Start
	}
	if o.End.After(r.End) {
		r.End = o.End
	}
	if r.SeriesInterval == 0 {
		r.SeriesInterval = o.SeriesInterval
	}
	r.Series = mergeSeries(r.Series, o.Series, r.Start, r.End, r.SeriesInterval)
	r.Elapsed = r.End.Sub(r.Start)
	if !concurrent {
		r.Elapsed = elapsed
	}
	cutShort := slices.ContainsFunc(append(r.Warnings, o.Warnings...), isCutShortWarning)
	r.summarize()
	r.warn(cutShort)
	return nil
}

// addErrors adds per-class error counts to r, keeping r's sample where it has one.
func (r *Result) addErrors(classes map[string]int64, samples map[string]string) {
	for class, n := range classes {
		if r.ErrorsByClass == nil {
			r.ErrorsByClass = make(map[string]int64)
			r.ErrorSamples = make(map[string]string)
		}
		r.ErrorsByClass[class] += n
		if _, ok := r.ErrorSamples[class]; !ok {
			r.ErrorSamples[class] = samples[class]
		}
	}
}

func (r *Result) clone() *Result {
	c := *r
	c.ErrorsByClass = maps.Clone(r.ErrorsByClass)
	c.ErrorSamples = maps.Clone(r.ErrorSamples)
	c.Series = slices.Clone(r.Series)
	c.Warnings = slices.Clone(r.Warnings)
	if r.hist != nil {
		c.hist = newHist()
		c.hist.Merge(r.hist)
	}
	return &c
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
