package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// verdictRow is one configuration of a verdict case: priced from the study's 2021 table
// (ml.g5.xlarge has no price there).
type verdictRow struct {
	name, instanceType string
	tps                float64
	p99                time.Duration
	errs               int64 // of 1000 requests
	classes            map[bench.ErrorClass]int64
	failed             string // no Result at all
}

func buildVerdictReport(t *testing.T, slo *bench.SLO, rows []verdictRow) *report.Report {
	t.Helper()
	rep := report.New("verdict")
	rep.SLO = slo
	for _, vr := range rows {
		row := report.Row{Name: vr.name, InstanceType: vr.instanceType, Provenance: report.Emulated}
		if vr.failed != "" {
			row.Failed = vr.failed
			rep.Add(row)
			continue
		}
		row.Result = fakeResult(t, 16, vr.tps, vr.p99*8/10, vr.p99*9/10, vr.p99, 1000, vr.errs)
		row.Result.ErrorsByClass = vr.classes
		if len(vr.classes) > 0 {
			row.Result.ErrorSamples = map[bench.ErrorClass]string{}
			for c := range vr.classes {
				row.Result.ErrorSamples[c] = "model returned status 415:\nunsupported content type <application/json>"
			}
		}
		_ = row.PriceFrom(cost.Study2021, "eu-west-1", 1)
		rep.Add(row)
	}
	return rep
}

// TestEveryOutputNamesTheSameRecommendation builds reports through the public API, writes
// each output format, parses it back and checks that each names the same recommended
// configuration, or none.
func TestEveryOutputNamesTheSameRecommendation(t *testing.T) {
	slo := &bench.SLO{Percentile: 99, Max: 100 * time.Millisecond}
	cases := []struct {
		name string
		slo  *bench.SLO
		rows []verdictRow
		want string // "" when nothing qualifies
		// wantVerdict is the Verdict column of a row that is not recommended.
		wantVerdict map[string]string
	}{
		{
			name: "SLO broken by the cheapest",
			slo:  slo,
			rows: []verdictRow{
				{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 168 * time.Millisecond},
				{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond},
				{name: "inf1", failed: "deploying: ResourceLimitExceeded"},
			},
			want: "g4dn",
			wantVerdict: map[string]string{
				"c5":   "breaks SLO p99 168ms > 100ms",
				"inf1": "failed: deploying: ResourceLimitExceeded",
			},
		},
		{
			name: "errors over the bound",
			rows: []verdictRow{
				{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond, errs: 11,
					classes: map[bench.ErrorClass]int64{bench.ClassClientError: 7, bench.ClassTimeout: 4}},
				{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond, errs: 2,
					classes: map[bench.ErrorClass]int64{bench.ClassTimeout: 2}},
			},
			want:        "g4dn",
			wantVerdict: map[string]string{"c5": "errors 1.1% > 1.0% (mostly client_error)"},
		},
		{
			name: "unpriced cheapest",
			slo:  slo,
			rows: []verdictRow{
				{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond},
				{name: "g5", instanceType: "ml.g5.xlarge", tps: 900, p99: 20 * time.Millisecond},
			},
			want:        "g4dn",
			wantVerdict: map[string]string{"g5": "not priced"},
		},
		{
			name: "nothing qualifies",
			slo:  slo,
			rows: []verdictRow{
				{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 168 * time.Millisecond},
				{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond, errs: 500,
					classes: map[bench.ErrorClass]int64{bench.ClassModelError: 500}},
				{name: "g5", instanceType: "ml.g5.xlarge", tps: 900, p99: 20 * time.Millisecond},
			},
			wantVerdict: map[string]string{
				"c5":   "breaks SLO p99 168ms > 100ms",
				"g4dn": "errors 50% > 1.0% (mostly model_error)",
				"g5":   "not priced",
			},
		},
		{
			name: "ties go to the first added",
			slo:  slo,
			rows: []verdictRow{
				{name: "c5-a", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond},
				{name: "c5-b", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond},
			},
			want:        "c5-a",
			wantVerdict: map[string]string{"c5-b": "meets SLO"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := buildVerdictReport(t, tc.slo, tc.rows)
			md := rep.Markdown()

			named := map[string]string{
				"Best()":              bestName(rep),
				"Markdown bold row":   mdBoldRow(t, md),
				"Markdown (best)":     mdBestCell(t, md),
				"Markdown summary":    mdSummaryName(t, md),
				"CSV best":            csvBest(t, rep),
				"JSON best":           jsonBest(t, rep),
				"cost.svg mark":       svgRecommended(t, rep, "cost"),
				"throughput.svg mark": svgRecommended(t, rep, "throughput"),
				"latency.svg mark":    svgRecommended(t, rep, "latency"),
			}
			for where, got := range named {
				if got != tc.want {
					t.Errorf("%s names %q, want %q\n%s", where, got, tc.want, md)
				}
			}
			for name, want := range tc.wantVerdict {
				if got := cells(t, md, name)[12]; got != report.Escape(want) {
					t.Errorf("%s: verdict cell %q, want %q", name, got, report.Escape(want))
				}
			}
			if tc.want == "" {
				first := strings.SplitN(md, "\n", 4)[2]
				if !strings.HasPrefix(first, "No configuration can be recommended") || !strings.Contains(first, "Closest: **") {
					t.Errorf("first line %q does not say that nothing qualifies and what came closest", first)
				}
			}
		})
	}
}

