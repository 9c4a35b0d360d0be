package bench

import (
	"context"
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
