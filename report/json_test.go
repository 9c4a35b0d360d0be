package report_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/report"
)

func TestJSONDecodesWithPlainUnits(t *testing.T) {
	rep := studyReport(t)
	rep.Add(report.Row{Name: "g5", InstanceType: "ml.g5.xlarge",
		Result: fakeResult(t, 16, 200, 80*time.Millisecond, 90*time.Millisecond, 99*time.Millisecond, 12000, 30)})
	rep.AddSweep(report.Sweep{Name: "inf1+neo", Result: fakeSweep(t, 40, 304.3, 5, &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond})})
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}

	var got report.JSONReport
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	if got.Schema != report.SchemaVersion || got.Best != 4 || len(got.Rows) != 6 {
		t.Fatalf("schema %d, best %d, %d rows; want %d, 4, 6", got.Schema, got.Best, len(got.Rows), report.SchemaVersion)
	}
	for i, s := range study {
		r := got.Rows[i]
		if r.Name != s.config || r.ThroughputRPS != s.tps || r.USDPerMillion == nil {
			t.Fatalf("row %d = %s %v $%v, want %s %v priced", i, r.Name, r.ThroughputRPS, r.USDPerMillion, s.config, s.tps)
		}
		if want := 16 / s.tps * 1000; math.Abs(r.LatencyMS.P50-want) > 0.001 {
			t.Errorf("%s latency_ms.p50 = %v, want %v ms", s.config, r.LatencyMS.P50, want)
		}
		if want, _ := strconv.ParseFloat(s.perMillion, 64); math.Abs(*r.USDPerMillion-want) > 0.005 {
			t.Errorf("%s usd_per_million = %v, want the study's %v", s.config, *r.USDPerMillion, want)
		}
		if r.Result == nil || r.Result.Throughput != s.tps || r.Result.Percentile(50) == 0 {
			t.Errorf("%s: embedded bench.Result lost its figures or histogram", s.config)
		}
		if r.LittlesLawHolds == nil || !*r.LittlesLawHolds {
			t.Errorf("%s: littles_law_holds = %v, want true", s.config, r.LittlesLawHolds)
		}
	}
	if r := got.Rows[5]; r.USDPerMillion != nil || r.USDPerHour != nil || r.RatioToBest != nil || r.ErrorRate != 0.0025 {
		t.Errorf("unpriced row: $/1M %v, $/h %v, ratio %v, error rate %v; want nulls and 0.0025",
			r.USDPerMillion, r.USDPerHour, r.RatioToBest, r.ErrorRate)
	}
	// Missing figures are null on the wire, not absent and not 0.
	if !strings.Contains(b.String(), `"usd_per_million": null`) {
		t.Error(`no "usd_per_million": null for the unpriced row`)
	}
	if len(got.Sweeps) != 1 || got.Sweeps[0].Peak != 3 || len(got.Sweeps[0].Steps) != 5 ||
		got.Sweeps[0].SLO != "p99 <= 200ms" || got.Sweeps[0].Steps[3].ThroughputRPS != 304.3 {
		t.Errorf("sweep = %+v", got.Sweeps)
	}
}
