package sagebench

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/serverside"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
)

// ServerMetrics configures the endpoint's own figures that a study collects for every
// measured candidate from CloudWatch (sagemaker/cwmetrics): invocations, ModelLatency and
// OverheadLatency, utilization, and their cross-check with the client's figures. They are
// read after the candidate's endpoint is deleted (CloudWatch keeps them), so waiting for
// them costs no endpoint time. They never fail a study: without them (no
// cloudwatch:GetMetricData permission, a throttle) the candidate's ServerNA says why.
type ServerMetrics struct {
	// Off collects nothing; the report then has no "Where the time goes" table.
	Off bool
	// Delay is how long after the measured window CloudWatch is taken to hold complete
	// metrics; each candidate's are read once it has passed [cwmetrics.DefaultDelay, at
	// most cwmetrics.MaxDelay]. The wait runs beside the next candidates' measurements,
	// and an EventWaitingMetrics reports it.
	Delay time.Duration
	// NoWait reads at once: for the emulator (sagemakertest), which publishes every
	// request as it ends. The aws.Config of sagemakertest's Server.Config says so
	// itself: against it the study reads at once whatever Delay says.
	NoWait bool
	// Tolerance is the cross-check's; zero fields take cwmetrics' defaults.
	Tolerance cwmetrics.Tolerance
}

func (m ServerMetrics) problems() []string {
	if m.Delay < 0 || m.Delay > cwmetrics.MaxDelay {
		return []string{fmt.Sprintf("ServerMetrics.Delay %v is outside 0 to %v", m.Delay, cwmetrics.MaxDelay)}
	}
	return nil
}

// collectServer fetches the server figures of a measured candidate whose endpoint is
// deleted, and saves them with its result. It is called in its own goroutine; out is
// the candidate's outcome, written only here until r.metrics is waited for.
func (r *run) collectServer(ctx context.Context, cw cloudwatch.GetMetricDataAPIClient, endpoint string, out *Outcome) {
	c := out.Candidate
	row := report.Row{Result: out.Result}
	n := outside(r.s, out)
	// CloudWatch's whole minutes hold every step of a sweep: compare them with the client's
	// whole sweep, not its peak step (a later, queueing step made network + client negative).
	whole, werr := sweepWhole(out.Sweep)
	if whole != nil {
		row.Result, n = whole, warmups(r.s, out.Sweep)
	}
	o := serverside.Options{
		Tolerance: r.s.ServerMetrics.Tolerance,
		Outside:   n,
		Fetch: []func(*cwmetrics.Options){func(fo *cwmetrics.Options) {
			fo.Delay, fo.NoWait = r.s.ServerMetrics.Delay, r.s.ServerMetrics.NoWait || r.metricsNow
			fo.Progress = func(p cwmetrics.Progress) {
				r.emit(Event{Kind: EventWaitingMetrics, Candidate: c.Name, Elapsed: p.Waited, Remaining: p.Remaining})
			}
		}},
	}
	err := serverside.Fill(ctx, cw, &row, endpoint, sagemaker.VariantName, o)
	if row.Server != nil && whole != nil {
		row.Server.Client, row.Server.Scope = whole, "whole sweep"
	}
	if row.Server != nil && werr != nil {
		row.Server.Warnings = append(row.Server.Warnings, "compared with the peak step only: "+werr.Error())
	}
	out.Server, out.ServerNA = row.Server, row.ServerNA
	r.emit(Event{Kind: EventServerMetrics, Candidate: c.Name, Reason: out.ServerNA, Err: err})
	if out.Server != nil || out.ServerNA != "" {
		_ = r.save(*out) // the client's figures are saved already; these are a bonus
	}
}

// sweepWhole is the client's side of a sweep over the whole of it: its steps merged. The
// merge adds the steps' Concurrency (and Rate), which is what the cross-check needs: the
// requests that may be in flight at the steps' edges, counted by the server only. nil
// without a sweep, or with the error when the steps cannot be merged (decoded without
// their histograms).
func sweepWhole(sw *bench.SweepResult) (*bench.Result, error) {
	if sw == nil || len(sw.Steps) < 2 {
		return nil, nil
	}
	whole := new(bench.Result)
	for _, st := range sw.Steps {
		if err := whole.Merge(st.Result); err != nil {
			return nil, err
		}
	}
	return whole, nil
}

// warmups estimates the requests sent in the warmups of a sweep's steps.
func warmups(s *Study, sw *bench.SweepResult) int64 {
	var n int64
	for _, st := range sw.Steps {
		if st.Result != nil {
			n += int64(math.Ceil(s.Load.Warmup.Seconds() * st.Result.Throughput))
		}
	}
	return n
}

// outside estimates the requests the server counts in the window's whole minutes that
// the client's Result does not: the warmup's, and a sweep's other steps.
func outside(s *Study, out *Outcome) int64 {
	n := int64(math.Ceil(s.Load.Warmup.Seconds() * out.Result.Throughput))
	if out.Sweep != nil {
		for i, st := range out.Sweep.Steps {
			if i != out.Sweep.Peak && st.Result != nil {
				n += st.Result.Requests + int64(math.Ceil(s.Load.Warmup.Seconds()*st.Result.Throughput))
			}
		}
	}
	return n
}
