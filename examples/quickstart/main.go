// Command quickstart runs the load engine against a fake endpoint. It is a stand-in until
// the full offline study (emulator, Neo, six configurations) replaces it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fake := benchtest.New(benchtest.WithCapacity(4), benchtest.WithLatency(benchtest.Constant(13*time.Millisecond)))
	res, err := bench.Run(ctx, fake, bench.Config{Concurrency: 16, Duration: 3 * time.Second, Payloads: []payload.Payload{img}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%.1f req/s, p50 %v, p99 %v; %s\n", res.Throughput, res.Latency.P50, res.Latency.P99, res.LittlesLaw)
}