func bestName(rep *report.Report) string {
	if b := rep.Best(); b >= 0 {
		return rep.Rows[b].Name
	}
	return ""
}

// mdBoldRow is the configuration of the table row in bold, "" if none, failing on two.
func mdBoldRow(t *testing.T, md string) string {
	t.Helper()
	var got []string
	for line := range strings.SplitSeq(md, "\n") {
		if cs, ok := splitRow(line); ok && len(cs) == 15 && strings.HasPrefix(cs[0], "**") {
			got = append(got, strings.Trim(cs[0], "*"))
		}
	}
	if len(got) > 1 {
		t.Fatalf("%d bold rows: %q", len(got), got)
	}
	return strings.Join(got, "")
}

// mdBestCell is the configuration whose "vs best" cell says "(best)" and whose verdict
// says "recommended".
func mdBestCell(t *testing.T, md string) string {
	t.Helper()
	var got []string
	for line := range strings.SplitSeq(md, "\n") {
		if cs, ok := splitRow(line); ok && len(cs) == 15 && strings.Contains(cs[11], "(best)") {
			if cs[12] != "**recommended**" {
				t.Errorf("row %q: (best) but verdict %q", cs[0], cs[12])
			}
			got = append(got, strings.Trim(cs[0], "*"))
		}
	}
	if len(got) > 1 {
		t.Fatalf("%d rows marked (best): %q", len(got), got)
	}
	return strings.Join(got, "")
}

// mdSummaryName is the configuration the first sentence recommends.
func mdSummaryName(t *testing.T, md string) string {
	t.Helper()
	lines := strings.Split(md, "\n")
	if len(lines) < 3 {
		t.Fatalf("no summary line:\n%s", md)
	}
	s, ok := strings.CutPrefix(lines[2], "Recommended: **")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(s, "**")
	return name
}

func csvBest(t *testing.T, rep *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var got []string
	for _, rec := range recs[1:] {
		if rec[col["best"]] == "true" {
			got = append(got, rec[col["config"]])
			if rec[col["verdict"]] != "recommended" {
				t.Errorf("CSV best row %q has verdict %q", rec[col["config"]], rec[col["verdict"]])
			}
		}
	}
	if len(got) > 1 {
		t.Fatalf("CSV: %d best rows", len(got))
	}
	return strings.Join(got, "")
}

