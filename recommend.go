package sagebench

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// MaxErrorRate is the share of failed requests above which a candidate is not
// recommended, whatever its figures (report.DefaultMaxErrorRate).
const MaxErrorRate = report.DefaultMaxErrorRate

// Report is what a study found: every candidate's outcome in the order given, the
// recommendation, and what was deleted.
type Report struct {
	// RunID tags and names every resource of the run (sagemaker.TagRun).
	RunID  string
	Region string
	Prices *cost.Table
	SLO    *bench.SLO
	// Bill is the study's bill as Plan estimated it before the first call.
	Bill     Bill
	Outcomes []Outcome
	// Best is the index in Outcomes of the recommended candidate: the most cost-effective
	// one that was measured, meets the SLO, failed at most MaxErrorRate of its requests and
	// is priced, as report.Verdict decides for every output; -1 when none qualifies.
	Best int
	// Fleet, when Study.TargetTPS is set, is the cheapest way to serve it (cost.Cheapest
	// over the qualifying candidates); FleetErr says why there is none.
	Fleet    *cost.Fleet
	FleetErr error
	// TargetTPS is Study.TargetTPS: one point of the report's cost-by-traffic section.
	TargetTPS float64
	// Teardown is every resource the run created and what became of it.
	Teardown []Deletion

	generic func(instanceType string, compiled bool) bool // an emulator's: served by a generic profile
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
	// Teardown is why the candidate's endpoint could not be deleted once measured; its
	// measurement stands (Report.Teardown says what is left).
	Teardown error
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
	// Serverless is a serverless candidate's cost as a function of traffic.
	Serverless *cost.ServerlessEstimate
	// MeetsSLO is true when there is no SLO or the result meets it; Disqualified says
	// why a measured candidate cannot be recommended: its report.Verdict.
	MeetsSLO     bool
	Disqualified string
}

// finish prices the outcomes and takes the recommendation from the one verdict
// (report.Verdict) that every output of the report shows.
func (rep *Report) finish(s *Study) {
	rep.Best = -1
	rep.TargetTPS = s.TargetTPS
	for i := range rep.Outcomes {
		o := &rep.Outcomes[i]
		o.Disqualified = ""
		if o.Result == nil {
			continue
		}
		o.MeetsSLO = s.SLO == nil || s.SLO.Met(o.Result)
		if o.Candidate.IsServerless() {
			o.priceServerless(s) // serverless.go
			continue
		}
		if price, err := s.Prices.Lookup(rep.Region, o.Candidate.InstanceType); err == nil {
			if e, err := cost.NewEstimate(cost.Candidate{Name: o.Candidate.Name, Price: price,
				InstanceCount: o.Candidate.count(), TPS: o.Result.InferencesPerSecond}); err == nil { // as report.Row.Price
				o.Cost = &e
			}
		}
	}
	t, idx := rep.rows("", "")
	var pool []cost.Candidate
	for k, v := range t.Verdicts() {
		i := idx[k]
		o := &rep.Outcomes[i]
		if v.Recommended {
			rep.Best = i
		}
		if !v.Qualifies {
			if o.Result != nil {
				o.Disqualified = v.String()
			}
			continue
		}
		if o.Candidate.IsServerless() {
			continue // cost.Cheapest plans instances; the report's cost by traffic has it
		}
		price, _ := s.Prices.Lookup(rep.Region, o.Candidate.InstanceType) // priced: it qualifies
		c := cost.Candidate{Name: o.Candidate.Name, Price: price, InstanceCount: o.Candidate.count(), TPS: o.Result.InferencesPerSecond}
		if s.SLO != nil {
			c.Latency = o.Result.Percentile(s.SLO.Percentile)
		}
		pool = append(pool, c)
	}
	if s.TargetTPS > 0 {
		req := cost.Requirement{TPS: s.TargetTPS, Headroom: s.Headroom}
		if s.SLO != nil {
			req.MaxLatency = s.SLO.Max
		}
		if len(pool) == 0 {
			rep.FleetErr = errors.New("no candidate qualifies")
		} else if plan, err := cost.Cheapest(req, pool...); err != nil {
			rep.FleetErr = err
		} else {
			rep.Fleet = &plan
		}
	}
}

