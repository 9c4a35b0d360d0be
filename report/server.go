package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
)

// Server is what the endpoint itself reported over a row's window (SageMaker's CloudWatch
// metrics, see package sagemaker/cwmetrics), as plain data so that the report needs no AWS
// import. The report sets it beside the client's figures: the remainder of the client's
// mean latency after the server's mean model and overhead time is network and client time.
type Server struct {
	// Source says where the figures come from, e.g. "CloudWatch" or "emulated CloudWatch".
	Source      string
	Invocations int64

	ModelP50, ModelP99, ModelMean time.Duration
	OverheadP50, OverheadMean     time.Duration

	// Utilization holds the resources the endpoint published, in the order to show them.
	Utilization []Utilization

	// Warnings are where the server's figures disagree with the client's (a cross-check);
	// they are footnotes of the split table.
	Warnings []string

	// Client, if set, is the client's figures over the same window as the server's, when
	// the row's Result covers less of it (CloudWatch counts whole minutes): for a sweep,
	// its steps merged, since no minute isolates one step. The split compares the server
	// with Client then, never with the row's Result; Scope says what both cover ("whole
	// sweep").
	Client *bench.Result `json:",omitempty"`
	Scope  string        `json:",omitempty"`
}

// client is the client's side of the row's split: Server.Client, else the row's Result.
func (r *Row) client() *bench.Result {
	if r.Server != nil && r.Server.Client != nil {
		return r.Server.Client
	}
	return r.Result
}

// Utilization is one resource's utilization over the window, in percent (CloudWatch adds
// up cores: 4 busy vCPUs read 400%).
type Utilization struct {
	Resource  string // e.g. "CPU", "GPU"
	Mean, Max float64
}

// remainder is the row's mean client latency less the server's mean time; ok is false
// without server figures or a client mean.
func (r *Row) remainder() (time.Duration, bool) {
	c := r.client()
	if r.Server == nil || c == nil || c.Latency.Mean <= 0 || r.Server.ModelMean <= 0 {
		return 0, false
	}
	return c.Latency.Mean - r.Server.ModelMean - r.Server.OverheadMean, true
}

// hasServer says whether any row has server figures or a reason for their absence, which
// is when the report shows where the time goes.
func (r *Report) hasServer() bool {
	for _, row := range r.Rows {
		if row.Server != nil || row.ServerNA != "" {
			return true
		}
	}
	return false
}

var splitHeader = []string{
	"Config", "client p50 ms", "client p99 ms", "model p50 ms", "model p99 ms", "overhead p50 ms",
	"network + client ms (mean)", "utilization mean/max", "server figures", "Notes",
}

var splitAlign = []string{":--", "--:", "--:", "--:", "--:", "--:", "--:", ":--", ":--", ":--"}

// writeSplit writes the latency split: per row the client's percentiles, the server's
// model and overhead times, the remainder and the utilization, or n/a and why.
func (r *Report) writeSplit(b *bytes.Buffer) {
	b.WriteString("## Where the time goes\n\n")
	var foot []string
	tableRow(b, splitHeader)
	tableRow(b, splitAlign)
	for i := range r.Rows {
		row := &r.Rows[i]
		p50, p99 := na, na
		if c := row.client(); c != nil {
			p50, p99 = fmtMS(c.Latency.P50), fmtMS(c.Latency.P99)
		}
		s := row.Server
		if s == nil {
			why := row.ServerNA
			if why == "" {
				why = "not fetched"
			}
			missing := na + " (" + cell(why) + ")"
			tableRow(b, []string{cell(row.Name), p50, p99, missing, na, na, na, na, na, ""})
			continue
		}
		var refs []string
		for _, w := range s.Warnings {
			foot = append(foot, fmt.Sprintf("%s %s: %s", Warn, row.Name, w))
			refs = append(refs, fmt.Sprintf("%s [%d]", Warn, len(foot)))
		}
		rest := na
		if d, ok := row.remainder(); ok {
			rest = fmtSignedMS(d)
		}
		var util []string
		for _, u := range s.Utilization {
			util = append(util, fmt.Sprintf("%s %s/%s%%", u.Resource, fmtPctValue(u.Mean), fmtPctValue(u.Max)))
		}
		utilCell := na
		if len(util) > 0 {
			utilCell = strings.Join(util, ", ")
		}
		source := s.Source
		if source == "" {
			source = "server"
		}
		if (row.Provenance == Emulated || row.Provenance == EmulatedGeneric) && !strings.Contains(source, "emulated") {
			source = "emulated " + source
		}
		tableRow(b, []string{
			cell(row.Name), p50, p99,
			optMS(s.ModelP50), optMS(s.ModelP99), optMS(s.OverheadP50), rest, utilCell,
			cell(fmt.Sprintf("%s, %d invocations%s", source, s.Invocations, scope(s))), strings.Join(refs, " "),
		})
	}
	b.WriteString("\n")
	b.WriteString("Model and overhead times are the endpoint's ModelLatency and OverheadLatency over the " +
		"whole minutes around each run, as AWS defines them " +
		"(https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html): model time is the " +
		"model container's, as SageMaker sees it, waiting in the container's queue for a model worker " +
		"included; overhead is what SageMaker itself adds, typically a few milliseconds. Network + client is the client's mean latency less the " +
		"server's mean model and overhead time (means add up, percentiles do not). Utilization is " +
		"averaged over those minutes, so a run shorter than a minute reads low. For a sweep, no minute " +
		"isolates one step: both sides are over the whole sweep, the client's figures merged over its steps.\n\n")
	for i, f := range foot {
		fmt.Fprintf(b, "%d. %s\n", i+1, cell(f))
	}
	if len(foot) > 0 {
		b.WriteString("\n")
	}
}

// scope says what a row's split covers when it is not the row's Result: ", whole sweep".
func scope(s *Server) string {
	if s.Client == nil {
		return ""
	}
	return ", client and server over the " + orDefault(s.Scope, "same window")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// optMS prints a server latency, n/a when CloudWatch had none.
func optMS(d time.Duration) string {
	if d <= 0 {
		return na
	}
	return fmtMS(d)
}

// fmtSignedMS prints a remainder, which is negative when the server's time exceeds the client's.
func fmtSignedMS(d time.Duration) string {
	if d < 0 {
		return "-" + fmtMS(-d)
	}
	return fmtMS(d)
}

// fmtPctValue prints a utilization percentage: no decimals from 10%, one below.
func fmtPctValue(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
