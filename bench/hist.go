package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 us to one hour with three significant
// digits (0.1% resolution) for the totals, and two for the per-interval series, which only
// ever report p50 and p99 and must stay small because one exists per worker and interval.
const (
	histMaxUS       = int64(time.Hour / time.Microsecond)
	histSigFigs     = 3
	intervalSigFigs = 2
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, histMaxUS, histSigFigs) }

func newIntervalHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, histMaxUS, intervalSigFigs)
}

// toUS converts d to whole microseconds clamped to the histogram's range, so no sample is
// ever dropped: a latency beyond an hour is recorded as an hour.
func toUS(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	switch {
	case us < 0:
		return 0
	case us > histMaxUS:
		return histMaxUS
	}
	return us
}

// toNS is d in nanoseconds, never negative. Time in flight is summed in nanoseconds, not
// in the histograms' whole microseconds: requests that take under a microsecond would
// otherwise add nothing, and Little's law would read them as idle workers.
func toNS(d time.Duration) int64 { return max(int64(d), 0) }

func usToDuration(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// mergeHist merges src into *dst, allocating *dst like src when it is nil.
func mergeHist(dst **hdrhistogram.Histogram, src *hdrhistogram.Histogram, fresh func() *hdrhistogram.Histogram) {
	if src == nil || src.TotalCount() == 0 {
		return
	}
	if *dst == nil {
		*dst = fresh()
	}
	(*dst).Merge(src)
}

// histogram decodes the interval's histogram; nil if it holds no sample.
func (iv *Interval) histogram() *hdrhistogram.Histogram {
	if iv.hist == nil {
		return nil
	}
	h, err := hdrhistogram.Decode(iv.hist)
	if err != nil {
		return nil // cannot happen for bytes this package encoded or validated on decode
	}
	return h
}

// setHistogram stores h in compact form and recomputes the interval's percentiles.
func (iv *Interval) setHistogram(h *hdrhistogram.Histogram) {
	iv.hist, iv.P50, iv.P99 = nil, 0, 0
	if h == nil || h.TotalCount() == 0 {
		return
	}
	iv.P50 = usToDuration(h.ValueAtPercentile(50))
	iv.P99 = usToDuration(h.ValueAtPercentile(99))
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err == nil {
		iv.hist = enc
	}
}
