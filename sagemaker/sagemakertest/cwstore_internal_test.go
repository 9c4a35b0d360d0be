package sagemakertest

import (
	"testing"
	"time"
)

// TestRecordSplitsLatencyAsAWSDefinesIt files one request with known times: 1 ms in the
// front end, 30 ms queued in the container, 20 ms on a worker, 2 ms to answer. As AWS
// defines the metrics, ModelLatency is the container's 50 ms (its queue included) and
// OverheadLatency the front end's 3 ms; the worker was busy 20 ms.
func TestRecordSplitsLatencyAsAWSDefinesIt(t *testing.T) {
	var m metricStore
	t0 := time.Unix(1_800_000_000, 0) // a whole minute
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	m.record(invocation{endpoint: "ep", variant: "v", instanceType: "ml.c5.xlarge", workers: 4,
		arrived: ms(0), queued: ms(1), started: ms(31), ended: ms(51), done: ms(53)})
	from, to := t0.Unix(), t0.Unix()+60
	for name, want := range map[string]float64{"ModelLatency": 50_000, "OverheadLatency": 3_000} {
		got := m.series(metricKey{"ep", "v", NamespaceInvocations, name}, from, to)
		if a := got[from]; a == nil || a.count != 1 || a.sum != want {
			t.Errorf("%s = %+v, want one datapoint of %v us", name, a, want)
		}
	}
	cpu := m.series(metricKey{"ep", "v", NamespaceInstances, "CPUUtilization"}, from, to)[from]
	if want := 0.020 / 60 * 100; cpu == nil || cpu.sum < want*0.999 || cpu.sum > want*1.001 {
		t.Errorf("CPUUtilization = %+v, want %v%% (20 ms of worker time in a minute)", cpu, want)
	}
}
