// Command localcontainer benchmarks a model server already running on this machine (or any
// URL) with a concurrency or rate sweep, and prices the result as if it had run on a chosen
// SageMaker instance type. The price is a what-if: the figures are this machine's, not the
// instance's, and the output says so.
//
// Start the server elsewhere, e.g. a SageMaker-contract container:
//
//	docker run --rm -p 8080:8080 my-inference-image serve
//
// then sweep it:
//
//	go run ./examples/localcontainer -url http://localhost:8080 -mode sagemaker \
//	    -levels 1,2,4,8,16,32 -slo p99=200ms -instance ml.g4dn.xlarge -region us-east-1
//
// Modes: sagemaker (POST /invocations, GET /ping), torchserve (POST /predictions/{-model},
// GET /ping), kserve (KServe v2: POST /v2/models/{-model}/infer, needs a JSON -payload),
// raw (POST to -url itself; -ready names a readiness URL, if any). The request body is a
// synthetic 224x224 JPEG unless -payload names a file or a directory of files. -rates
// 10,20,40 sweeps open-loop request rates instead of concurrency levels. The report
// (report.md, results.csv/json, charts) goes to -out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	o := defaultOptions()
	flag.StringVar(&o.url, "url", o.url, "server base URL (the full URL for -mode raw)")
	flag.StringVar(&o.mode, "mode", o.mode, "sagemaker, torchserve, kserve or raw")
	flag.StringVar(&o.model, "model", o.model, "model name, for torchserve and kserve")
	flag.StringVar(&o.ready, "ready", o.ready, "readiness URL polled before the sweep (-mode raw only; the other modes know theirs)")
	flag.DurationVar(&o.readyTimeout, "ready-timeout", o.readyTimeout, "how long to wait for the server to be ready")
	flag.StringVar(&o.payload, "payload", o.payload, "request body: a file or a directory of files (default: a synthetic 224x224 JPEG)")
	flag.StringVar(&o.levels, "levels", o.levels, "concurrency ladder, comma-separated")
	flag.StringVar(&o.rates, "rates", o.rates, "open-loop ladder in requests/s, comma-separated (instead of -levels)")
	flag.StringVar(&o.slo, "slo", o.slo, `latency objective, e.g. p99=200ms, or "none"`)
	flag.DurationVar(&o.window, "window", o.window, "length of one measurement window")
	flag.DurationVar(&o.warmup, "warmup", o.warmup, "load before each step's first window, not counted")
	flag.IntVar(&o.maxWindows, "max-windows", o.maxWindows, "windows per step before it is called unstable")
	flag.DurationVar(&o.timeout, "timeout", o.timeout, "per-request timeout")
	flag.StringVar(&o.instance, "instance", o.instance, "SageMaker instance type to price the result on (what-if)")
	flag.StringVar(&o.region, "region", o.region, "region of the price")
	flag.StringVar(&o.prices, "prices", o.prices, `price table: "current", "study2021", or "auto" (the first that prices -instance in -region)`)
	flag.StringVar(&o.label, "label", o.label, "name of this configuration in the report")
	flag.StringVar(&o.out, "out", o.out, "directory for report.md, results.csv/json and charts")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "localcontainer:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}
