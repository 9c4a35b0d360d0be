// Command fakeinvoker is a tiny load-test harness and, more to the point, its tests: they
// show how to unit-test your own harness with bench/benchtest, whose fake invoker behaves
// like a model server you configure (latency distribution, capacity, injected throttling
// and model errors), so a test can check that the harness passes what it should pass and
// fails what it should fail, with no endpoint and in seconds.
//
// The harness runs bench.Run against a URL and judges the result against a latency SLO,
// a minimum throughput and an error budget; it exits 1 when the check fails:
//
//	go run ./examples/fakeinvoker -url http://localhost:8080 [-mode sagemaker|raw] \
//	    [-concurrency 16] [-duration 30s] [-slo p99=200ms] [-min-tps 50] [-max-errors 0.01]
//
// Read main_test.go for the point of the example:
//
//	go test ./examples/fakeinvoker
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/payload"
)

type options struct {
	url, mode   string
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	slo         string
	minTPS      float64
	maxErrors   float64
}

func main() {
	o := options{mode: "sagemaker", concurrency: 16, duration: 30 * time.Second, warmup: 5 * time.Second,
		slo: "p99=200ms", maxErrors: 0.01}
	flag.StringVar(&o.url, "url", "", "model server: base URL for -mode sagemaker, the full URL for -mode raw")
	flag.StringVar(&o.mode, "mode", o.mode, "sagemaker (POST /invocations, GET /ping) or raw (POST to -url)")
	flag.IntVar(&o.concurrency, "concurrency", o.concurrency, "concurrent clients")
	flag.DurationVar(&o.duration, "duration", o.duration, "measured window")
	flag.DurationVar(&o.warmup, "warmup", o.warmup, "load before the window, not counted")
	flag.StringVar(&o.slo, "slo", o.slo, "latency objective, e.g. p99=200ms")
	flag.Float64Var(&o.minTPS, "min-tps", o.minTPS, "fail below this many successful requests per second (0: no bound)")
	flag.Float64Var(&o.maxErrors, "max-errors", o.maxErrors, "fail above this fraction of failed requests")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, o, os.Stdout)
	var failed *CheckFailed
	switch {
	case errors.As(err, &failed):
		os.Exit(1) // run has printed why
	case err != nil:
		fmt.Fprintln(os.Stderr, "fakeinvoker:", err)
		os.Exit(2)
	}
}

// run loads the server at o.url and prints the verdict.
func run(ctx context.Context, o options, stdout io.Writer) error {
	slo, err := parseSLOFlag(o.slo)
	if err != nil {
		return err
	}
	var inv *httpinvoker.Invoker
	switch o.mode {
	case "sagemaker":
		inv, err = httpinvoker.SageMaker(o.url, httpinvoker.WithConcurrency(o.concurrency))
	case "raw":
		inv, err = httpinvoker.New(o.url, httpinvoker.WithConcurrency(o.concurrency))
	default:
		err = fmt.Errorf("-mode %q: want sagemaker or raw", o.mode)
	}
	if err != nil {
		return err
	}
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		return err
	}
	v, err := Evaluate(ctx, inv, Check{
		Load: bench.Config{Concurrency: o.concurrency, Duration: o.duration, Warmup: o.warmup,
			Timeout: 30 * time.Second, Payloads: []payload.Payload{img}},
		SLO:          slo,
		MinTPS:       o.minTPS,
		MaxErrorRate: o.maxErrors,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, v)
	if !v.Pass {
		return &CheckFailed{Verdict: v}
	}
	return nil
}

// parseSLOFlag reads the -slo flag with bench.ParseSLO, naming the flag in its error.
func parseSLOFlag(s string) (bench.SLO, error) {
	slo, err := bench.ParseSLO(s)
	if err != nil {
		return slo, fmt.Errorf("-slo %q: want pNN=duration, e.g. p99=200ms", s)
	}
	return slo, nil
}