// rows is the report package's view of the outcomes measured or failed, judged against
// the study's SLO and MaxErrorRate; idx[k] is the index in Outcomes of row k.
func (rep *Report) rows(title, provenance string) (t *report.Report, idx []int) {
	t = report.New(title)
	t.SLO, t.MaxErrorRate = rep.SLO, new(float64(MaxErrorRate))
	t.Traffic = rep.traffic() // serverless.go
	for i, o := range rep.Outcomes {
		if o.Result == nil && o.Err == nil {
			continue // skipped: in the notes
		}
		provenance := provenance
		if provenance == report.Emulated && rep.generic != nil && rep.generic(o.Candidate.InstanceType, o.Candidate.Compiled()) {
			provenance = report.EmulatedGeneric // an uncalibrated emulator profile
		}
		row := report.Row{Name: o.Candidate.Name, InstanceType: o.Candidate.InstanceType,
			Compiled: o.Candidate.Compiled(), Result: o.Result, Cost: o.Cost, Provenance: provenance,
			Server: o.Server, ServerNA: o.ServerNA}
		switch {
		case o.Err != nil && o.Result == nil:
			row.Failed = o.Err.Error()
		case o.Err != nil: // after a sound measurement (saving it): the measurement stands
			row.Notes = append(row.Notes, "measured, then: "+o.Err.Error())
		}
		if o.Teardown != nil {
			row.Teardown = o.Teardown.Error()
		}
		if o.Candidate.Note != "" {
			row.Notes = append(row.Notes, o.Candidate.Note)
		}
		if o.Resumed {
			row.Notes = append(row.Notes, "measured by an earlier run (resumed)")
		}
		if o.LoadRanOn != "" {
			row.Notes = append(row.Notes, "load ran on "+o.LoadRanOn)
		}
		if o.Candidate.IsServerless() {
			o.serverlessRow(&row) // serverless.go
		} else if o.Cost == nil && o.Result != nil && rep.Prices != nil {
			_ = row.PriceFrom(rep.Prices, rep.Region, o.Candidate.count()) // adds why it has no price
		}
		t.Add(row)
		idx = append(idx, i)
		if o.Sweep != nil {
			t.AddSweep(report.Sweep{Name: o.Candidate.Name, InstanceType: o.Candidate.InstanceType, Result: o.Sweep, Provenance: provenance})
		}
	}
	return t, idx
}

