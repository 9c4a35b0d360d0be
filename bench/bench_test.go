package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/payload"
)

// BenchmarkRunNoop measures the engine's own cost per request: the invoker does nothing,
// so ns/op and allocs/op are what Run adds to every request. Setup (one histogram per
// worker) is amortised over b.N requests.
func BenchmarkRunNoop(b *testing.B) {
	noop := InvokerFunc(func(context.Context, payload.Payload) error { return nil })
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"closed/c1", Config{Concurrency: 1}},
		{"closed/c2", Config{Concurrency: 2}},
		{"closed/c16", Config{Concurrency: 16}},
		// Capped closed loop (Config.ClientRate) at a cap the no-op invoker never reaches
		// (1e9 req/s per worker: the limiter never sleeps): ns/op is the pacing's own cost,
		// one Limiter.Take and one more clock read per request.
		{"capped/c1", Config{Concurrency: 1, ClientRate: 1e9}},
		{"capped/c16", Config{Concurrency: 16, ClientRate: 1e9}},
		// Open loop at a million requests per second: the pacer, not the invoker, sets
		// the pace, so ns/op is about 1000; allocs/op is the figure that matters.
		{"open/1Mrps", Config{Rate: 1e6, Concurrency: 4}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := tc.cfg
			cfg.Payloads = onePayload
			cfg.Requests = int64(b.N)
			b.ReportAllocs()
			b.ResetTimer()
			res, err := Run(context.Background(), noop, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if res.Requests != int64(b.N) {
				b.Fatalf("measured %d requests, want %d", res.Requests, b.N)
			}
		})
	}
}

// BenchmarkOpenLoopAccuracy runs open loop at 5000 req/s for 10 s against a no-op invoker
// and reports the achieved rate as a percentage of the target (run with -benchtime 1x).
func BenchmarkOpenLoopAccuracy(b *testing.B) {
	noop := InvokerFunc(func(context.Context, payload.Payload) error { return nil })
	for b.Loop() {
		res, err := Run(context.Background(), noop, Config{
			Rate: 5000, Concurrency: 16, Duration: 10 * time.Second, Payloads: onePayload,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(100*res.Throughput/5000, "%target")
		b.ReportMetric(float64(res.Missed), "missed")
	}
}

// BenchmarkOpenLoopHonesty is the "open-loop honesty" table of BENCHMARKS.md: a no-op
// invoker behind one worker at several rates, with and without a goroutine spinning in
// the same process (the loaded client), at GOMAXPROCS 1 and 2. It reports the sends the
// schedule offered, how many of them were accounted for (made, missed or unfinished), and
// the reported latency against the true send lateness: call k's start minus start + k/Rate.
// With one worker the calls arrive in schedule order, so that is exact when no send was
// missed and a lower bound otherwise. Run with -benchtime 1x.
func BenchmarkOpenLoopHonesty(b *testing.B) {
	for _, procs := range []int{1, 2} {
		for _, hog := range []bool{false, true} {
			for _, rate := range []float64{1e3, 1e5, 1e6, 5e6} {
				name := fmt.Sprintf("procs=%d/hog=%v/rate=%.0e", procs, hog, rate)
				b.Run(name, func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					for b.Loop() {
						honestyRow(b, rate, hog)
					}
				})
			}
		}
	}
}

func honestyRow(b *testing.B, rate float64, hog bool) {
	const window = time.Second
	calls := make([]time.Time, 0, int(rate*window.Seconds())+1024)
	inv := InvokerFunc(func(context.Context, payload.Payload) error {
		calls = append(calls, time.Now()) // one worker: no lock needed
		return nil
	})
	stop := make(chan struct{})
	if hog {
		go spin(stop)
	}
	res, err := Run(context.Background(), inv, Config{
		Rate: rate, Concurrency: 1, MaxBacklog: 1 << 20, Duration: window, Payloads: onePayload,
	})
	close(stop)
	if err != nil {
		b.Fatal(err)
	}
	n := min(int(res.Requests), len(calls))
	late := make([]time.Duration, n)
	for k := range n {
		late[k] = calls[k].Sub(res.Start.Add(time.Duration(float64(k) / rate * float64(time.Second))))
	}
	slices.Sort(late)
	pct := func(q float64) float64 {
		if n == 0 {
			return 0
		}
		return float64(late[int(q/100*float64(n-1))]) / 1e3
	}
	b.ReportMetric(float64(res.Offered), "offered")
	b.ReportMetric(100*float64(res.Requests+res.Missed+res.Unfinished)/max(rate*res.Elapsed.Seconds(), 1), "%accounted")
	b.ReportMetric(float64(res.Requests), "made")
	b.ReportMetric(float64(res.Missed), "missed")
	b.ReportMetric(float64(res.Latency.P50)/1e3, "rep-p50-us")
	b.ReportMetric(float64(res.Latency.P99)/1e3, "rep-p99-us")
	b.ReportMetric(pct(50), "true-p50-us")
	b.ReportMetric(pct(99), "true-p99-us")
	if hasClientWarning(res) {
		b.ReportMetric(1, "client-warned")
	} else {
		b.ReportMetric(0, "client-warned")
	}
}

func hasClientWarning(res *Result) bool {
	return slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "the load generator could not keep up")
	})
}

// spin keeps one goroutine busy until stop is closed: a client whose CPU is taken.
func spin(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		for range 1000 {
		}
	}
}
