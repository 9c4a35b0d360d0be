package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/sagebench/sagebench/bench"
)

// SchemaVersion is the version of the JSON and CSV layouts below. It changes only when a
// field is renamed, removed or changes meaning; new fields may appear without a change.
//
// Version 2: "best" and "ratio_to_best" are the recommended row's (see Verdict), no longer
// merely the cheapest; rows carry "verdict" and "qualifies", the report its "summary";
// a failed row may have no "result".
const SchemaVersion = 2

// JSONReport is the layout WriteJSON writes. Field names are stable (see SchemaVersion).
// Numbers are in plain units: milliseconds, requests per second, US dollars. A figure that
// is not known (no price) is null, never 0.
type JSONReport struct {
	Schema int         `json:"schema"`
	Title  string      `json:"title,omitempty"`
	Rows   []JSONRow   `json:"rows"`
	Sweeps []JSONSweep `json:"sweeps,omitempty"`
	Notes  []string    `json:"notes,omitempty"`
	// Best is the index in Rows of the recommended row (see Verdict), -1 when none qualifies.
	Best int `json:"best"`
	// Summary is the verdict in a sentence (Report.Summary).
	Summary string `json:"summary,omitempty"`
	// SLO and MaxErrorRate are the criteria a recommended row meets.
	SLO          string  `json:"slo,omitempty"`
	MaxErrorRate float64 `json:"max_error_rate"`

	// Traffic is the cost-by-traffic comparison, when the report has one (traffic.go).
	Traffic *JSONTraffic `json:"traffic,omitempty"`
}

// JSONRow is one Row in JSONReport.
type JSONRow struct {
	Name         string `json:"config"`
	InstanceType string `json:"instance_type"`
	Compiled     bool   `json:"compiled"`
	Provenance   string `json:"provenance"`

	Requests      int64                      `json:"requests"`
	Errors        int64                      `json:"errors"`
	ErrorRate     float64                    `json:"error_rate"` // errors / requests, 0..1
	ErrorsByClass map[bench.ErrorClass]int64 `json:"errors_by_class,omitempty"`

	ThroughputRPS       float64     `json:"throughput_rps"` // successful requests per second
	InferencesPerSecond float64     `json:"inferences_per_second"`
	Concurrency         int         `json:"concurrency,omitempty"`
	RateRPS             float64     `json:"rate_rps,omitempty"` // offered, open loop only
	LatencyMS           JSONLatency `json:"latency_ms"`

	// Cost figures: null when the row has no price.
	Region              string   `json:"region,omitempty"`
	InstanceCount       int      `json:"instances,omitempty"`
	USDPerHour          *float64 `json:"usd_per_hour"`
	PriceSource         string   `json:"price_source,omitempty"` // cost.Estimate.PriceSource
	USDPerMillion       *float64 `json:"usd_per_million"`
	TransactionsPerHour *float64 `json:"transactions_per_hour"`
	RatioToBest         *float64 `json:"ratio_to_best"` // against the recommended row, 1 for it
	Best                bool     `json:"best"`          // the recommended row
	// Verdict is the row's Verdict as the table's column says it; Qualifies whether it
	// meets every criterion.
	Verdict   string `json:"verdict"`
	Qualifies bool   `json:"qualifies"`
	// ErrorSample is the first message of the row's main error class, cut to a line.
	ErrorSample string `json:"error_sample,omitempty"`
	Failed      string `json:"failed,omitempty"`
	Teardown    string `json:"teardown,omitempty"`

	// LittlesLawRatio is throughput x mean latency / concurrency (1 when the run is sound);
	// null for open-loop runs.
	LittlesLawRatio *float64 `json:"littles_law_ratio"`
	LittlesLawHolds *bool    `json:"littles_law_holds"`
	Warnings        []string `json:"warnings,omitempty"`
	Notes           []string `json:"notes,omitempty"`

	// Server is the endpoint's own figures (CloudWatch), absent when there are none;
	// ServerNA then says why.
	Server   *JSONServer `json:"server,omitempty"`
	ServerNA string      `json:"server_na,omitempty"`

	// Result is the complete bench.Result (its own JSON, histogram included), so a report
	// can be re-read, merged or re-reported without loss; null for a failed row without one.
	Result *bench.Result `json:"result"`
}

