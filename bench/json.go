package bench

import (
	"encoding/json"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// resultJSON is Result on the wire: every exported field, plus the latency histogram in
// HdrHistogram's standard V2 compressed, base64 form, so that a decoded Result reports
// the same percentiles and merges exactly.
type resultJSON struct {
	resultFields
	Histogram string `json:"Histogram,omitempty"`
	SumAllUS  int64  `json:"SumAllMicros,omitempty"`
}

// resultFields has Result's fields without its methods, so json does not recurse.
type resultFields Result

// MarshalJSON encodes r with its latency histogram. It has a value receiver so that a
// Result stored by value (in a struct, a slice) keeps its histogram too.
func (r Result) MarshalJSON() ([]byte, error) {
	w := resultJSON{resultFields: resultFields(r), SumAllUS: r.sumAllUS}
	if r.hist != nil && r.hist.TotalCount() > 0 {
		enc, err := r.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, fmt.Errorf("bench: encoding latency histogram: %w", err)
		}
		w.Histogram = string(enc)
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a Result written by MarshalJSON.
func (r *Result) UnmarshalJSON(b []byte) error {
	var w resultJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Result(w.resultFields)
	r.sumAllUS = w.SumAllUS
	r.hist = nil
	if w.Histogram != "" {
		h, err := decodeHist(w.Histogram)
		if err != nil {
			return err
		}
		r.hist = h
	}
	return nil
}

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

func decodeHist(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("bench: decoding latency histogram: %w", err)
	}
	return h, nil
}
