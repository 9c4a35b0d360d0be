package report

import (
	"errors"
	"fmt"
	"math"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
)

// Provenance values for Row.Provenance and Sweep.Provenance. Any other text is shown as given.
const (
	// Emulated figures come from the local SageMaker emulator (sagemakertest), whose device
	// times are calibrated profiles, not hardware.
	Emulated = "emulated"
	// EmulatedGeneric figures come from the emulator on an instance type it has no
	// calibrated profile for: its device times are derived from the hardware (vCPUs, GPUs,
	// NeuronCores), not measured.
	EmulatedGeneric = Emulated + " (generic profile)"
	// Measured figures come from real SageMaker endpoints on AWS.
	Measured = "measured"
)

// Row is one measured configuration.
type Row struct {
	Name         string // how the report names it, e.g. "g4dn+neo"
	InstanceType string // e.g. "ml.g4dn.xlarge"
	Compiled     bool   // compiled with SageMaker Neo
	Result       *bench.Result
	// Cost is nil when no price is known; the report then shows "n/a".
	Cost *cost.Estimate
	// Serverless, set by PriceServerless, is a serverless row's cost as a function of
	// traffic (see Report.CostAt); nil for an instance row.
	Serverless *cost.ServerlessEstimate
	// Provenance says where the figures come from: Emulated, Measured or free text.
	Provenance string
	// Notes are shown as footnotes of the row (PriceFrom adds why a price is missing).
	Notes []string
	// Server holds the endpoint's own figures over the row's window (CloudWatch); nil when
	// there are none, and ServerNA then says why ("no CloudWatch access: ..."). A report
	// with either on any row shows where the time goes, per row, and charts it.
	Server   *Server
	ServerNA string
	// Failed, if set, says why the configuration has no valid measurement (a deploy that
	// failed, a sweep with no qualifying step); its verdict is "failed: " and this. Result
	// may then be nil, and its figures read n/a.
	Failed string
	// Teardown, if set, says that the configuration's resources could not all be deleted
	// and what is left. It does not disqualify the row: its measurement stands.
	Teardown string
}

// Price sets r.Cost from r.Result and the per-instance price p for an endpoint of
// instances instances (0 means 1). The throughput priced is Result.InferencesPerSecond,
// which is Result.Throughput at batch size 1. On failure (no Result, zero throughput)
// r.Cost stays nil, the reason is added to r.Notes so the report says why the row shows
// n/a, and the error is returned.
func (r *Row) Price(p cost.Price, instances int) error {
	r.Cost = nil
	if r.Result == nil {
		return r.noPrice(fmt.Errorf("report: %s: no result to price", r.Name))
	}
	e, err := cost.NewEstimate(cost.Candidate{
		Name: r.Name, Price: p, InstanceCount: instances, TPS: r.Result.InferencesPerSecond,
	})
	if err != nil {
		return r.noPrice(fmt.Errorf("report: pricing %s: %w", r.Name, err))
	}
	r.Cost = &e
	return nil
}

// PriceFrom looks up r.InstanceType in region in table t and prices r as Price does.
// When the table has no price, r.Cost stays nil and r.Notes says why.
func (r *Row) PriceFrom(t *cost.Table, region string, instances int) error {
	if t == nil {
		return r.noPrice(fmt.Errorf("report: pricing %s: no price table", r.Name))
	}
	p, err := t.Lookup(region, r.InstanceType)
	if err != nil {
		return r.noPrice(fmt.Errorf("report: pricing %s: %w", r.Name, err))
	}
	return r.Price(p, instances)
}

func (r *Row) noPrice(err error) error {
	r.Notes = append(r.Notes, "no price: "+err.Error())
	return err
}

// perMillion returns the row's cost per million inferences and whether it is a usable number.
func (r *Row) perMillion() (float64, bool) {
	if r.Cost == nil {
		return 0, false
	}
	v := r.Cost.PerMillion
	return v, v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// Sweep is one configuration's sweep.
type Sweep struct {
	Name         string
	InstanceType string
	Result       *bench.SweepResult
	Provenance   string
}

// Report is a set of rows and sweeps with a title and free notes. Rows keep the order in
// which they were added.
type Report struct {
	Title  string
	Rows   []Row
	Sweeps []Sweep
	// Notes are printed under the table, e.g. where the prices and profiles come from.
	Notes []string
	// SLO, if set, is the latency objective a row must meet to be recommended (see Verdict).
	SLO *bench.SLO
	// MaxErrorRate is the share of failed requests (0..1) above which a row is not
	// recommended; nil means DefaultMaxErrorRate, new(0.0) that no error is allowed.
	MaxErrorRate *float64
	// Traffic, if set, is the traffic range over which the report compares what the
	// qualifying rows cost (see Traffic); a report with a serverless row compares it anyway.
	Traffic *Traffic
}

// New returns an empty report with a title.
func New(title string) *Report { return &Report{Title: title} }

// Add appends rows and returns r, so calls chain.
func (r *Report) Add(rows ...Row) *Report {
	r.Rows = append(r.Rows, rows...)
	return r
}

// AddSweep appends sweeps and returns r.
func (r *Report) AddSweep(s ...Sweep) *Report {
	r.Sweeps = append(r.Sweeps, s...)
	return r
}

// AddNote appends a note printed under the table and returns r.
func (r *Report) AddNote(format string, args ...any) *Report {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
	return r
}

// validate reports rows and sweeps the report cannot describe.
func (r *Report) validate() error {
	var errs []error
	for i, row := range r.Rows {
		if row.Name == "" {
			errs = append(errs, fmt.Errorf("report: row %d has no Name", i))
		}
		if row.Result == nil && row.Failed == "" {
			errs = append(errs, fmt.Errorf("report: row %d (%s) has no Result and does not say why (Failed)", i, row.Name))
		}
	}
	if m := r.MaxErrorRate; m != nil && !(*m >= 0 && *m <= 1) {
		errs = append(errs, fmt.Errorf("report: MaxErrorRate %v is not a share of requests (0 to 1)", *m))
	}
	if r.SLO != nil && (r.SLO.Max <= 0 || !(r.SLO.Percentile > 0 && r.SLO.Percentile <= 100)) {
		errs = append(errs, fmt.Errorf("report: SLO %s is not an objective", r.SLO))
	}
	for i, s := range r.Sweeps {
		if s.Result == nil {
			errs = append(errs, fmt.Errorf("report: sweep %d (%s) has no Result", i, s.Name))
			continue
		}
		if n := len(s.Result.Steps); s.Result.Peak < -1 || s.Result.Peak >= n || s.Result.Knee < -1 || s.Result.Knee >= n {
			errs = append(errs, fmt.Errorf("report: sweep %d (%s): peak %d or knee %d is not a step index (%d steps)",
				i, s.Name, s.Result.Peak, s.Result.Knee, n))
		}
		for j, st := range s.Result.Steps {
			if st.Result == nil {
				errs = append(errs, fmt.Errorf("report: sweep %d (%s) step %d has no Result", i, s.Name, j))
			}
		}
	}
	return errors.Join(errs...)
}