func jsonBest(t *testing.T, rep *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Best int `json:"best"`
		Rows []struct {
			Config string `json:"config"`
			Best   bool   `json:"best"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	var flagged []string
	for _, r := range j.Rows {
		if r.Best {
			flagged = append(flagged, r.Config)
		}
	}
	byIndex := ""
	if j.Best >= 0 {
		byIndex = j.Rows[j.Best].Config
	}
	if strings.Join(flagged, "") != byIndex {
		t.Errorf("JSON: best index names %q, rows flagged best: %q", byIndex, flagged)
	}
	return byIndex
}

// svgRecommended is the configuration chart name marks "(recommended)".
func svgRecommended(t *testing.T, rep *report.Report, name string) string {
	t.Helper()
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name != name {
			continue
		}
		var b bytes.Buffer
		if err := c.Render(&b, "svg"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range svgText(t, b.Bytes()) {
			if n, ok := strings.CutSuffix(s, " (recommended)"); ok {
				got = append(got, n)
			}
		}
		if len(got) > 1 {
			t.Fatalf("%s.svg marks %d rows recommended", name, len(got))
		}
		return strings.Join(got, "")
	}
	t.Fatalf("no %s chart", name)
	return ""
}

func TestVerdictCriteriaAreTheReportsOwn(t *testing.T) {
	rep := buildVerdictReport(t, nil, []verdictRow{
		{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond, errs: 5},
		{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond},
	})
	if got := bestName(rep); got != "c5" {
		t.Fatalf("with the default bound (1%%), 0.5%% errors qualify: best %q, want c5", got)
	}
	rep.MaxErrorRate = new(0.0)
	if got := bestName(rep); got != "g4dn" {
		t.Errorf("with MaxErrorRate 0, any error disqualifies: best %q, want g4dn", got)
	}
	rep.MaxErrorRate = new(1.5)
	if err := rep.WriteMarkdown(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "MaxErrorRate 1.5") {
		t.Errorf("MaxErrorRate 1.5: err = %v, want it refused", err)
	}
}

func TestCheaperRejectedRowIsNamedInTheSummary(t *testing.T) {
	rep := buildVerdictReport(t, &bench.SLO{Percentile: 99, Max: 100 * time.Millisecond}, []verdictRow{
		{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 168 * time.Millisecond},
		{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond},
	})
	want := "Recommended: g4dn, $1.52 per million inferences, meeting the SLO p99 <= 100ms. " +
		"Cheaper but not recommended: c5 ($0.64, breaks SLO p99 168ms > 100ms)."
	if got := rep.Summary(); got != want {
		t.Errorf("Summary() = %q\nwant        %q", got, want)
	}
	if cs := cells(t, rep.Markdown(), "c5"); cs[11] != "0.4x" {
		t.Errorf("c5 vs best = %q, want its ratio to the recommended g4dn, 0.4x", cs[11])
	}
}

func TestTeardownFailureKeepsTheRowsVerdict(t *testing.T) {
	rep := buildVerdictReport(t, nil, []verdictRow{{name: "g4dn", instanceType: "ml.g4dn.xlarge", tps: 150, p99: 60 * time.Millisecond}})
	rep.Rows[0].Teardown = "endpoint sagebench-g4dn-1 still Deleting"
	if got := bestName(rep); got != "g4dn" {
		t.Fatalf("a failed teardown disqualified the row: best %q", got)
	}
	if got, want := cells(t, rep.Markdown(), "g4dn")[12], "**recommended; teardown failed: endpoint sagebench-g4dn-1 still Deleting**"; got != want {
		t.Errorf("verdict cell %q, want %q", got, want)
	}
}

func TestRowsWithErrorsShowTheirClassesAndAnEscapedSample(t *testing.T) {
	rep := buildVerdictReport(t, nil, []verdictRow{
		{name: "c5", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond, errs: 7,
			classes: map[bench.ErrorClass]int64{bench.ClassModelError: 5, bench.ClassTimeout: 2}},
	})
	rep.Rows[0].Result.ErrorSamples[bench.ClassModelError] = "model returned status 415: | <script>" + strings.Repeat("x", 300)
	sr := &bench.SweepResult{Peak: 0, Knee: 0, Steps: []bench.Step{{Concurrency: 1, Result: rep.Rows[0].Result, Stable: true, Windows: 3, MetSLO: true}}}
	rep.AddSweep(report.Sweep{Name: "c5", Result: sr})
	md := rep.Markdown()
	if got := cells(t, md, "c5")[7]; got != "7 (0.70%): model_error 5, timeout 2" {
		t.Errorf("errors cell %q, want the counts by class", got)
	}
	// 160 characters at most: the 37 before the x's, 122 x's and the mark of the cut.
	want := "c5: first model_error error: model returned status 415: \\| \\<script>" + strings.Repeat("x", 122) + "…"
	if !strings.Contains(md, want+"\n") {
		t.Errorf("no escaped, truncated sample footnote %q in\n%s", want, md)
	}
	if !strings.Contains(md, "| 7 (0.70%): model_error 5, timeout 2 |") || !strings.Contains(md, "step 1 (1 workers): first model_error error: ") {
		t.Errorf("the sweep's step does not show its errors' classes and sample:\n%s", md)
	}
}

// A row whose result does not hold the SLO's percentile (a summary without its histogram)
// is not recommended, and its verdict says the percentile is unknown, not that it is 0.
func TestVerdictDoesNotJudgeAPercentileTheRowLacks(t *testing.T) {
	rep := report.New("t")
	rep.SLO = &bench.SLO{Percentile: 97, Max: 100 * time.Millisecond}
	row := report.Row{Name: "summary", InstanceType: "ml.c5.xlarge", Result: &bench.Result{
		Requests: 1000, Throughput: 100, InferencesPerSecond: 100, Latency: bench.Latency{P50: time.Second, P99: 5 * time.Second}}}
	if err := row.PriceFrom(cost.Study2021, "eu-west-1", 1); err != nil {
		t.Fatal(err)
	}
	rep.Add(row)
	v := rep.Verdicts()[0]
	if v.Qualifies || v.Recommended {
		t.Errorf("verdict %q qualifies a p97 objective the row cannot show", v)
	}
	if got, want := v.String(), "SLO p97 <= 100ms unknown: the result has no p97 latency"; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
}
