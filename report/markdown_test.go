package report_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// cells returns the Markdown table row of config, split into its cells.
func cells(t *testing.T, md, config string) []string {
	t.Helper()
	for _, line := range strings.Split(md, "\n") {
		if cs, ok := splitRow(line); ok && strings.Trim(cs[0], "*") == config {
			return cs
		}
	}
	t.Fatalf("no table row for %q in\n%s", config, md)
	return nil
}

func TestMarkdownReproducesTheStudysCostColumn(t *testing.T) {
	md := studyReport(t).Markdown()
	for _, s := range study {
		cs := cells(t, md, s.config)
		if got := strings.Trim(cs[9], "*"); got != s.perMillion {
			t.Errorf("%s: $/1M = %q, want the study's %s", s.config, got, s.perMillion)
		}
		if got := strings.TrimSuffix(strings.Trim(cs[11], "*"), " (best)"); got != s.ratio {
			t.Errorf("%s: vs best = %q, want %s", s.config, got, s.ratio)
		}
		if got, want := cs[3], strconv.FormatFloat(s.tps, 'f', 1, 64); got != want {
			t.Errorf("%s: TPS = %q, want %s", s.config, got, want)
		}
	}
	if cs := cells(t, md, "inf1+neo"); !strings.Contains(cs[11], "(best)") || !strings.HasPrefix(cs[0], "**") {
		t.Errorf("inf1+neo is not marked best: %q", cs)
	}
	for _, want := range []string{
		"| g4dn+neo | ml.g4dn.xlarge | yes | 140.4 | 114 | 125 | 148 | 0 | 0.821 | 1.62 | 505,440 | 5.4x | qualifies | emulated |  |",
		"| c5 | ml.c5.xlarge | no | 5.9 | 2712 | 2983 | 3525 | 0 | 0.23 | 10.83 | 21,240 | 35.9x | qualifies | emulated |  |",
		"Recommended: **inf1+neo**, $0.30 per million inferences; inf1+neo is 5.4x more cost-effective than g4dn+neo.",
		"Provenance *emulated*",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestMarkdownShowsBrokenLittlesLaw(t *testing.T) {
	// The study's published latency column: 21.19 ms at 74.7 req/s with 16 workers, ten
	// times too small for Little's law (16 / 74.7 = 214 ms).
	res := fakeResult(t, 16, 74.7, 21190*time.Microsecond, 25*time.Millisecond, 30*time.Millisecond, 4482, 0)
	row := report.Row{Name: "g4dn", InstanceType: "ml.g4dn.xlarge", Result: res, Provenance: report.Measured}
	if err := row.PriceFrom(cost.Study2021, "eu-west-1", 1); err != nil {
		t.Fatal(err)
	}
	md := report.New("").Add(row).Markdown()
	if cs := cells(t, md, "g4dn"); cs[14] != report.Warn+" [1]" {
		t.Errorf("notes cell = %q, want the warning marker %q", cs[14], report.Warn+" [1]")
	}
	if !strings.Contains(md, "1. "+report.Warn+" g4dn: Little's law BROKEN") {
		t.Errorf("no Little's law footnote under the table:\n%s", md)
	}
	if !strings.Contains(md, "Provenance *measured*") {
		t.Errorf("provenance not explained:\n%s", md)
	}
}

func TestMarkdownShowsNAWithoutPrice(t *testing.T) {
	rep := studyReport(t)
	row := report.Row{Name: "g5", InstanceType: "ml.g5.xlarge", Result: fakeResult(t, 16, 200, 80*time.Millisecond, 90*time.Millisecond, 99*time.Millisecond, 12000, 30)}
	err := row.PriceFrom(cost.Study2021, "eu-west-1", 1)
	if err == nil {
		t.Fatal("the 2021 table priced ml.g5.xlarge")
	}
	rep.Add(row)
	md := rep.Markdown()
	cs := cells(t, md, "g5")
	for i, col := range []string{"$/hour", "$/1M", "transactions/hour", "vs best"} {
		if got := cs[8+i]; got != "n/a" {
			t.Errorf("g5 %s = %q, want n/a", col, got)
		}
	}
	if cs[7] != "30 (0.25%)" {
		t.Errorf("g5 errors = %q, want 30 (0.25%%)", cs[7])
	}
	if cs[14] != "[1]" || !strings.Contains(md, "1. g5: no price: report: pricing g5: cost: ml.g5.xlarge is a valid SageMaker instance type; table study-2021 has no price for it in eu-west-1") {
		t.Errorf("missing price not explained (notes %q):\n%s", cs[14], md)
	}
	if strings.Contains(md, "Inf") || strings.Contains(md, "NaN") {
		t.Errorf("Markdown shows Inf or NaN:\n%s", md)
	}
	if !strings.Contains(md, "Rows without a provenance") {
		t.Errorf("a row without provenance is not called out:\n%s", md)
	}
}

func TestMarkdownWithNoPriceAtAll(t *testing.T) {
	row := report.Row{Name: "local", InstanceType: "ml.c5.xlarge", Provenance: "laptop",
		Result: fakeResult(t, 4, 400, 10*time.Millisecond, 10*time.Millisecond, 12*time.Millisecond, 4000, 0)}
	md := report.New("t").Add(row).Markdown()
	if !strings.Contains(md, "No configuration can be recommended: none was measured with at most 1.0% errors and a known price. Closest: **local**: not priced.") {
		t.Errorf("no statement that nothing is priced:\n%s", md)
	}
	if cs := cells(t, md, "local"); cs[9] != "n/a" || cs[12] != "not priced" || cs[13] != "laptop" {
		t.Errorf("row = %q, want $/1M n/a and provenance laptop", cs)
	}
}

func TestMarkdownRejectsRowWithoutResult(t *testing.T) {
	err := report.New("t").Add(report.Row{Name: "x"}).WriteMarkdown(&strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "report: row 0 (x) has no Result and does not say why") {
		t.Errorf("err = %v, want it to name the row without a Result", err)
	}
}

func TestFailedRunIsUnpricedAndCharted(t *testing.T) {
	res := fakeResult(t, 16, 1, 0, 0, 0, 500, 500)
	res.Throughput, res.InferencesPerSecond = 0, 0 // every request failed
	row := report.Row{Name: "broken", InstanceType: "ml.c5.xlarge", Result: res, Provenance: report.Emulated}
	if err := row.PriceFrom(cost.Study2021, "eu-west-1", 1); err == nil {
		t.Fatal("a run with no successful request was priced")
	}
	rep := report.New("t").Add(row)
	md := rep.Markdown()
	if cs := cells(t, md, "broken"); cs[7] != "500 (100%)" || cs[9] != "n/a" {
		t.Errorf("errors %q, $/1M %q; want 500 (100%%) and n/a", cs[7], cs[9])
	}
	if !strings.Contains(md, "throughput 0 inferences/s must be a positive number") {
		t.Errorf("the reason for n/a is not shown:\n%s", md)
	}
	if _, err := rep.Charts(); err != nil {
		t.Errorf("charts of a failed run: %v", err)
	}
}

func TestBatchedRowsSayWhatTheyCount(t *testing.T) {
	res := fakeResult(t, 4, 100, 40*time.Millisecond, 40*time.Millisecond, 40*time.Millisecond, 1000, 0)
	res.BatchSize, res.InferencesPerSecond = 8, 800
	row := report.Row{Name: "batched", InstanceType: "ml.inf1.xlarge", Result: res}
	if err := row.PriceFrom(cost.Study2021, "eu-west-1", 1); err != nil {
		t.Fatal(err)
	}
	if want := 0.33 / (800 * 3600) * 1e6; math.Abs(row.Cost.PerMillion-want) > 1e-12 {
		t.Errorf("$/1M = %v, want %v (priced per inference, not per request)", row.Cost.PerMillion, want)
	}
	if md := report.New("").Add(row).Markdown(); !strings.Contains(md, "batch size 8") {
		t.Errorf("no batch-size footnote:\n%s", md)
	}
}

func TestEmptyReport(t *testing.T) {
	rep := report.New("nothing yet")
	if md := rep.Markdown(); md != "# nothing yet\n" {
		t.Errorf("Markdown = %q", md)
	}
	if c, err := rep.Charts(); err != nil || len(c) != 0 {
		t.Errorf("charts %d, err %v; want none", len(c), err)
	}
}

func TestMarkdownEscapesLabels(t *testing.T) {
	row := report.Row{Name: "a|b <x>", InstanceType: "ml.c5.xlarge",
		Result: fakeResult(t, 1, 100, 10*time.Millisecond, 10*time.Millisecond, 10*time.Millisecond, 100, 0)}
	md := report.New("").Add(row).Markdown()
	if !strings.Contains(md, `| a\|b \<x> | ml.c5.xlarge |`) {
		t.Errorf("label not escaped:\n%s", md)
	}
}

// TestStudyTableIsThePublishedOne ties the figures above to testdata/study-2021.csv, a
// verbatim copy of the study's published results.
func TestStudyTableIsThePublishedOne(t *testing.T) {
	b, err := os.ReadFile("testdata/study-2021.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(study) {
		t.Fatalf("%d published rows, want %d", len(recs)-1, len(study))
	}
	for i, rec := range recs[1:] {
		s := study[i]
		if rec[0] != s.config || rec[1] != s.instanceType || rec[2] != strconv.FormatBool(s.compiled) ||
			rec[3] != strconv.FormatFloat(s.tps, 'f', -1, 64) || rec[7] != s.perMillion {
			t.Errorf("published %q, test table %+v", rec, s)
		}
	}
}

// TestMarkdownEscapesErrorClasses: an invoker names its own error classes (an
// ErrorClass() method, see bench.Classify), so a class is free text like a name: in the
// Errors cell of the table and of a sweep's table it can neither end a cell nor start a
// line of its own.
func TestMarkdownEscapesErrorClasses(t *testing.T) {
	class := bench.ErrorClass("a|b\n\n## injected\n<script>")
	rep := buildVerdictReport(t, nil, []verdictRow{
		{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond, errs: 5,
			classes: map[bench.ErrorClass]int64{class: 5}},
	})
	rep.AddSweep(report.Sweep{Name: "c5", Result: &bench.SweepResult{Peak: 0, Knee: 0, Steps: []bench.Step{
		{Concurrency: 1, Result: rep.Rows[0].Result, Stable: true, Windows: 3, MetSLO: true}}}})
	md := rep.Markdown()
	tables := 0
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "## ") && !strings.HasPrefix(line, "## Sweep: ") || strings.HasPrefix(line, "<script") {
			t.Errorf("an error class started a line of its own: %q", line)
		}
		if strings.HasPrefix(line, "| ") {
			tables++
			if n := len(gfmCells(line)); n != 2+15 && n != 2+10 {
				t.Errorf("a table line splits into %d cells, as a renderer reads it: %q", n-2, line)
			}
		}
	}
	if tables != 6 { // header, alignment and one row, for the table and the sweep
		t.Errorf("%d table lines, want 6:\n%s", tables, md)
	}
	if want := `5 (0.50%): a\|b ## injected \<script> 5`; !strings.Contains(md, want) {
		t.Errorf("Markdown lacks the escaped class %q:\n%s", want, md)
	}
}
