package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sagebench/sagebench/bench"
)

// Check is what the harness demands of a model server under a given load.
type Check struct {
	Load         bench.Config
	SLO          bench.SLO
	MinTPS       float64 // successful requests per second; 0 means no bound
	MaxErrorRate float64 // failed over all measured requests, 0..1
}

// Verdict is the harness's answer: pass, or every reason it failed.
type Verdict struct {
	Pass    bool
	Reasons []string
	Result  *bench.Result
}

// String says the verdict in a few lines, as a CI log wants it.
func (v Verdict) String() string {
	r := v.Result
	head := fmt.Sprintf("%.1f req/s, p50 %v, p99 %v, %d/%d errors", r.Throughput, r.Latency.P50, r.Latency.P99,
		r.Errors, r.Requests)
	if v.Pass {
		return "PASS: " + head
	}
	return "FAIL: " + head + "\n  " + strings.Join(v.Reasons, "\n  ")
}

// CheckFailed is run's error when the server was measured and failed the check.
type CheckFailed struct{ Verdict Verdict }

// Error says the verdict and its reasons.
func (e *CheckFailed) Error() string { return e.Verdict.String() }

// Evaluate loads inv as c.Load says and judges the measured window. An error means the
// measurement itself failed (bad config, cancellation), not that the server failed.
func Evaluate(ctx context.Context, inv bench.Invoker, c Check) (Verdict, error) {
	if c.SLO.Percentile <= 0 || c.SLO.Max <= 0 {
		return Verdict{}, errors.New("check: need an SLO with a percentile and a bound")
	}
	res, err := bench.Run(ctx, inv, c.Load)
	if err != nil {
		return Verdict{}, fmt.Errorf("check: load: %w", err)
	}
	v := Verdict{Result: res}
	if res.Requests == 0 {
		v.Reasons = append(v.Reasons, "no request completed in the measured window")
	}
	if res.Requests > res.Errors && !c.SLO.Met(res) {
		v.Reasons = append(v.Reasons, fmt.Sprintf("latency: p%g %v > %v", c.SLO.Percentile,
			res.Percentile(c.SLO.Percentile), c.SLO.Max))
	}
	if res.Requests > 0 && res.Requests == res.Errors {
		v.Reasons = append(v.Reasons, "latency: no successful request to judge")
	}
	if c.MinTPS > 0 && res.Throughput < c.MinTPS {
		v.Reasons = append(v.Reasons, fmt.Sprintf("throughput: %.1f req/s < %.1f", res.Throughput, c.MinTPS))
	}
	if res.Requests > 0 {
		if rate := float64(res.Errors) / float64(res.Requests); rate > c.MaxErrorRate {
			v.Reasons = append(v.Reasons, fmt.Sprintf("errors: %.1f%% > %.1f%% (%s)", 100*rate, 100*c.MaxErrorRate,
				byClass(res.ErrorsByClass)))
		}
	}
	// A run that breaks Little's law measured something other than the server: do not
	// let it pass on figures that cannot be trusted.
	if ll := res.LittlesLaw; ll != nil && !ll.Holds {
		v.Reasons = append(v.Reasons, "measurement: "+ll.String())
	}
	v.Pass = len(v.Reasons) == 0
	return v, nil
}

func byClass(m map[bench.ErrorClass]int64) string {
	classes := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(classes))
	for i, c := range classes {
		parts[i] = fmt.Sprintf("%s %d", c, m[c])
	}
	return strings.Join(parts, ", ")
}