// JSONServer is a Row's Server in milliseconds and percent. NetworkClientMS is the
// client's mean latency less the server's mean model and overhead time (null when unknown).
type JSONServer struct {
	Source          string            `json:"source"`
	Invocations     int64             `json:"invocations"`
	ModelP50MS      float64           `json:"model_p50_ms"`
	ModelP99MS      float64           `json:"model_p99_ms"`
	ModelMeanMS     float64           `json:"model_mean_ms"`
	OverheadP50MS   float64           `json:"overhead_p50_ms"`
	OverheadMeanMS  float64           `json:"overhead_mean_ms"`
	NetworkClientMS *float64          `json:"network_client_ms"`
	Utilization     []JSONUtilization `json:"utilization,omitempty"`
	Warnings        []string          `json:"warnings,omitempty"`
	// Scope says what both sides cover when it is more than the row's result ("whole sweep").
	Scope string `json:"scope,omitempty"`
}

// JSONUtilization is one resource's utilization in percent.
type JSONUtilization struct {
	Resource string  `json:"resource"`
	MeanPct  float64 `json:"mean_pct"`
	MaxPct   float64 `json:"max_pct"`
}

// JSONLatency is a latency summary in milliseconds.
type JSONLatency struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P95    float64 `json:"p95"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p999"`
}

// JSONSweep is one Sweep in JSONReport.
type JSONSweep struct {
	Name         string           `json:"config"`
	InstanceType string           `json:"instance_type,omitempty"`
	Provenance   string           `json:"provenance,omitempty"`
	SLO          string           `json:"slo,omitempty"` // e.g. "p99 <= 200ms"
	Peak         int              `json:"peak"`          // index in Steps, -1 if none
	Knee         int              `json:"knee"`          // index in Steps, -1 if none
	Stop         bench.StopReason `json:"stop"`
	StopDetail   string           `json:"stop_detail"`
	Verdict      string           `json:"verdict"`
	Steps        []JSONStep       `json:"steps"`
}

// JSONStep is one rung of a sweep.
type JSONStep struct {
	Concurrency   int         `json:"concurrency"`
	RateRPS       float64     `json:"rate_rps,omitempty"`
	ThroughputRPS float64     `json:"throughput_rps"`
	LatencyMS     JSONLatency `json:"latency_ms"`
	Requests      int64       `json:"requests"`
	Errors        int64       `json:"errors"`
	ErrorRate     float64     `json:"error_rate"`
	Stable        bool        `json:"stable"`
	Windows       int         `json:"windows"`
	MetSLO        bool        `json:"met_slo"`
	Warnings      []string    `json:"warnings,omitempty"`
}

// JSON returns the report in the JSONReport layout.
func (r *Report) JSON() (*JSONReport, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	vs := r.Verdicts()
	out := &JSONReport{Schema: SchemaVersion, Title: r.Title, Rows: []JSONRow{}, Notes: r.Notes, Best: bestOf(vs),
		Summary: r.Summary(), MaxErrorRate: r.maxErrorRate()}
	if r.SLO != nil {
		out.SLO = r.SLO.String()
	}
	for i := range r.Rows {
		out.Rows = append(out.Rows, r.jsonRow(i, vs))
	}
	for _, s := range r.Sweeps {
		out.Sweeps = append(out.Sweeps, jsonSweep(s))
	}
	out.Traffic = r.jsonTraffic(vs) // traffic.go
	return out, nil
}

// WriteJSON writes the report as indented JSON in the JSONReport layout.
func (r *Report) WriteJSON(w io.Writer) error {
	j, err := r.JSON()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return fmt.Errorf("report: encoding JSON: %w", err)
	}
	return nil
}

