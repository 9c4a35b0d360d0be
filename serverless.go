package sagebench

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
)

// ServerlessSpec makes a candidate a serverless endpoint (ProductionVariantServerlessConfig)
// instead of instances: containers of MemorySizeInMB started on demand, at most
// MaxConcurrency invocations in flight (AWS throttles the rest: class throttled), and
// ProvisionedConcurrency of them kept warm. It is deployed, measured, journaled and
// deleted like any candidate. See "Deploy models with Amazon SageMaker Serverless
// Inference", https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html.
//
// Plan refuses what AWS refuses for a serverless endpoint (see sagemaker.ServerlessSpec,
// GPU and Inferentia images, payloads over sagemaker.MaxServerlessPayloadBytes) and, for
// now, a candidate with a Target. A measured candidate is priced with
// cost.NewServerlessEstimate and compared with the instances like any row; the README's
// "Serverless candidates and the traffic chart" says how.
type ServerlessSpec struct {
	MemorySizeInMB         int
	MaxConcurrency         int
	ProvisionedConcurrency int
	// Price prices the candidate; nil leaves it unpriced, and the report says so. Build it
	// with cost.ServerlessRateFrom from a Price List offer (cost.ParseOffer's
	// Offer.Serverless) and set ProvisionedUSDPerHour for provisioned concurrency.
	Price *cost.ServerlessRate
}

// IsServerless reports whether c is a serverless candidate.
func (c Candidate) IsServerless() bool { return c.Serverless != nil }

// kind says what c deploys: "ml.c5.xlarge x1" or "serverless 4096 MB, max concurrency 5".
func (c Candidate) kind() string {
	if s := c.Serverless; s != nil {
		k := fmt.Sprintf("serverless %d MB, max concurrency %d", s.MemorySizeInMB, s.MaxConcurrency)
		if s.ProvisionedConcurrency > 0 {
			k += fmt.Sprintf(", %d provisioned", s.ProvisionedConcurrency)
		}
		return k
	}
	return fmt.Sprintf("%s x%d", c.InstanceType, c.count())
}

// rowInstance is what the report's Instance column says of c.
func (c Candidate) rowInstance() string {
	if s := c.Serverless; s != nil {
		return fmt.Sprintf("serverless %d MB", s.MemorySizeInMB)
	}
	return c.InstanceType
}

// endpointSpec is the endpoint a serverless candidate deploys.
func (s *ServerlessSpec) endpointSpec(name string) sagemaker.EndpointSpec {
	return sagemaker.EndpointSpec{Name: name, Serverless: &sagemaker.ServerlessSpec{
		MemorySizeInMB: s.MemorySizeInMB, MaxConcurrency: s.MaxConcurrency, ProvisionedConcurrency: s.ProvisionedConcurrency}}
}

// serverlessProblems adds to e what Plan refuses of the serverless candidate c (Study
// field "field", e.g. Candidates[3]), each under the field at fault, with AWS's reason;
// it sets the candidate's worst-case hourly price for the budget.
func (s *Study) serverlessProblems(e *invalid.Error, field, label string, c Candidate, p *Plan) {
	add := func(f, format string, a ...any) { e.Add(field+f, "%s: %s", label, fmt.Sprintf(format, a...)) }
	sc := c.Serverless
	spec := sagemaker.ServerlessSpec{MemorySizeInMB: sc.MemorySizeInMB, MaxConcurrency: sc.MaxConcurrency, ProvisionedConcurrency: sc.ProvisionedConcurrency}
	var se *invalid.Error
	if errors.As(spec.Validate(), &se) {
		for _, q := range se.Problems { // sagemaker.ServerlessSpec's fields are ours
			add(".Serverless."+q.Field, "%s (AWS: ProductionVariantServerlessConfig)", q.Message)
		}
	}
	if c.InstanceType != "" || c.InstanceCount != 0 {
		f := ".InstanceType"
		if c.InstanceType == "" {
			f = ".InstanceCount"
		}
		add(f, "a serverless candidate has no InstanceType or InstanceCount")
	}
	if c.Compiled() {
		add(".Target", "Neo target %s: sagebench does not deploy Neo-compiled models serverless yet", c.Target)
	}
	if img := strings.ToLower(c.Image); strings.Contains(img, "gpu") || strings.Contains(img, "neuron") || strings.Contains(img, "inf1") {
		add(".Image", "image %q is built for an accelerator: Serverless Inference does not support GPUs or Inferentia (AWS, Serverless Inference feature exclusions)", c.Image)
	}
	for _, pl := range s.Load.Payloads {
		if len(pl.Body) > sagemaker.MaxServerlessPayloadBytes {
			e.Add("Load.Payloads", "%s: payload %q is %d bytes, over serverless inference's 4 MB (AWS, serverless endpoint quotas)", label, pl.Name, len(pl.Body))
		}
	}
	if c.Image == "" && !c.Compiled() {
		if _, err := p.imageFor(s, c); err != nil {
			add(".Image", "%v", err)
		}
	}
	if r := sc.Price; r != nil {
		if r.MemoryGB*1024 != sc.MemorySizeInMB {
			add(".Serverless.Price", "Price is for %d GB, the candidate has %d MB", r.MemoryGB, sc.MemorySizeInMB)
		}
		// Worst case for the budget: every container busy for the whole endpoint lifetime.
		p.hourly[c.Name] = float64(sc.MaxConcurrency)*r.USDPerSecond*3600 + r.ProvisionedUSDPerHour
	} else if s.MaxCostUSD > 0 {
		add(".Serverless.Price", "no Price to check MaxCostUSD against: set ServerlessSpec.Price")
	}
}

