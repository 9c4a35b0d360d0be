package serverside_test

import (
	"fmt"
	"time"

	"github.com/sagebench/sagebench/internal/serverside"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
)

// FromMetrics is what Fill does once CloudWatch has answered: the metrics and their
// cross-check become the row's server figures.
func ExampleFromMetrics() {
	m := &cwmetrics.EndpointMetrics{
		Invocations:     4480,
		ModelLatency:    cwmetrics.Latency{P50: 28 * time.Millisecond, P99: 31 * time.Millisecond, Mean: 28500 * time.Microsecond, Count: 4480},
		OverheadLatency: cwmetrics.Latency{P50: 85 * time.Millisecond, Mean: 86 * time.Millisecond, Count: 4480},
		Utilization:     map[cwmetrics.Resource]cwmetrics.Utilization{cwmetrics.GPU: {Mean: 96, Max: 100}},
	}
	chk := cwmetrics.CrossCheck(cwmetrics.ClientFigures{Requests: 4480, Mean: 116 * time.Millisecond}, m, cwmetrics.Tolerance{})
	s := serverside.FromMetrics(m, chk)
	fmt.Println(s.Source, s.Invocations, s.ModelP50, s.OverheadP50, s.Utilization, chk.Remainder, len(s.Warnings))
	// Output:
	// CloudWatch 4480 28ms 85ms [{GPU 96 100}] 1.5ms 0
}
