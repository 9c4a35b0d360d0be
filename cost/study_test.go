package cost_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sagebench/sagebench/cost"
)

// studyRow is one line of the study's published results.
type studyRow struct {
	config, instanceType string
	tps, usdPerHour      float64
	usdPerMillion        float64 // published, rounded to cents
	latency              time.Duration
}

// readStudy reads testdata/study-2021.csv, a verbatim copy of the study's published table kept
// in the package: tests read only files inside the repository.
func readStudy(t testing.TB) []studyRow {
	t.Helper()
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
	var rows []studyRow
	for _, rec := range recs[1:] { // skip the header
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				t.Fatalf("study row %v column %d: %v", rec, i, err)
			}
			return v
		}
		rows = append(rows, studyRow{
			config: rec[0], instanceType: rec[1], tps: num(3), usdPerHour: num(6), usdPerMillion: num(7),
			latency: time.Duration(num(5) * float64(time.Millisecond)),
		})
	}
	if len(rows) != 5 {
		t.Fatalf("study has %d configurations, want 5", len(rows))
	}
	return rows
}

func TestStudyPricesAreTheSnapshot(t *testing.T) {
	for _, r := range readStudy(t) {
		p, err := cost.Study2021.Lookup("eu-west-1", r.instanceType)
		if err != nil {
			t.Fatalf("%s: %v", r.config, err)
		}
		if p.USDPerHour != r.usdPerHour || p.AsOf != "2021" {
			t.Errorf("%s: snapshot has $%v as of %q, study used $%v in 2021", r.config, p.USDPerHour, p.AsOf, r.usdPerHour)
		}
	}
}

func TestStudyPerMillionToTheCent(t *testing.T) {
	for _, r := range readStudy(t) {
		p, err := cost.Study2021.Lookup("eu-west-1", r.instanceType)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cost.PerMillion(p.USDPerHour, r.tps)
		if err != nil {
			t.Fatal(err)
		}
		if cents(got) != cents(r.usdPerMillion) {
			t.Errorf("%s: $%.4f per 1M rounds to $%.2f, study published $%.2f", r.config, got, cents(got), r.usdPerMillion)
		}
	}
}

// The study's headline ratios are ratios of its cent-rounded $/1M column: 1.62/0.30 = 5.4 and
// 4.95/0.30 = 16.5. Unrounded, the second is 16.4x (4.9526/0.3012); Compare reports that.
func TestStudyRatios(t *testing.T) {
	est := map[string]cost.Estimate{}
	published := map[string]float64{}
	for _, r := range readStudy(t) {
		p, err := cost.Study2021.Lookup("eu-west-1", r.instanceType)
		if err != nil {
			t.Fatal(err)
		}
		e, err := cost.NewEstimate(cost.Candidate{Name: r.config, Price: p, TPS: r.tps})
		if err != nil {
			t.Fatal(err)
		}
		est[r.config], published[r.config] = e, r.usdPerMillion
	}
	tests := []struct {
		better, worse string
		published     float64 // ratio of the published, rounded column
		exact         string  // Compare on unrounded figures
	}{
		{"inf1+neo", "g4dn+neo", 5.4, "inf1+neo is 5.4x more cost-effective than g4dn+neo"},
		{"inf1+neo", "c5+neo", 16.5, "inf1+neo is 16.4x more cost-effective than c5+neo"},
	}
	for _, tt := range tests {
		rounded := cents(est[tt.worse].PerMillion) / cents(est[tt.better].PerMillion)
		if math.Abs(rounded-tt.published) > 1e-9 {
			t.Errorf("%s vs %s: rounded ratio %.4f, study says %.1fx", tt.better, tt.worse, rounded, tt.published)
		}
		c, err := cost.Compare(est[tt.worse], est[tt.better]) // order must not matter
		if err != nil {
			t.Fatal(err)
		}
		if got := c.String(); got != tt.exact {
			t.Errorf("Compare = %q, want %q", got, tt.exact)
		}
	}
}

// TestStudyCheapestIsInf1 asks the study's question as an API: which configuration serves
// 1,000 inferences/s with 20% headroom at the lowest price?
func TestStudyCheapestIsInf1(t *testing.T) {
	var cands []cost.Candidate
	for _, r := range readStudy(t) {
		p, err := cost.Study2021.Lookup("eu-west-1", r.instanceType)
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, cost.Candidate{Name: r.config, Price: p, TPS: r.tps, Latency: r.latency})
	}
	fleet, err := cost.Cheapest(cost.Requirement{TPS: 1000, Headroom: 0.2}, cands...)
	if err != nil {
		t.Fatal(err)
	}
	// 1200/304.3 = 3.94 -> 4 instances at $0.33.
	if fleet.Candidate.Name != "inf1+neo" || fleet.InstanceCount != 4 || math.Abs(fleet.USDPerHour-1.32) > 1e-9 {
		t.Errorf("cheapest = %s x%d at $%v/h, want inf1+neo x4 at $1.32/h", fleet.Candidate.Name, fleet.InstanceCount, fleet.USDPerHour)
	}
	// With a 100 ms SLO on the Little's-law latencies only inf1+neo (52.6 ms) qualifies;
	// with 40 ms nothing does.
	fleet, err = cost.Cheapest(cost.Requirement{TPS: 1000, Headroom: 0.2, MaxLatency: 100 * time.Millisecond}, cands...)
	if err != nil || fleet.Candidate.Name != "inf1+neo" {
		t.Errorf("with 100ms SLO: %v, %v; want inf1+neo", fleet.Candidate.Name, err)
	}
}

func cents(x float64) float64 { return math.Round(x*100) / 100 }