// serverlessLine is the bill estimate of a serverless candidate: its worst case, every
// container busy the whole time.
func (p *Plan) serverlessLine(c Candidate, hours float64) BillLine {
	l := BillLine{Candidate: c.Name, InstanceType: c.rowInstance(), Hours: hours, InstanceCount: 1}
	if c.Serverless.Price == nil {
		l.NoPrice = "no ServerlessSpec.Price"
		return l
	}
	l.USDPerHour, l.PriceSource = p.hourly[c.Name], c.Serverless.Price.Source+" (worst case: MaxConcurrency busy throughout)"
	return l
}

// priceServerless prices a measured serverless outcome: its cost per million and its
// cost as a function of traffic.
func (o *Outcome) priceServerless(s *Study) {
	sc := o.Candidate.Serverless
	if sc.Price == nil || o.Result == nil || o.Result.Requests <= o.Result.Errors {
		return
	}
	d, _ := serverlessDuration(o)
	var in float64
	for _, pl := range s.Load.Payloads {
		in += float64(len(pl.Body))
	}
	if n := len(s.Load.Payloads); n > 0 {
		in /= float64(n)
	}
	est, err := cost.NewServerlessEstimate(o.Candidate.Name, *sc.Price, cost.ServerlessLoad{
		Duration: d, BytesIn: in, MaxConcurrency: sc.MaxConcurrency})
	if err != nil {
		return
	}
	o.Serverless = &est
	row := report.Row{Name: o.Candidate.Name, InstanceType: o.Candidate.rowInstance(), Result: o.Result}
	if row.PriceServerless(est) == nil {
		o.Cost = row.Cost
	}
}

// serverlessDuration is the billed duration an outcome's cost uses, and where it comes
// from.
func serverlessDuration(o *Outcome) (time.Duration, string) {
	if o.Server != nil && o.Server.ModelMean > 0 {
		return o.Server.ModelMean, "the endpoint's mean ModelLatency (" + o.Server.Source + ")"
	}
	return o.Result.Latency.Mean, "the client's mean latency (an upper bound: no CloudWatch figures)"
}

// serverlessRow completes a serverless candidate's report row.
func (o *Outcome) serverlessRow(row *report.Row) {
	row.InstanceType = o.Candidate.rowInstance()
	row.Serverless = o.Serverless
	switch {
	case o.Serverless != nil:
		d, from := serverlessDuration(o)
		row.Notes = append(row.Notes, fmt.Sprintf("%s; billed duration %v from %s; $%g per second of compute (%s)",
			o.Candidate.kind(), d.Round(time.Microsecond), from, o.Serverless.Rate.USDPerSecond, o.Serverless.Rate.Source))
	case o.Result != nil && o.Candidate.Serverless.Price == nil:
		row.Notes = append(row.Notes, "no price: set ServerlessSpec.Price (cost.ServerlessRateFrom)")
	}
}

// traffic is the range the report's cost-by-traffic section compares: shown when the
// study has a serverless candidate or a TargetTPS.
func (rep *Report) traffic() *report.Traffic {
	has := rep.TargetTPS > 0
	for _, o := range rep.Outcomes {
		has = has || o.Candidate.IsServerless()
	}
	if !has {
		return nil
	}
	return &report.Traffic{Target: rep.TargetTPS}
}

// holdsFor says, when the report compares costs by traffic, the traffic over which the
// recommendation is the cheapest and which candidate is cheapest elsewhere: "\nBy traffic
// (inferences/s): below 2.31 serverless-4GB; ...; the recommendation holds from 12.8 to
// 265." It is empty otherwise.
func (rep *Report) holdsFor() string {
	t, idx := rep.rows("", "")
	if t.Traffic == nil {
		return ""
	}
	spans := t.BreakEvens()
	if len(spans) == 0 {
		return ""
	}
	var parts, holds []string
	for k, s := range spans {
		name := "none can serve it"
		if s.Row >= 0 {
			name = t.Rows[s.Row].Name
			if idx[s.Row] == rep.Best {
				holds = append(holds, fmt.Sprintf("%.3g to %.3g", s.From, s.To))
			}
		}
		switch {
		case len(spans) == 1:
			parts = append(parts, fmt.Sprintf("from %.3g to %.3g %s", s.From, s.To, name))
		case k == 0:
			parts = append(parts, fmt.Sprintf("below %.3g %s", s.To, name))
		case k == len(spans)-1:
			parts = append(parts, fmt.Sprintf("above %.3g %s", s.From, name))
		default:
			parts = append(parts, fmt.Sprintf("from %.3g to %.3g %s", s.From, s.To, name))
		}
	}
	out := "\nCheapest by traffic (inferences/s): " + strings.Join(parts, "; ")
	if len(holds) == 0 {
		return out + "; the recommendation is the cheapest per inference at its own throughput, nowhere in this range."
	}
	return out + "; the recommendation holds from " + strings.Join(holds, " and from ") + "."
}
