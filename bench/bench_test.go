package bench

import (
	"context"
	"testing"

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
