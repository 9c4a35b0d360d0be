// Command quickstart runs the reference study end to end, offline, against the local
// SageMaker emulator (sagemaker/sagemakertest): sagebench.Study packs a model archive,
// uploads it, compiles it with Neo for ml_c5, ml_g4dn and ml_inf1, deploys six candidates
// (three uncompiled, three compiled), loads each with 16 workers sending a 224x224 JPEG,
// prices them with the embedded price table, deletes each endpoint, and the command
// prints the comparison and writes sagebench-out/. It checks with the emulator that
// nothing is left.
//
// The endpoints are emulated: each request is really decoded, resized, cropped and
// normalized, then held for a device time calibrated to the study's published throughput.
// The figures show what the pipeline measures, not what your hardware does; run
// examples/resnet50 for that, or see -h to run the study for your own model.
//
//	go run ./examples/quickstart [-duration 5s] [-concurrency 16] [-parallel 1] [-region eu-west-1] [-out sagebench-out] [-sweep] [-serverless]
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

const usage = `quickstart runs the reference study (PyTorch ResNet50 on ml.c5, ml.g4dn and ml.inf1,
with and without Neo) offline, against sagebench's SageMaker emulator. It needs no AWS
account and takes about a minute.

  go run ./examples/quickstart [flags]

Run the study for your own model: the same pipeline is the library type sagebench.Study.
Give it your model, its candidates and a load, and run it on your AWS config:

  cfg, _ := config.LoadDefaultConfig(ctx)         // or srv.Config() of sagemakertest
  st := sagebench.Study{
      Model:            sagebench.LocalModel{Files: []string{"model.pth"}, CodeDir: "code"},
      FrameworkVersion: "1.8.1", // PyTorch; Framework defaults to neo.PyTorch
      InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
      RoleARN:          os.Getenv("SAGEMAKER_ROLE_ARN"),
      Candidates: sagebench.Matrix(sagebench.Grid{
          InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge"},
          Compile:       []bool{false, true},                 // as is, and Neo
          Env:           []map[string]string{{"SAGEMAKER_MODEL_SERVER_WORKERS": "1"},
                                            {"SAGEMAKER_MODEL_SERVER_WORKERS": "2"}},
      }),
      Load:       bench.Config{Concurrency: 16, Duration: time.Minute, Warmup: 15 * time.Second, Payloads: p},
      SLO:        &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond},
      Prices:     cost.Current,
      MaxCostUSD: 5,                 // refused before any call if the estimate is higher
      OutputDir:  "sagebench-out",   // each result saved at once; a rerun resumes
      Events:     func(e sagebench.Event) { fmt.Println(e) },
  }
  rep, err := st.Run(ctx, cfg)      // deletes every endpoint it creates, whatever happens
  fmt.Println(rep.Recommendation())

Or run the reference study on your own AWS account with your own model file and
inference code: go run ./examples/resnet50 -h

Flags:
`

func main() {
	o := defaultOptions()
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.DurationVar(&o.duration, "duration", o.duration, "measured load per candidate")
	flag.DurationVar(&o.warmup, "warmup", o.warmup, "load before each measurement, not counted")
	flag.IntVar(&o.concurrency, "concurrency", o.concurrency, "concurrent clients (the study used 16)")
	flag.IntVar(&o.parallel, "parallel", o.parallel, "endpoints measured at once (the emulator shares this machine's CPU: 1 keeps the figures faithful)")
	flag.StringVar(&o.region, "region", o.region, "emulated AWS region")
	flag.StringVar(&o.out, "out", o.out, "directory for report.md, results.csv/json and charts")
	flag.BoolVar(&o.sweep, "sweep", o.sweep, "sweep concurrency 1..64 per candidate instead of a fixed level")
	flag.BoolVar(&o.serverless, "serverless", o.serverless, "add a 4 GB serverless candidate (illustrative price) and show where it is cheapest by traffic")
	flag.StringVar(&o.prices, "prices", o.prices, `price table: "current", "study2021" or "auto" (the first that prices every candidate)`)
	flag.Parse()

	// Ctrl-C cancels the study; Study.Run deletes on a context that outlives it.
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
