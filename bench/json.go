package bench

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// resultJSON is Result on the wire: every exported field, plus the latency histogram in
// HdrHistogram's standard V2 compressed, base64 form, so that a decoded Result reports
// the same percentiles and merges exactly.
type resultJSON struct {
	resultFields
	Histogram     string `json:"Histogram,omitempty"`
	FailHistogram string `json:"FailHistogram,omitempty"` // failed and unfinished requests
	BusyNS        int64  `json:"BusyNanos,omitempty"`
	BusyUS        int64  `json:"BusyMicros,omitempty"`   // read only: files written before BusyNanos
	SumAllUS      int64  `json:"SumAllMicros,omitempty"` // read only: files written before BusyMicros
}

// resultFields has Result's fields without its methods, so json does not recurse.
type resultFields Result

// MarshalJSON encodes r with its latency histogram. It has a value receiver so that a
// Result stored by value (in a struct, a slice) keeps its histogram too.
func (r Result) MarshalJSON() ([]byte, error) {
	w := resultJSON{resultFields: resultFields(r), BusyNS: r.busyNS}
	var err error
	if w.Histogram, err = encodeHist(r.hist); err != nil {
		return nil, err
	}
	if w.FailHistogram, err = encodeHist(r.failHist); err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

func encodeHist(h *hdrhistogram.Histogram) (string, error) {
	if h == nil || h.TotalCount() == 0 {
		return "", nil
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("bench: encoding latency histogram: %w", err)
	}
	return string(enc), nil
}

// UnmarshalJSON decodes a Result written by MarshalJSON.
func (r *Result) UnmarshalJSON(b []byte) error {
	var w resultJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Result(w.resultFields)
	r.busyNS = w.BusyNS
	if us := cmp.Or(w.BusyUS, w.SumAllUS); r.busyNS == 0 && us != 0 {
		if us < 0 || us > math.MaxInt64/1000 {
			return errors.New("bench: decoding result: BusyMicros out of range")
		}
		r.busyNS = us * 1000
	}
	r.hist, r.failHist = nil, nil
	for _, h := range []struct {
		dst **hdrhistogram.Histogram
		enc string
	}{{&r.hist, w.Histogram}, {&r.failHist, w.FailHistogram}} {
		if h.enc == "" {
			continue
		}
		dec, err := decodeHist(h.enc)
		if err != nil {
			return err
		}
		*h.dst = dec
	}
	return r.validate()
}

// validate refuses a decoded Result that no run could have made, so that nothing later
// (Merge, Percentile, a report) meets an impossible value. Figures derived from the
// counts must follow from them: Throughput and InferencesPerSecond from Requests, Errors,
// Elapsed and BatchSize (to one part in a million; a summary without Elapsed, which
// cannot be checked, is taken as written), and Little's law is recomputed when the file
// has the time in flight it rests on. A latency histogram must hold one sample per
// request it describes: the successes (Requests - Errors), and for the other, the failed
// and unfinished requests.
func (r *Result) validate() error {
	switch {
	case r.Concurrency < 0 || r.BatchSize < 0 || r.MaxBacklog < 0:
		return errors.New("bench: decoding result: negative concurrency, batch size or backlog")
	case r.Rate < 0 || math.IsNaN(r.Rate) || math.IsInf(r.Rate, 0) ||
		r.ClientRate < 0 || math.IsNaN(r.ClientRate) || math.IsInf(r.ClientRate, 0):
		return fmt.Errorf("bench: decoding result: rate %v or client rate %v is not a number of requests per second", r.Rate, r.ClientRate)
	case r.Overdue < 0 || r.Overdue > r.Requests:
		return fmt.Errorf("bench: decoding result: %d overdue requests of %d", r.Overdue, r.Requests)
	case r.hist != nil && r.hist.TotalCount() != r.Requests-r.Errors:
		return fmt.Errorf("bench: decoding result: the latency histogram holds %d samples for %d successful requests (Requests %d - Errors %d)",
			r.hist.TotalCount(), r.Requests-r.Errors, r.Requests, r.Errors)
	case r.failHist != nil && r.failHist.TotalCount() != r.Errors+r.Unfinished:
		return fmt.Errorf("bench: decoding result: the failure histogram holds %d samples for %d failed and unfinished requests",
			r.failHist.TotalCount(), r.Errors+r.Unfinished)
	}
	if err := r.validateCounts(); err != nil {
		return err
	}
	if r.Elapsed > 0 {
		given := *r
		r.rates()
		if !near(given.Throughput, r.Throughput) || !near(given.InferencesPerSecond, r.InferencesPerSecond) {
			return fmt.Errorf("bench: decoding result: Throughput %v and InferencesPerSecond %v do not follow from %d successful requests in %v (%v and %v)",
				given.Throughput, given.InferencesPerSecond, r.Requests-r.Errors, r.Elapsed, r.Throughput, r.InferencesPerSecond)
		}
		r.Throughput, r.InferencesPerSecond = given.Throughput, given.InferencesPerSecond
	}
	if r.busyNS > 0 {
		r.checkLittlesLaw()
	}
	return nil
}

func (r *Result) validateCounts() error {
	switch {
	case r.Requests < 0 || r.Errors < 0 || r.Errors > r.Requests || r.Unfinished < 0 ||
		r.Missed < 0 || r.Offered < 0 || r.ClientMissed < 0 || r.ClientLate < 0 || r.busyNS < 0:
		return errors.New("bench: decoding result: negative or inconsistent counts")
	case r.Elapsed < 0 || r.SeriesInterval < 0 || r.End.Before(r.Start):
		return errors.New("bench: decoding result: negative window or interval")
	case r.SeriesInterval > 0 && len(r.Series) > 0 && r.End.Sub(r.Start)/r.SeriesInterval > MaxSeriesLen:
		return fmt.Errorf("bench: decoding result: window of over %d intervals", MaxSeriesLen)
	case len(r.Series) > MaxSeriesLen:
		return fmt.Errorf("bench: decoding result: series of over %d intervals", MaxSeriesLen)
	case r.Throughput < 0 || r.InferencesPerSecond < 0 ||
		r.Requests == r.Errors && (r.Throughput > 0 || r.InferencesPerSecond > 0):
		return fmt.Errorf("bench: decoding result: throughput %v (%v inferences/s) from %d successful requests",
			r.Throughput, r.InferencesPerSecond, r.Requests-r.Errors)
	}
	// The classes split Errors: a summary may leave them out, but none is negative and
	// together they are all of the errors.
	if len(r.ErrorsByClass) > 0 {
		var sum checkedSum
		total := int64(0)
		for _, n := range r.ErrorsByClass {
			if n < 0 {
				sum.overflow = true
			}
			total = sum.add(total, n)
		}
		if sum.overflow || total != r.Errors {
			return fmt.Errorf("bench: decoding result: error classes count %d errors of %d", total, r.Errors)
		}
	}
	return nil
}

// near reports whether a and b agree to one part in a million.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*max(math.Abs(a), math.Abs(b)) }

type intervalJSON struct {
	intervalFields
	Width     time.Duration
	Histogram string `json:"Histogram,omitempty"`
}

type intervalFields Interval

// MarshalJSON encodes iv with its width and latency histogram.
func (iv Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(intervalJSON{intervalFields: intervalFields(iv), Width: iv.width, Histogram: string(iv.hist)})
}

// UnmarshalJSON decodes an Interval written by MarshalJSON.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var w intervalJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*iv = Interval(w.intervalFields)
	iv.width = w.Width
	iv.hist = nil
	if w.Histogram != "" {
		if _, err := decodeHist(w.Histogram); err != nil {
			return err
		}
		iv.hist = []byte(w.Histogram)
	}
	return nil
}

// decodeHist decodes a histogram and refuses one that is not ours in shape: a range
// beyond an hour or a precision above ours could be made to allocate without bound.
func decodeHist(s string) (h *hdrhistogram.Histogram, err error) {
	defer func() {
		if p := recover(); p != nil { // the decoder's own defence, not ours to trust
			h, err = nil, fmt.Errorf("bench: decoding latency histogram: %v", p)
		}
	}()
	h, err = hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("bench: decoding latency histogram: %w", err)
	}
	if h.HighestTrackableValue() > histMaxUS || h.SignificantFigures() > histSigFigs || h.LowestTrackableValue() < 1 {
		return nil, errors.New("bench: decoding latency histogram: range or precision beyond bench's")
	}
	return h, nil
}
