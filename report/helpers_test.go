package report_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// fakeResult builds a closed-loop bench.Result through its JSON form, as a saved run would
// be read back. Little's law is computed from tps and the mean latency, as bench does, so
// a result whose latency does not fit its throughput carries bench's own warning.
func fakeResult(t testing.TB, workers int, tps float64, p50, p90, p99 time.Duration, requests, errs int64) *bench.Result {
	t.Helper()
	mean := (p50 + p90) / 2
	predicted := tps * mean.Seconds()
	ratio := predicted / float64(workers)
	holds := ratio > 1-bench.LittlesLawTolerance && ratio < 1+bench.LittlesLawTolerance
	ll := bench.LittlesLaw{Concurrency: workers, Predicted: predicted, Ratio: ratio, Holds: holds}
	var warnings []string
	if !holds {
		warnings = append(warnings, ll.String())
	}
	elapsed := time.Duration(float64(requests-errs) / tps * float64(time.Second))
	// The histogram makes Result.Percentile (which SLO checks and Verdict use) agree with
	// Latency: half the requests at p50, 40% at p90, 9% at p99, 1% at p99.9. It holds one
	// sample per successful request, as bench checks on decode.
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	n := requests - errs
	for _, v := range []struct {
		d time.Duration
		n int64
	}{{p50, n - n*40/100 - n*9/100 - n/100}, {p90, n * 40 / 100}, {p99, n * 9 / 100}, {p99 * 3 / 2, n / 100}} {
		if err := h.RecordValues(v.d.Microseconds(), v.n); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	rate := tps
	if n == 0 {
		rate = 0 // no successful request: bench refuses a rate on decode
	}
	b, err := json.Marshal(map[string]any{
		"Histogram": string(hist),
		"Elapsed":   elapsed, "Concurrency": workers, "BatchSize": 1,
		"Requests": requests, "Errors": errs, "Throughput": rate, "InferencesPerSecond": rate,
		"Latency":    bench.Latency{Mean: mean, Min: p50 / 2, Max: 2 * p99, P50: p50, P90: p90, P95: (p90 + p99) / 2, P99: p99, P999: p99 * 3 / 2},
		"LittlesLaw": ll, "Warnings": warnings,
	})
	if err != nil {
		t.Fatal(err)
	}
	var r bench.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// studyConfig is one configuration of the reference study as published.
type studyConfig struct {
	config, instanceType string
	compiled             bool
	tps                  float64
	perMillion           string // published $/1M, as the table must print it
	ratio                string // cost per inference over inf1+neo's, one decimal
}

var study = []studyConfig{
	{"c5", "ml.c5.xlarge", false, 5.9, "10.83", "35.9x"},
	{"c5+neo", "ml.c5.xlarge", true, 12.9, "4.95", "16.4x"},
	{"g4dn", "ml.g4dn.xlarge", false, 74.7, "3.05", "10.1x"},
	{"g4dn+neo", "ml.g4dn.xlarge", true, 140.4, "1.62", "5.4x"},
	{"inf1+neo", "ml.inf1.xlarge", true, 304.3, "0.30", "1.0x"},
}

// studyReport is the study's five configurations at 16 workers, with latencies that obey
// Little's law (p50 = 16 / TPS), priced with the study's 2021 table.
func studyReport(t testing.TB) *report.Report {
	t.Helper()
	rep := report.New("ResNet50 on SageMaker, 16 workers, eu-west-1 (2021 prices)")
	for _, s := range study {
		p50 := time.Duration(16 / s.tps * float64(time.Second))
		row := report.Row{
			Name: s.config, InstanceType: s.instanceType, Compiled: s.compiled, Provenance: report.Emulated,
			Result: fakeResult(t, 16, s.tps, p50, p50*11/10, p50*13/10, int64(s.tps*60), 0),
		}
		if err := row.PriceFrom(cost.Study2021, "eu-west-1", 1); err != nil {
			t.Fatal(err)
		}
		rep.Add(row)
	}
	return rep
}

// fakeSweep builds a sweep over the ladder 1, 2, 4, ... whose throughput grows up to
// capacity, with peak and knee where bench would put them.
func fakeSweep(t testing.TB, perWorker, capacity float64, steps int, slo *bench.SLO) *bench.SweepResult {
	t.Helper()
	sr := &bench.SweepResult{Peak: -1, Knee: -1, Stop: bench.StopPlateau, SLO: slo}
	best := 0.0
	for i, w := 0, 1; i < steps; i, w = i+1, w*2 {
		tps := min(perWorker*float64(w), capacity)
		p50 := time.Duration(float64(w) / tps * float64(time.Second))
		res := fakeResult(t, w, tps, p50, p50*11/10, p50*13/10, int64(tps*15), 0)
		met := slo == nil || res.Latency.P99 <= slo.Max
		sr.Steps = append(sr.Steps, bench.Step{Concurrency: w, Result: res, Stable: true, Windows: 3, MetSLO: met})
		if tps > best*1.05 {
			sr.Knee = i
		}
		if met && tps > best {
			sr.Peak = i
		}
		best = max(best, tps)
	}
	sr.StopDetail = fmt.Sprintf("throughput plateau after %d workers", sr.Steps[len(sr.Steps)-1].Concurrency)
	return sr
}

// splitRow splits a Markdown table line into its cells, empty cells included.
func splitRow(line string) ([]string, bool) {
	if !strings.HasPrefix(line, "| ") || !strings.HasSuffix(line, " |") {
		return nil, false
	}
	return strings.Split(line[2:len(line)-2], " | "), true
}
