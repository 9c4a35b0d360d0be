package bench_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

// An invoker that holds each request for 10 ms, loaded by 4 workers: Little's law says
// 4 / 10 ms = 400 requests per second, and the Result checks itself against it.
func ExampleRun() {
	endpoint := bench.InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		select {
		case <-time.After(10 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	res, err := bench.Run(context.Background(), endpoint, bench.Config{
		Concurrency: 4,
		Requests:    200,
		Payloads:    []payload.Payload{{Name: "hello", ContentType: "text/plain", Body: []byte("hi")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("requests:", res.Requests, "errors:", res.Errors)
	fmt.Println("p50 at least 10ms:", res.Latency.P50 >= 10*time.Millisecond)
	fmt.Println("Little's law holds:", res.LittlesLaw.Holds)
	// Output:
	// requests: 200 errors: 0
	// p50 at least 10ms: true
	// Little's law holds: true
}

// A model server with 4 workers of 10 ms each serves at most 400 requests per second;
// more clients only queue. The sweep finds the knee at 4 and stops when two more steps
// gain nothing.
func ExampleSweep() {
	server := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(10*time.Millisecond)))
	sw, err := bench.Sweep(context.Background(), server, bench.SweepConfig{
		Levels:  bench.Geometric(1, 64, 2),
		Base:    bench.Config{Duration: 300 * time.Millisecond, Payloads: []payload.Payload{{Name: "x", Body: []byte("x")}}},
		SLO:     &bench.SLO{Percentile: 99, Max: time.Second},
		MinGain: new(0.2),
		// A step ends after 3 windows that agree, or 4 at most (default 10): on a busy
		// machine a step can otherwise take 10 windows to settle.
		MaxWindows: 4,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", len(sw.Steps))
	fmt.Println("knee:", sw.Steps[sw.Knee].Concurrency, "workers")
	fmt.Println("stopped:", sw.Stop)
	// Output:
	// steps: 5
	// knee: 4 workers
	// stopped: throughput plateau
}

// Three clients that each send at most 20 requests per second (Config.ClientRate, as
// Locust's constant_throughput or hey's -q), against an endpoint that answers in 1 ms:
// together they send about 60 requests per second, never more, and each latency runs
// from the request's actual send, not from the wait before it.
func ExampleConfig_clientRate() {
	endpoint := benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond)))
	res, err := bench.Run(context.Background(), endpoint, bench.Config{
		Concurrency: 3,
		ClientRate:  20,
		Duration:    time.Second,
		Payloads:    []payload.Payload{{Name: "hello", ContentType: "text/plain", Body: []byte("hi")}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("at most 3 x 20 req/s:", res.Requests <= 3*(20+1))
	fmt.Println("latency under the 50ms between sends:", res.Latency.P50 < 50*time.Millisecond)
	fmt.Println("Little's law checked:", res.LittlesLaw != nil)
	// Output:
	// at most 3 x 20 req/s: true
	// latency under the 50ms between sends: true
	// Little's law checked: false
}