func errorRate(r *bench.Result) float64 {
	if r.Requests == 0 {
		return 1
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Recommendation is the report's answer in a few lines: the recommended candidate, or
// that none can be, what came closest and why; the fleet for Study.TargetTPS; and every
// candidate that failed, was skipped or was not recommended, with the reason and, for one
// with errors, its main error class and first message. It is the same decision as every
// output of Document (report.Verdict).
func (rep *Report) Recommendation() string {
	var b strings.Builder
	if rep.Best < 0 {
		t, idx := rep.rows("", "")
		if s := t.Summary(); s != "" {
			b.WriteString(strings.Replace(s, "No configuration", "No candidate", 1))
		} else {
			b.WriteString("No candidate can be recommended: none was measured.")
		}
		if c := t.Closest(); c >= 0 {
			if e := mainErrorOf(rep.Outcomes[idx[c]].Result); e != "" {
				s := strings.TrimSuffix(b.String(), ".")
				b.Reset()
				b.WriteString(s + e + ".")
			}
		}
	} else {
		o := rep.Outcomes[rep.Best]
		fmt.Fprintf(&b, "Recommended: %s (%s): $%.2f per million inferences at %.1f inferences/s",
			o.Candidate.Name, o.Candidate.kind(), o.Cost.PerMillion, o.Result.InferencesPerSecond)
		if rep.SLO != nil {
			fmt.Fprintf(&b, ", meeting %s", rep.SLO)
		}
		b.WriteString(".")
		b.WriteString(rep.holdsFor()) // serverless.go
	}
	if rep.Fleet != nil {
		fmt.Fprintf(&b, "\nFor the target load: %d x %s, $%.2f/h, $%.2f per million.", rep.Fleet.InstanceCount,
			rep.Fleet.Candidate.Name, rep.Fleet.USDPerHour, rep.Fleet.PerMillion)
	} else if rep.FleetErr != nil {
		fmt.Fprintf(&b, "\nFor the target load: no fleet (%v).", rep.FleetErr)
	}
	for _, o := range rep.Outcomes {
		switch {
		case o.Err != nil && o.Result == nil:
			fmt.Fprintf(&b, "\n%s failed: %v", o.Candidate.Name, o.Err)
		case o.Err != nil:
			fmt.Fprintf(&b, "\n%s measured, then: %v", o.Candidate.Name, o.Err)
			if o.Disqualified != "" {
				fmt.Fprintf(&b, "\n%s not recommended: %s%s", o.Candidate.Name, o.Disqualified, mainErrorOf(o.Result))
			}
		case o.Skipped != "":
			fmt.Fprintf(&b, "\n%s skipped: %s", o.Candidate.Name, o.Skipped)
		case o.Disqualified != "":
			fmt.Fprintf(&b, "\n%s not recommended: %s%s", o.Candidate.Name, o.Disqualified, mainErrorOf(o.Result))
		}
		if o.Teardown != nil {
			fmt.Fprintf(&b, "\n%s: its endpoint could not be deleted (its measurement stands): %v", o.Candidate.Name, o.Teardown)
		}
	}
	return b.String()
}

// mainErrorOf names the main error class of res and its first message, "" without errors.
func mainErrorOf(res *bench.Result) string {
	if res == nil {
		return ""
	}
	c, sample, ok := report.MainError(res)
	if !ok {
		return ""
	}
	s := fmt.Sprintf("; main error: %s (%d of %d requests)", c, res.ErrorsByClass[c], res.Requests)
	if sample != "" {
		s += fmt.Sprintf(": %q", truncateLine(sample, 160))
	}
	return s
}

// truncateLine cuts s to one line of at most n runes.
func truncateLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Document is the report document of the candidates measured or failed, for Markdown,
// CSV, JSON and charts (package report), judged against the study's SLO and MaxErrorRate (its verdict is
// the recommendation's); provenance is report.Measured or report.Emulated. Against the
// emulator (sagemakertest), an emulated row whose instance type has no calibrated profile
// says report.EmulatedGeneric. Candidates that were skipped, and the fleet for
// Study.TargetTPS, are in its notes.
func (rep *Report) Document(title, provenance string) *report.Report {
	t, _ := rep.rows(title, provenance)
	if rep.Prices != nil {
		t.AddNote("%s", report.Escape(pricesNote(rep))) // prices.go
	}
	if rep.Fleet != nil {
		t.AddNote("For the target load: %d x %s, $%.2f/h, $%.2f per million.", rep.Fleet.InstanceCount,
			report.Escape(rep.Fleet.Candidate.Name), rep.Fleet.USDPerHour, rep.Fleet.PerMillion)
	} else if rep.FleetErr != nil {
		t.AddNote("For the target load: no fleet (%s).", report.Escape(rep.FleetErr.Error()))
	}
	for _, o := range rep.Outcomes {
		if o.Result == nil && o.Err == nil && o.Skipped != "" {
			t.AddNote("%s skipped: %s", report.Escape(o.Candidate.Name), report.Escape(o.Skipped))
		}
	}
	return t
}
