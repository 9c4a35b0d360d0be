package cost

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestInstancesFor(t *testing.T) {
	tests := []struct {
		target, per, headroom float64
		want                  int
	}{
		{100, 50, 0, 2},
		{100, 40, 0.2, 3}, // 120/40 is exactly 3 despite float noise
		{101, 50, 0, 3},
		{1, 1000, 0.3, 1},
		{0.1, 0.1, 0, 1},
		{1000, 304.3, 0.2, 4},
		{1000, 5.9, 0, 170},
	}
	for _, tt := range tests {
		got, err := InstancesFor(tt.target, tt.per, tt.headroom)
		if err != nil || got != tt.want {
			t.Errorf("InstancesFor(%v, %v, %v) = %d, %v; want %d", tt.target, tt.per, tt.headroom, got, err, tt.want)
		}
	}
	for _, bad := range [][3]float64{{0, 1, 0}, {1, 0, 0}, {1, 1, -0.1}, {math.NaN(), 1, 0}, {1, math.Inf(1), 0}, {1e300, 1e-300, 0}} {
		if _, err := InstancesFor(bad[0], bad[1], bad[2]); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("InstancesFor(%v) = %v, want ErrInvalidInput", bad, err)
		}
	}
}

func cand(name string, usd, tps float64, latency time.Duration) Candidate {
	return Candidate{Name: name, Price: Price{Region: "us-east-1", InstanceType: "ml." + name + ".xlarge", USDPerHour: usd}, TPS: tps, Latency: latency}
}

// Equal cost per inference is not equal cost: instances come whole.
func TestCheapestCountsWholeInstances(t *testing.T) {
	big := cand("big", 1.0, 100, 0)    // $2.78/1M
	small := cand("small", 0.3, 30, 0) // $2.78/1M too, but 100 TPS needs 4 of them
	p, err := Cheapest(Requirement{TPS: 100}, small, big)
	if err != nil || p.Candidate.Name != "big" || p.InstanceCount != 1 || p.USDPerHour != 1 {
		t.Errorf("Cheapest = %+v, %v; want one big at $1/h", p, err)
	}
	if !near(p.PerMillion, 1.0/(100*3600)*1e6) {
		t.Errorf("PerMillion at target = %v", p.PerMillion)
	}
}

func TestCheapestHonoursLatencySLO(t *testing.T) {
	fastDear := cand("fast", 2, 100, 40*time.Millisecond)
	slowCheap := cand("slow", 0.5, 100, 200*time.Millisecond)
	unmeasured := cand("unknown", 0.1, 100, 0)
	p, err := Cheapest(Requirement{TPS: 150, Headroom: 0.25, MaxLatency: 100 * time.Millisecond}, slowCheap, unmeasured, fastDear)
	if err != nil || p.Candidate.Name != "fast" || p.InstanceCount != 2 {
		t.Errorf("Cheapest = %+v, %v; want 2 x fast", p, err)
	}
	// Without the SLO the unmeasured one wins on price.
	p, err = Cheapest(Requirement{TPS: 150, Headroom: 0.25}, slowCheap, unmeasured, fastDear)
	if err != nil || p.Candidate.Name != "unknown" {
		t.Errorf("Cheapest without SLO = %+v, %v; want unknown", p, err)
	}
}

func TestCheapestSaysWhyNothingFits(t *testing.T) {
	_, err := Cheapest(Requirement{TPS: 10, MaxLatency: 10 * time.Millisecond},
		cand("slow", 1, 10, time.Second), cand("unknown", 1, 10, 0), cand("broken", 1, 0, time.Millisecond))
	if !errors.Is(err, ErrNoCandidate) {
		t.Fatalf("err = %v, want ErrNoCandidate", err)
	}
	for _, want := range []string{"slow: latency 1s exceeds 10ms", "unknown: no latency measured", "broken: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := Cheapest(Requirement{TPS: 10}); !errors.Is(err, ErrNoCandidate) {
		t.Errorf("no candidates: %v", err)
	}
	for _, req := range []Requirement{{TPS: 0}, {TPS: 1, Headroom: -1}, {TPS: 1, MaxLatency: -1}} {
		if _, err := Cheapest(req, cand("x", 1, 1, 0)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Cheapest(%+v) = %v, want ErrInvalidInput", req, err)
		}
	}
}