func (r *Report) jsonRow(i int, vs []Verdict) JSONRow {
	row := r.Rows[i]
	j := JSONRow{
		Name: row.Name, InstanceType: row.InstanceType, Compiled: row.Compiled, Provenance: row.Provenance,
		Best: vs[i].Recommended, Verdict: vs[i].String(), Qualifies: vs[i].Qualifies,
		Failed: row.Failed, Teardown: row.Teardown, Notes: row.Notes,
	}
	if res := row.Result; res != nil {
		j.Requests, j.Errors, j.ErrorRate = res.Requests, res.Errors, errorRate(res.Errors, res.Requests)
		j.ErrorsByClass, j.ThroughputRPS, j.InferencesPerSecond = res.ErrorsByClass, res.Throughput, res.InferencesPerSecond
		j.Concurrency, j.RateRPS, j.LatencyMS = res.Concurrency, res.Rate, jsonLatency(res.Latency)
		j.Warnings, j.Result = res.Warnings, res
		if _, sample, ok := MainError(res); ok {
			j.ErrorSample = truncate(sample, maxSample)
		}
		if l := res.LittlesLaw; l != nil {
			j.LittlesLawRatio, j.LittlesLawHolds = ptr(l.Ratio), &l.Holds
		}
	}
	if c := row.Cost; c != nil {
		j.Region, j.InstanceCount = c.Region, c.InstanceCount
		j.USDPerHour, j.TransactionsPerHour = ptr(c.USDPerHour), ptr(c.TransactionsPerHour)
		j.PriceSource = c.PriceSource
		if v, ok := row.perMillion(); ok {
			j.USDPerMillion = ptr(v)
		}
	}
	if v, ok := r.ratio(i, bestOf(vs)); ok {
		j.RatioToBest = ptr(v)
	}
	j.Server, j.ServerNA = jsonServer(&row), row.ServerNA
	return j
}

func jsonServer(row *Row) *JSONServer {
	s := row.Server
	if s == nil {
		return nil
	}
	j := &JSONServer{
		Source: s.Source, Invocations: s.Invocations,
		ModelP50MS: round(ms(s.ModelP50), 3), ModelP99MS: round(ms(s.ModelP99), 3), ModelMeanMS: round(ms(s.ModelMean), 3),
		OverheadP50MS: round(ms(s.OverheadP50), 3), OverheadMeanMS: round(ms(s.OverheadMean), 3),
		Warnings: s.Warnings,
	}
	if s.Client != nil {
		j.Scope = orDefault(s.Scope, "same window")
	}
	if d, ok := row.remainder(); ok {
		j.NetworkClientMS = ptr(round(ms(d), 3))
	}
	for _, u := range s.Utilization {
		j.Utilization = append(j.Utilization, JSONUtilization{u.Resource, round(u.Mean, 2), round(u.Max, 2)})
	}
	return j
}

func jsonSweep(s Sweep) JSONSweep {
	sr := s.Result
	j := JSONSweep{
		Name: s.Name, InstanceType: s.InstanceType, Provenance: s.Provenance, Peak: sr.Peak, Knee: sr.Knee,
		Stop: sr.Stop, StopDetail: sr.StopDetail, Verdict: sr.Verdict(), Steps: []JSONStep{},
	}
	if sr.SLO != nil {
		j.SLO = sr.SLO.String()
	}
	for _, st := range sr.Steps {
		res := st.Result
		j.Steps = append(j.Steps, JSONStep{
			Concurrency: st.Concurrency, RateRPS: st.Rate, ThroughputRPS: res.Throughput,
			LatencyMS: jsonLatency(res.Latency), Requests: res.Requests, Errors: res.Errors,
			ErrorRate: st.ErrorRate, Stable: st.Stable, Windows: st.Windows, MetSLO: st.MetSLO,
			Warnings: res.Warnings,
		})
	}
	return j
}

func jsonLatency(l bench.Latency) JSONLatency {
	return JSONLatency{
		Mean: ms(l.Mean), StdDev: ms(l.StdDev), Min: ms(l.Min), Max: ms(l.Max),
		P50: ms(l.P50), P90: ms(l.P90), P95: ms(l.P95), P99: ms(l.P99), P999: ms(l.P999),
	}
}

func ptr[T any](v T) *T { return &v }
