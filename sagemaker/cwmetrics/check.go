package cwmetrics

import (
	"fmt"
	"time"
)

// ClientFigures is what the load generator saw over the window: the few figures the
// cross-check needs, so that this package does not depend on the load engine (from a
// bench.Result: Requests, Latency.Mean).
type ClientFigures struct {
	// Requests is every request the client counts as sent to the endpoint in its measured
	// window, failed ones included.
	Requests int64
	// Outside is how many requests the client sent outside its measured window but inside
	// the whole minutes the server counts (its warmup, an estimate will do): the server's
	// count may exceed Requests by that much without a warning.
	Outside int64
	// InFlight is how many requests the client keeps in flight at once (a closed loop's
	// workers; rate x latency in an open loop). A request in flight as the window opens or
	// closes may be counted by one side only, so the counts may differ by that much.
	InFlight int64
	// Mean is the client's mean latency.
	Mean time.Duration
}

// Tolerance says how far the server's figures may stray from the client's before the
// cross-check warns. Zero fields take the defaults.
type Tolerance struct {
	// Requests is the fraction by which the server's invocation count may differ from
	// the client's requests (default 0.01, and never less than 1 request).
	Requests float64
	// Latency is the fraction of the client's mean latency that network and client time
	// (the remainder) may take, or by which the server's time may exceed the client's
	// (default 0.25); never less than LatencyFloor (default 5 ms).
	Latency      float64
	LatencyFloor time.Duration
}

func (t Tolerance) withDefaults() Tolerance {
	if t.Requests <= 0 {
		t.Requests = 0.01
	}
	if t.Latency <= 0 {
		t.Latency = 0.25
	}
	if t.LatencyFloor <= 0 {
		t.LatencyFloor = 5 * time.Millisecond
	}
	return t
}

// Check is the outcome of CrossCheck.
type Check struct {
	// Remainder is the client's mean latency less the server's mean ModelLatency and
	// OverheadLatency: the time spent on the network and in the client. Means are used
	// because they add up; percentiles do not.
	Remainder time.Duration
	// Warnings say where the two sides disagree beyond the tolerance; empty when they agree.
	Warnings []string
}

// CrossCheck compares the server's figures with the client's. The server counts whole
// periods, so its count includes requests just outside the measured window: the client's
// warmup (ClientFigures.Outside allows for it), and whatever else reached the endpoint (another
// client, an earlier run, SDK retries), which the warning names. A server count below the
// client's means the client counted requests that never reached the endpoint. A nil m
// gives no remainder and one warning.
func CrossCheck(c ClientFigures, m *EndpointMetrics, tol Tolerance) Check {
	if m == nil {
		return Check{Warnings: []string{"no server metrics to check the client's figures against"}}
	}
	tol = tol.withDefaults()
	var ch Check
	warn := func(format string, args ...any) { ch.Warnings = append(ch.Warnings, fmt.Sprintf(format, args...)) }

	slack := max(int64(float64(c.Requests)*tol.Requests), 1) + max(c.InFlight, 0)
	switch diff := m.Invocations - c.Requests; {
	case diff < -slack:
		warn("the client counted %d requests, the endpoint %d invocations in %s: %d requests never reached it (a client that drops or fakes requests, or a wrong endpoint or variant)",
			c.Requests, m.Invocations, span(m), -diff)
	case diff > c.Outside+slack:
		warn("the endpoint counted %d invocations in %s, the client %d requests (and %d outside its measured window): %d more, from other clients, an earlier run or SDK retries",
			m.Invocations, span(m), c.Requests, c.Outside, diff-c.Outside)
	}

	if m.ModelLatency.Count == 0 || c.Mean <= 0 {
		warn("no latency to compare: the endpoint published no ModelLatency in the window or the client measured none")
		return ch
	}
	server := m.ModelLatency.Mean + m.OverheadLatency.Mean
	ch.Remainder = c.Mean - server
	limit := max(time.Duration(float64(c.Mean)*tol.Latency), tol.LatencyFloor)
	switch {
	case ch.Remainder < -limit:
		warn("the endpoint's mean time (model %v + overhead %v) exceeds the client's mean latency %v by %v: the two did not see the same requests",
			round(m.ModelLatency.Mean), round(m.OverheadLatency.Mean), round(c.Mean), round(-ch.Remainder))
	case ch.Remainder > limit:
		warn("network and client take %v of the client's mean latency %v (more than %v): a distant or saturated client",
			round(ch.Remainder), round(c.Mean), round(limit))
	}
	return ch
}

// span is the queried window in UTC, as CloudWatch's console shows it.
func span(m *EndpointMetrics) string {
	return m.Start.UTC().Format(time.TimeOnly) + " to " + m.End.UTC().Format(time.TimeOnly) + " UTC"
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}
