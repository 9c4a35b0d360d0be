package cost

import (
	"fmt"
	"time"
)

// Candidate is one configuration that was measured: an endpoint of InstanceCount instances of
// Price.InstanceType that sustained TPS inferences per second in total.
type Candidate struct {
	Name          string        // how reports name it, e.g. "g4dn+neo"
	Price         Price         // per instance
	InstanceCount int           // endpoint size; 0 means 1
	TPS           float64       // measured throughput of the whole endpoint, inferences per second
	Latency       time.Duration // optional: latency at that throughput, at the percentile an SLO uses
}

// Estimate is what a measured candidate costs to run.
type Estimate struct {
	Name                string
	Region              string
	InstanceType        string
	InstanceCount       int
	USDPerHour          float64 // the whole endpoint
	TPS                 float64 // the whole endpoint
	TransactionsPerHour float64
	PerInference        float64 // USD
	PerMillion          float64 // USD per one million inferences
	InferencesPerDollar float64
	Latency             time.Duration
	// PriceSource says where the hourly price comes from and how old it is
	// (Price.Provenance: "AWS Price List, published 2026-12-05"); empty for a hand-made price.
	PriceSource string
}

// NewEstimate prices a candidate. It fails on a missing instance type, a negative instance
// count, or a price or throughput the arithmetic cannot use (see [ErrInvalidInput]).
func NewEstimate(c Candidate) (Estimate, error) {
	n := c.InstanceCount
	if n == 0 {
		n = 1
	}
	if c.Price.InstanceType == "" {
		return Estimate{}, fmt.Errorf("%w: candidate %q has no instance type", ErrInvalidInput, c.Name)
	}
	if c.Latency < 0 {
		return Estimate{}, fmt.Errorf("%w: candidate %q has negative latency %v", ErrInvalidInput, c.Name, c.Latency)
	}
	hourly, err := EndpointPerHour(c.Price.USDPerHour, n)
	if err != nil {
		return Estimate{}, fmt.Errorf("candidate %q: %w", c.Name, err)
	}
	perInf, err := PerInference(hourly, c.TPS)
	if err != nil {
		return Estimate{}, fmt.Errorf("candidate %q: %w", c.Name, err)
	}
	e := Estimate{
		Name: c.Name, Region: c.Price.Region, InstanceType: c.Price.InstanceType, InstanceCount: n,
		USDPerHour: hourly, TPS: c.TPS, TransactionsPerHour: c.TPS * secondsPerHour,
		PerInference: perInf, PerMillion: perInf * 1e6, Latency: c.Latency, PriceSource: c.Price.Provenance(),
	}
	if hourly > 0 {
		e.InferencesPerDollar = e.TransactionsPerHour / hourly
	}
	return e, nil
}

// Comparison says how much more cost-effective one estimate is than another.
type Comparison struct {
	Better, Worse Estimate
	Factor        float64 // Worse.PerMillion / Better.PerMillion, >= 1
}

// String reads like the study: "inf1+neo is 5.4x more cost-effective than g4dn+neo".
func (c Comparison) String() string {
	return fmt.Sprintf("%s is %.1fx more cost-effective than %s", c.Better.Name, c.Factor, c.Worse.Name)
}

// Compare orders two estimates by cost per inference. A tie keeps a as Better. It fails if
// either estimate is free, since a ratio against zero says nothing.
func Compare(a, b Estimate) (Comparison, error) {
	if a.PerMillion <= 0 || b.PerMillion <= 0 || !finite(a.PerMillion) || !finite(b.PerMillion) {
		return Comparison{}, fmt.Errorf("%w: cannot compare %q ($%v/1M) with %q ($%v/1M)",
			ErrInvalidInput, a.Name, a.PerMillion, b.Name, b.PerMillion)
	}
	if b.PerMillion < a.PerMillion {
		a, b = b, a
	}
	return Comparison{Better: a, Worse: b, Factor: b.PerMillion / a.PerMillion}, nil
}
