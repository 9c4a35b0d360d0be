package sagebench

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// MaxErrorRate is the share of failed requests above which a candidate is not
// recommended, whatever its figures.
const MaxErrorRate = 0.01

// Report is what a study found: every candidate's outcome in the order given, the
// recommendation, and what was deleted.
type Report struct {
	// RunID tags and names every resource of the run (sagemaker.TagRun).
	RunID    string
	Region   string
	Prices   *cost.Table
	SLO      *bench.SLO
	Estimate Estimate
	Outcomes []Outcome
	// Best is the index in Outcomes of the most cost-effective candidate that meets the
	// SLO with at most MaxErrorRate errors; -1 when none does.
	Best int
	// Plan, when Study.TargetTPS is set, is the cheapest way to serve it (cost.Cheapest
	// over the qualifying candidates); PlanErr says why there is none.
	Plan    *cost.Plan
	PlanErr error
	// Teardown is every resource the run created and what became of it.
	Teardown []Deletion
}

// Outcome is one candidate's fate: measured (Result), resumed from OutputDir, skipped
// (Skipped says why) or failed (Err).
type Outcome struct {
	Candidate Candidate
	Result    *bench.Result
	Sweep     *bench.SweepResult
	Resumed   bool
	Skipped   string
	Err       error
	// Server is what the endpoint itself reported over the measured window (CloudWatch,
	// cross-checked with Result); nil when Study.ServerMetrics is off or CloudWatch could
	// not answer, and ServerNA then says why.
	Server   *report.Server
	ServerNA string
	// TimeToInService is how long the endpoint took to create.
	TimeToInService time.Duration
	// LoadRanOn says where the load ran when not here (Study.LoadOn): "3 x ml.c5.xlarge
	// in eu-west-1 (SageMaker Processing job ...)".
	LoadRanOn string
	// Cost is nil when the price table has no price for the instance type.
	Cost *cost.Estimate
	// MeetsSLO is true when there is no SLO or the result meets it; Disqualified says
	// why a measured candidate cannot be recommended.
	MeetsSLO     bool
	Disqualified string
}

// finish prices the outcomes and picks the recommendation.
func (rep *Report) finish(s *Study) {
	rep.Best = -1
	var pool []cost.Candidate
	var poolIdx []int
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		if o.Result == nil {
			continue
		}
		o.MeetsSLO = s.SLO == nil || s.SLO.Met(o.Result)
		price, perr := s.Prices.Lookup(rep.Region, o.Candidate.InstanceType)
		if perr == nil {
			if e, err := cost.NewEstimate(cost.Candidate{Name: o.Candidate.Name, Price: price,
				Instances: o.Candidate.count(), TPS: o.Result.Throughput}); err == nil {
				o.Cost = &e
			}
		}
		// bench.MergeShards' warning: a load whose shards did not all report measured
		// part of the load only, and its throughput is not the candidate's.
		incomplete := slices.IndexFunc(o.Result.Warnings, func(w string) bool { return strings.HasPrefix(w, "incomplete: ") })
		switch {
		case incomplete >= 0:
			o.Disqualified = o.Result.Warnings[incomplete]
		case !o.MeetsSLO:
			o.Disqualified = fmt.Sprintf("breaks the SLO %s (p%g %v)", s.SLO, s.SLO.Percentile,
				o.Result.Percentile(s.SLO.Percentile).Round(time.Millisecond))
		case errorRate(o.Result) > MaxErrorRate:
			o.Disqualified = fmt.Sprintf("%.1f%% of requests failed", 100*errorRate(o.Result))
		case o.Cost == nil:
			o.Disqualified = "no price for " + o.Candidate.InstanceType + " in " + rep.Region
		}
		if o.Disqualified != "" {
			continue
		}
		if rep.Best < 0 || o.Cost.PerMillion < rep.Outcomes[rep.Best].Cost.PerMillion {
			rep.Best = i
		}
		c := cost.Candidate{Name: o.Candidate.Name, Price: price, Instances: o.Candidate.count(), TPS: o.Result.Throughput}
		if s.SLO != nil {
			c.Latency = o.Result.Percentile(s.SLO.Percentile)
		}
		pool = append(pool, c)
		poolIdx = append(poolIdx, i)
	}
	if s.TargetTPS > 0 {
		req := cost.Requirement{TPS: s.TargetTPS, Headroom: s.Headroom}
		if s.SLO != nil {
			req.MaxLatency = s.SLO.Max
		}
		if len(pool) == 0 {
			rep.PlanErr = errors.New("no candidate qualifies")
		} else if plan, err := cost.Cheapest(req, pool...); err != nil {
			rep.PlanErr = err
		} else {
			rep.Plan = &plan
		}
	}
}

