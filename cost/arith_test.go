package cost

import (
	"errors"
	"math"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestArithmetic(t *testing.T) {
	// $0.33/h at 304.3 inferences/s: 1,095,480 per hour.
	perM, err := PerMillion(0.33, 304.3)
	if err != nil || !near(perM, 0.33/1095480*1e6) {
		t.Errorf("PerMillion = %v, %v", perM, err)
	}
	per, err := PerInference(0.33, 304.3)
	if err != nil || !near(per, 0.33/1095480) {
		t.Errorf("PerInference = %v, %v", per, err)
	}
	tph, err := TransactionsPerHour(304.3)
	if err != nil || !near(tph, 1095480) {
		t.Errorf("TransactionsPerHour = %v, %v", tph, err)
	}
	ipd, err := InferencesPerDollar(0.33, 304.3)
	if err != nil || !near(ipd, 1095480/0.33) {
		t.Errorf("InferencesPerDollar = %v, %v", ipd, err)
	}
	hourly, err := EndpointPerHour(0.821, 3)
	if err != nil || !near(hourly, 2.463) {
		t.Errorf("EndpointPerHour = %v, %v", hourly, err)
	}
	if free, err := PerMillion(0, 10); err != nil || free != 0 {
		t.Errorf("PerMillion at $0/h = %v, %v; want 0", free, err)
	}
}

func TestArithmeticRejectsBadInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	calls := map[string]func() (float64, error){
		"PerMillion zero tps":          func() (float64, error) { return PerMillion(1, 0) },
		"PerMillion negative tps":      func() (float64, error) { return PerMillion(1, -5) },
		"PerMillion negative price":    func() (float64, error) { return PerMillion(-1, 5) },
		"PerMillion NaN price":         func() (float64, error) { return PerMillion(nan, 5) },
		"PerMillion Inf tps":           func() (float64, error) { return PerMillion(1, inf) },
		"PerInference zero tps":        func() (float64, error) { return PerInference(1, 0) },
		"TransactionsPerHour NaN":      func() (float64, error) { return TransactionsPerHour(nan) },
		"InferencesPerDollar zero":     func() (float64, error) { return InferencesPerDollar(0, 5) },
		"InferencesPerDollar zero tps": func() (float64, error) { return InferencesPerDollar(1, 0) },
		"EndpointPerHour zero count":   func() (float64, error) { return EndpointPerHour(1, 0) },
		"EndpointPerHour negative":     func() (float64, error) { return EndpointPerHour(-0.1, 2) },
	}
	for name, call := range calls {
		if v, err := call(); !errors.Is(err, ErrInvalidInput) || v != 0 {
			t.Errorf("%s = %v, %v; want 0 and ErrInvalidInput", name, v, err)
		}
	}
}

func TestNewEstimateScalesWithInstances(t *testing.T) {
	p := Price{Region: "eu-west-1", InstanceType: "ml.g4dn.xlarge", USDPerHour: 0.821}
	e, err := NewEstimate(Candidate{Name: "g4dn x2", Price: p, InstanceCount: 2, TPS: 280.8, Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Two instances at twice the throughput cost the same per inference as one.
	if e.InstanceCount != 2 || !near(e.USDPerHour, 1.642) || !near(e.PerMillion, 0.821/(140.4*3600)*1e6) ||
		!near(e.TransactionsPerHour, 280.8*3600) || !near(e.InferencesPerDollar, 280.8*3600/1.642) {
		t.Errorf("estimate = %+v", e)
	}
	for _, c := range []Candidate{
		{Name: "no type", Price: Price{USDPerHour: 1}, TPS: 1},
		{Name: "no tps", Price: p},
		{Name: "negative count", Price: p, InstanceCount: -1, TPS: 1},
		{Name: "negative latency", Price: p, TPS: 1, Latency: -time.Second},
	} {
		if _, err := NewEstimate(c); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("NewEstimate(%s) = %v, want ErrInvalidInput", c.Name, err)
		}
	}
}

func TestCompare(t *testing.T) {
	cheap := Estimate{Name: "a", PerMillion: 0.5}
	dear := Estimate{Name: "b", PerMillion: 2}
	for _, pair := range [][2]Estimate{{cheap, dear}, {dear, cheap}} {
		c, err := Compare(pair[0], pair[1])
		if err != nil || c.Better.Name != "a" || c.Factor != 4 || c.String() != "a is 4.0x more cost-effective than b" {
			t.Errorf("Compare = %+v (%v), %v", c, c, err)
		}
	}
	if _, err := Compare(cheap, Estimate{Name: "free"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Compare with a free estimate = %v, want ErrInvalidInput", err)
	}
}
