package report_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

func TestCSVParsesBackToTheStudysNumbers(t *testing.T) {
	rep := studyReport(t)
	unpriced := report.Row{Name: "g5", InstanceType: "ml.g5.xlarge", Provenance: "free text, with a comma",
		Result: fakeResult(t, 16, 200, 80*time.Millisecond, 90*time.Millisecond, 99*time.Millisecond, 12000, 30)}
	_ = unpriced.PriceFrom(cost.Study2021, "eu-west-1", 1)
	rep.Add(unpriced)

	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, b.String())
	}
	if len(recs) != 1+len(study)+1 {
		t.Fatalf("%d records, want header + %d rows", len(recs), len(study)+1)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range report.CSVHeader {
		if _, ok := col[h]; !ok {
			t.Errorf("header lacks %q", h)
		}
	}
	f := func(rec []string, name string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(rec[col[name]], 64)
		if err != nil {
			t.Fatalf("%s %s = %q: %v", rec[0], name, rec[col[name]], err)
		}
		return v
	}
	for i, s := range study {
		rec := recs[1+i]
		if rec[col["config"]] != s.config || rec[col["instance_type"]] != s.instanceType ||
			rec[col["compiled"]] != strconv.FormatBool(s.compiled) || rec[col["provenance"]] != report.Emulated {
			t.Errorf("row %d = %q, want %s on %s", i, rec[:5], s.config, s.instanceType)
		}
		if got := f(rec, "throughput_rps"); got != s.tps {
			t.Errorf("%s throughput_rps = %v, want %v", s.config, got, s.tps)
		}
		want, _ := strconv.ParseFloat(s.perMillion, 64)
		if got := f(rec, "usd_per_million"); math.Abs(got-want) > 0.005 {
			t.Errorf("%s usd_per_million = %v, want the study's %v", s.config, got, want)
		}
		ratio, _ := strconv.ParseFloat(s.ratio[:len(s.ratio)-1], 64)
		if got := f(rec, "ratio_to_best"); math.Abs(got-ratio) > 0.05 {
			t.Errorf("%s ratio_to_best = %v, want %v", s.config, got, ratio)
		}
		if got, want := f(rec, "p50_ms"), 16/s.tps*1000; math.Abs(got-want) > 0.002 {
			t.Errorf("%s p50_ms = %v, want %v", s.config, got, want)
		}
		if got, want := f(rec, "transactions_per_hour"), s.tps*3600; math.Abs(got-want) > 0.1 {
			t.Errorf("%s transactions_per_hour = %v, want %v", s.config, got, want)
		}
		if got := rec[col["best"]]; got != strconv.FormatBool(s.config == "inf1+neo") {
			t.Errorf("%s best = %s", s.config, got)
		}
	}
	last := recs[len(recs)-1]
	for _, name := range []string{"usd_per_hour", "usd_per_million", "transactions_per_hour", "ratio_to_best", "instances"} {
		if v := last[col[name]]; v != "" {
			t.Errorf("unpriced row %s = %q, want an empty cell", name, v)
		}
	}
	if got := f(last, "error_rate"); got != 0.0025 {
		t.Errorf("error_rate = %v, want 0.0025", got)
	}
	if last[col["provenance"]] != "free text, with a comma" {
		t.Errorf("provenance = %q", last[col["provenance"]])
	}
}
