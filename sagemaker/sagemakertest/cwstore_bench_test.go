package sagemakertest

import (
	"testing"
	"time"
)

// BenchmarkRecordInvocation is what CloudWatch bookkeeping adds to every emulated
// invocation: six per-minute aggregates, two latency histograms, worker time.
func BenchmarkRecordInvocation(b *testing.B) {
	var m metricStore
	t0 := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		m.record(invocation{
			endpoint: "ep", variant: "AllTraffic", instanceType: "ml.g4dn.xlarge", workers: 4,
			arrived: at, queued: at, started: at.Add(time.Millisecond), ended: at.Add(29 * time.Millisecond), done: at.Add(30 * time.Millisecond),
		})
	}
}