func errorRate(r *bench.Result) float64 {
	if r.Requests == 0 {
		return 1
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Recommendation is the report's answer in a sentence or two.
func (rep *Report) Recommendation() string {
	var b strings.Builder
	if rep.Best < 0 {
		b.WriteString("No candidate can be recommended: none was measured meeting the SLO with a known price.")
	} else {
		o := rep.Outcomes[rep.Best]
		fmt.Fprintf(&b, "Recommended: %s (%s x%d): $%.2f per million inferences at %.1f inferences/s",
			o.Candidate.Name, o.Candidate.InstanceType, o.Candidate.count(), o.Cost.PerMillion, o.Result.Throughput)
		if rep.SLO != nil {
			fmt.Fprintf(&b, ", meeting %s", rep.SLO)
		}
		b.WriteString(".")
	}
	if rep.Plan != nil {
		fmt.Fprintf(&b, "\nFor the target load: %d x %s, $%.2f/h, $%.2f per million.", rep.Plan.Instances,
			rep.Plan.Candidate.Name, rep.Plan.USDPerHour, rep.Plan.PerMillion)
	} else if rep.PlanErr != nil {
		fmt.Fprintf(&b, "\nFor the target load: no plan (%v).", rep.PlanErr)
	}
	for _, o := range rep.Outcomes {
		switch {
		case o.Err != nil:
			fmt.Fprintf(&b, "\n%s failed: %v", o.Candidate.Name, o.Err)
		case o.Skipped != "":
			fmt.Fprintf(&b, "\n%s skipped: %s", o.Candidate.Name, o.Skipped)
		case o.Disqualified != "":
			fmt.Fprintf(&b, "\n%s not recommended: %s", o.Candidate.Name, o.Disqualified)
		}
	}
	return b.String()
}

// Table is the report package's view of the measured candidates, for Markdown, CSV,
// JSON and charts; provenance is report.Measured or report.Emulated. Candidates that
// failed or were skipped are in its notes.
func (rep *Report) Table(title, provenance string) *report.Report {
	t := report.New(title)
	for _, o := range rep.Outcomes {
		if o.Result == nil {
			continue
		}
		row := report.Row{Config: o.Candidate.Name, InstanceType: o.Candidate.InstanceType,
			Compiled: o.Candidate.Compiled(), Result: o.Result, Cost: o.Cost, Provenance: provenance,
			Server: o.Server, ServerNA: o.ServerNA}
		if o.Candidate.Note != "" {
			row.Notes = append(row.Notes, o.Candidate.Note)
		}
		if o.Resumed {
			row.Notes = append(row.Notes, "measured by an earlier run (resumed)")
		}
		if o.LoadRanOn != "" {
			row.Notes = append(row.Notes, "load ran on "+o.LoadRanOn)
		}
		if o.Cost == nil && rep.Prices != nil {
			_ = row.PriceFrom(rep.Prices, rep.Region, o.Candidate.count()) // adds why it has no price
		}
		t.Add(row)
		if o.Sweep != nil {
			t.AddSweep(report.Sweep{Config: o.Candidate.Name, InstanceType: o.Candidate.InstanceType, Result: o.Sweep, Provenance: provenance})
		}
	}
	if rep.Prices != nil {
		t.AddNote("%s", pricesNote(rep)) // prices.go
	}
	for line := range strings.SplitSeq(rep.Recommendation(), "\n") {
		t.AddNote("%s", line)
	}
	return t
}
