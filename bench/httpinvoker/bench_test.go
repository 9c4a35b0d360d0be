package httpinvoker_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/internal/peers/loopserver"
	"github.com/sagebench/sagebench/payload"
)

// The benchmarks load loopserver, which allocates nothing per request, so allocs/op is the
// client's own: httpinvoker plus net/http (plus bench.Run in BenchmarkRunHTTP).

// jpeg22k has the size of the study's 224x224 JPEG (22,906 bytes).
var jpeg22k = payload.Payload{Name: "22k.jpg", ContentType: "image/jpeg", Body: bytes.Repeat([]byte{0xa5}, 22906)}

func loop(b *testing.B) *loopserver.Server {
	b.Helper()
	s, err := loopserver.Start("127.0.0.1:0", "application/json", []byte(`{"label":"tabby cat","p":0.93}`))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchInvoker(b *testing.B, url string, opts ...httpinvoker.Option) *httpinvoker.Invoker {
	b.Helper()
	inv, err := httpinvoker.New(url, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(inv.CloseIdleConnections)
	return inv
}

// BenchmarkInvoke is one request at a time: the latency and allocations of the HTTP path.
func BenchmarkInvoke(b *testing.B) {
	s := loop(b)
	for _, c := range []struct {
		name string
		opts []httpinvoker.Option
	}{
		{"discard", nil},
		{"check", []httpinvoker.Option{httpinvoker.WithCheck(func(int, []byte) error { return nil })}},
		{"timeout", []httpinvoker.Option{httpinvoker.WithTimeout(10e9)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			inv := benchInvoker(b, s.URL()+"/invocations", c.opts...)
			ctx := context.Background()
			b.SetBytes(int64(len(jpeg22k.Body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := inv.Invoke(ctx, jpeg22k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNetHTTPBaseline is the same request through a plain tuned http.Client, the floor
// that httpinvoker's own overhead is measured against.
func BenchmarkNetHTTPBaseline(b *testing.B) {
	s := loop(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	defer client.CloseIdleConnections()
	url := s.URL() + "/invocations"
	ctx := context.Background()
	b.SetBytes(int64(len(jpeg22k.Body)))
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(jpeg22k.Body))
		req.Header.Set("Content-Type", jpeg22k.ContentType)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkRunHTTP is the whole client side of a benchmark, bench.Run with 16 workers
// driving httpinvoker, per request: what caps the request rate sagebench can generate.
func BenchmarkRunHTTP(b *testing.B) {
	s := loop(b)
	for _, c := range []struct {
		name string
		cfg  bench.Config
	}{
		{"closed16", bench.Config{Concurrency: 16}},
		{"closed64", bench.Config{Concurrency: 64}},
	} {
		b.Run(c.name, func(b *testing.B) {
			inv := benchInvoker(b, s.URL()+"/invocations", httpinvoker.WithConcurrency(c.cfg.Concurrency))
			cfg := c.cfg
			cfg.Payloads = []payload.Payload{jpeg22k}
			cfg.Requests = int64(b.N)
			b.SetBytes(int64(len(jpeg22k.Body)))
			b.ReportAllocs()
			b.ResetTimer()
			res, err := bench.Run(context.Background(), inv, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if res.Errors != 0 {
				b.Fatalf("%d errors: %v", res.Errors, res.ErrorSamples)
			}
			b.ReportMetric(res.Throughput, "req/s")
			b.ReportMetric(float64(res.Latency.P99.Microseconds()), "p99-µs")
		})
	}
}
