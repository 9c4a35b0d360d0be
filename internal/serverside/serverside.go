// Package serverside puts an endpoint's CloudWatch figures beside the client's in a report
// row: it fetches them for the row's measured window (sagemaker/cwmetrics), cross-checks
// them with the row's bench.Result and fills report.Row.Server, or Row.ServerNA with the
// reason when they cannot be had. It is the one place where cwmetrics, bench and report
// meet, so that none of them imports another; the Study calls Fill once per candidate.
package serverside

import (
	"context"
	"math"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
)

// Source is what Fill writes in report.Server.Source; the report prefixes "emulated" on
// rows whose provenance is report.Emulated.
const Source = "CloudWatch"

// Options configures Fill.
type Options struct {
	// Tolerance is the cross-check's (zero fields take cwmetrics' defaults).
	Tolerance cwmetrics.Tolerance
	// Outside is how many requests the client sent outside the row's measured window
	// (its warmup), which the server counts too; see cwmetrics.ClientFigures.
	Outside int64
	// Fetch are cwmetrics.Fetch's options: the wait for complete metrics, its progress,
	// NoWait against the emulator.
	Fetch []func(*cwmetrics.Options)
}

// Fill fetches the metrics of endpoint's variant over row.Result's window and sets
// row.Server, with CrossCheck's warnings (allowing for the requests in flight at the
// window's edges: Result.Concurrency, or Rate x mean latency), or row.ServerNA when CloudWatch cannot answer
// (the error is returned too, for a log).
func Fill(ctx context.Context, api cloudwatch.GetMetricDataAPIClient, row *report.Row, endpoint, variant string, o Options) error {
	row.Server, row.ServerNA = nil, ""
	if row.Result == nil {
		row.ServerNA = "no measured window"
		return nil
	}
	m, err := cwmetrics.Fetch(ctx, api, endpoint, variant, row.Result.Start, row.Result.End, o.Fetch...)
	if err != nil {
		row.ServerNA = cwmetrics.Reason(err)
		return err
	}
	res := row.Result
	inFlight := int64(res.Concurrency)
	if res.Rate > 0 { // open loop: Little's law
		inFlight = int64(math.Ceil(res.Rate * res.Latency.Mean.Seconds()))
	}
	c := cwmetrics.ClientFigures{Requests: res.Requests, Outside: o.Outside, InFlight: inFlight, Mean: res.Latency.Mean}
	row.Server = FromMetrics(m, cwmetrics.CrossCheck(c, m, o.Tolerance))
	return nil
}

// resourceNames are the short names the report shows for cwmetrics.Resources.
var resourceNames = map[cwmetrics.Resource]string{
	cwmetrics.CPU: "CPU", cwmetrics.Memory: "memory", cwmetrics.GPU: "GPU",
	cwmetrics.GPUMemory: "GPU memory", cwmetrics.Disk: "disk",
}

// FromMetrics turns fetched metrics and their cross-check into a report.Server.
func FromMetrics(m *cwmetrics.EndpointMetrics, chk cwmetrics.Check) *report.Server {
	s := &report.Server{
		Source: Source, Invocations: m.Invocations,
		ModelP50: m.ModelLatency.P50, ModelP99: m.ModelLatency.P99, ModelMean: m.ModelLatency.Mean,
		OverheadP50: m.OverheadLatency.P50, OverheadMean: m.OverheadLatency.Mean,
		Warnings: slices.Concat(chk.Warnings, m.Messages),
	}
	for _, r := range cwmetrics.Resources {
		if u, ok := m.Utilization[r]; ok {
			s.Utilization = append(s.Utilization, report.Utilization{Resource: resourceNames[r], Mean: u.Mean, Max: u.Max})
		}
	}
	return s
}
