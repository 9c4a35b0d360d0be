// Command quickstart runs the reference study end to end, offline, against the local
// SageMaker emulator (sagemaker/sagemakertest): it packs a model archive, uploads it,
// compiles it with Neo for ml_c5, ml_g4dn and ml_inf1, deploys six configurations (three
// uncompiled, three compiled), loads each with 16 workers sending a 224x224 JPEG, prices
// them with the embedded price table, prints the comparison and writes sagebench-out/.
// Everything it creates is deleted again, on success, on error and on Ctrl-C, and it
// checks with the emulator that nothing is left.
//
// The endpoints are emulated: each request is really decoded, resized, cropped and
// normalized, then held for a device time calibrated to the study's published throughput.
// The figures show what the pipeline measures, not what your hardware does; run
// examples/resnet50 for that.
//
//	go run ./examples/quickstart [-duration 5s] [-concurrency 16] [-region eu-west-1] [-out sagebench-out] [-sweep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	o := defaultOptions()
	flag.DurationVar(&o.duration, "duration", o.duration, "measured load per configuration")
	flag.DurationVar(&o.warmup, "warmup", o.warmup, "load before each measurement, not counted")
	flag.IntVar(&o.concurrency, "concurrency", o.concurrency, "concurrent clients (the study used 16)")
	flag.StringVar(&o.region, "region", o.region, "region to emulate and price in")
	flag.StringVar(&o.out, "out", o.out, "directory for report.md, results.csv/json and charts")
	flag.BoolVar(&o.sweep, "sweep", o.sweep, "sweep concurrency 1..64 per configuration instead of a fixed level (takes minutes)")
	flag.StringVar(&o.prices, "prices", o.prices, `price table: "current", "study2021", or "auto" (the one that prices every configuration in -region)`)
	flag.Parse()

	// Ctrl-C or SIGTERM cancels the work; every deletion runs on a context that outlives
	// it, so the endpoints still go away. A second signal kills the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	err := run(ctx, o, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "quickstart: interrupted; everything it created has been deleted")
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "done in %v\n", time.Since(start).Round(100*time.Millisecond))
}
