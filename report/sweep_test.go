package report_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
)

func TestSweepTableOfARealSweep(t *testing.T) {
	// 4 model workers of 10 ms: throughput grows to 400 req/s at 4 clients, then only queues.
	fake := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(10*time.Millisecond)))
	sr, err := bench.Sweep(context.Background(), fake, bench.SweepConfig{
		Levels: []int{1, 2, 4, 8, 16},
		Base: bench.Config{Duration: 150 * time.Millisecond,
			Payloads: []payload.Payload{{Name: "p", ContentType: "application/octet-stream", Body: []byte("x")}}},
		StableWindows: 2, MaxWindows: 3, Tolerance: new(0.3), MinGain: new(0.2),
		SLO: &bench.SLO{Percentile: 99, Max: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	md := report.New("sweep").AddSweep(report.Sweep{Name: "fake", InstanceType: "ml.c5.xlarge", Provenance: report.Emulated, Result: sr}).Markdown()

	if !strings.Contains(md, "## Sweep: fake (ml.c5.xlarge, emulated, SLO p99 <= 1s)") {
		t.Errorf("no sweep heading:\n%s", md)
	}
	if !strings.Contains(md, "Verdict: **"+sr.Verdict()+"**") {
		t.Errorf("no verdict %q:\n%s", sr.Verdict(), md)
	}
	var rows [][]string
	for _, line := range strings.Split(md, "\n") {
		if cs, ok := splitRow(line); ok && len(cs) == 10 && cs[0] != "Step" && !strings.HasPrefix(cs[0], "-") {
			rows = append(rows, cs)
		}
	}
	if len(rows) != len(sr.Steps) {
		t.Fatalf("%d step rows, want %d:\n%s", len(rows), len(sr.Steps), md)
	}
	for i, st := range sr.Steps {
		if rows[i][1] != strconv.Itoa(st.Concurrency) {
			t.Errorf("step %d workers = %q, want %d", i+1, rows[i][1], st.Concurrency)
		}
		marks := rows[i][9]
		if (i == sr.Peak) != strings.Contains(marks, "peak") || (i == sr.Knee) != strings.Contains(marks, "knee") {
			t.Errorf("step %d marks %q; peak is step %d, knee step %d", i+1, marks, sr.Peak+1, sr.Knee+1)
		}
	}
	if sr.Peak < 0 || sr.Knee < 0 {
		t.Fatalf("the fake's sweep should have a peak and a knee: %+v", sr)
	}
}

func TestSweepWithBadPeakIsAnErrorNotAPanic(t *testing.T) {
	sr := &bench.SweepResult{Peak: 3, Knee: -1} // no steps
	err := report.New("t").AddSweep(report.Sweep{Name: "hand-made", Result: sr}).WriteMarkdown(&strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "sweep 0 (hand-made): peak 3") {
		t.Errorf("err = %v", err)
	}
}
