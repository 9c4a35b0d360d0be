// Command resnet50 runs the reference study on real SageMaker endpoints with
// sagebench.Study: it packs a TorchScript ResNet50 with the study's inference code into
// model.tar.gz, uploads it, compiles it with Neo for ml_c5, ml_g4dn and ml_inf1, deploys
// the candidates three at a time, loads each with 16 clients sending a 224x224 JPEG as
// soon as it is in service, deletes it, prices it, and writes the comparison to -out. It
// costs money: it estimates the bill first and refuses to start above -max-cost-usd.
//
// Everything it creates is deleted on success, on error, on Ctrl-C and on a panic (the
// endpoints as soon as each is measured; the S3 objects and compilation jobs at the end,
// unless -keep-artifacts), and it prints what it deleted. Every resource is tagged with
// the run and recorded in a journal before it is created (the path is printed at start),
// so that even after kill -9 one command deletes what is left:
//
//	go run ./examples/resnet50 -cleanup sagebench-out/journal-20261201t210504.jsonl
//	go run ./examples/resnet50 -cleanup-run 20261201t210504-9f3a -region eu-west-1  # journal lost
//
// Each candidate's result is
// saved in -out/candidates/ as soon as it is measured: a rerun skips those (-rerun
// measures them again), so an interrupted study loses only the candidates in flight.
//
// Make a model once (PyTorch with torchvision):
//
//	python -c "import torch, torchvision; m = torchvision.models.resnet50(weights='DEFAULT').eval(); torch.jit.trace(m, torch.rand(1, 3, 224, 224)).save('model.pth')"
//
// See the plan and the bill estimate, with no credentials and no AWS API call (the prices
// are today's, from AWS's public Price List for -region; -prices current, study2021 or auto
// pins an embedded table instead, for a reproducible estimate and report):
//
//	go run ./examples/resnet50 -plan
//
// Then run it (credentials from the default chain: env, ~/.aws, SSO, instance role;
// AWS_ENDPOINT_URL, if set, points every client at another SageMaker, such as the
// sagemakertest emulator):
//
//	export SAGEMAKER_ROLE_ARN=arn:aws:iam::123456789012:role/SageMakerRole
//	go run ./examples/resnet50 -model model.pth -region eu-west-1 [-configs c5,g4dn+neo] \
//	    [-duration 60s] [-concurrency 16] [-parallel 3] [-sweep] [-max-cost-usd 5] [-out sagebench-out]
//
// The bucket defaults to the Python SDK's sagemaker-{region}-{account}, the account taken
// from the role ARN; -code replaces the study's inference code. After each load, once its
// endpoint is deleted, the study reads the endpoint's CloudWatch metrics (-metrics-delay
// 3m after the window by default; 0 against an emulator, negative to skip); the IAM user
// needs cloudwatch:GetMetricData, and without it those columns say n/a and why.
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
	flag.StringVar(&o.region, "region", o.region, "AWS region (default $AWS_REGION, else eu-west-1)")
	flag.StringVar(&o.role, "role", o.role, "IAM role SageMaker assumes (default $SAGEMAKER_ROLE_ARN)")
	flag.StringVar(&o.bucket, "bucket", o.bucket, "S3 bucket (default sagemaker-{region}-{account of the role}, created if missing)")
	flag.StringVar(&o.model, "model", o.model, "TorchScript model file (model.pth)")
	flag.StringVar(&o.code, "code", o.code, "directory holding the inference script (default: the study's, embedded)")
	flag.StringVar(&o.entryPoint, "entry-point", o.entryPoint, "inference script inside -code")
	flag.StringVar(&o.image, "image", o.image, "JPEG sent with every request (default: a synthetic 224x224 one)")
	flag.StringVar(&o.configs, "configs", o.configs, "candidates to run, comma-separated")
	flag.DurationVar(&o.duration, "duration", o.duration, "measured load per candidate (one window with -sweep)")
	flag.DurationVar(&o.warmup, "warmup", o.warmup, "load before each measurement, not counted")
	flag.IntVar(&o.concurrency, "concurrency", o.concurrency, "concurrent clients (the study used 16)")
	flag.IntVar(&o.parallel, "parallel", o.parallel, "endpoints alive at once")
	flag.BoolVar(&o.sweep, "sweep", o.sweep, "sweep concurrency 1..64 per candidate instead of a fixed level")
	flag.StringVar(&o.prices, "prices", o.prices, `prices: "aws" (today's, from AWS's public Price List; the embedded table if it cannot be read), or pin a table: "current", "study2021", "auto" (the first embedded table that prices every candidate)`)
	flag.StringVar(&o.priceList, "price-list", o.priceList, "base URL of the Price List for -prices aws (default https://pricing.us-east-1.amazonaws.com against AWS; against AWS_ENDPOINT_URL, none unless set)")
	flag.Float64Var(&o.maxCost, "max-cost-usd", o.maxCost, "refuse to start if the estimated endpoint bill exceeds this (0: no bound)")
	flag.BoolVar(&o.keepArtifacts, "keep-artifacts", o.keepArtifacts, "keep the S3 objects and compilation jobs")
	flag.StringVar(&o.out, "out", o.out, "directory for the results, report.md, results.csv/json and charts")
	flag.BoolVar(&o.rerun, "rerun", o.rerun, "measure again the candidates -out already holds")
	flag.BoolVar(&o.planOnly, "plan", o.planOnly, "print the plan and the bill estimate; need no credentials and make no AWS API call (-prices aws reads the public Price List)")
	flag.StringVar(&o.journal, "journal", o.journal, "file recording every resource before it is created (default <out>/journal-<time>.jsonl)")
	flag.StringVar(&o.cleanup, "cleanup", o.cleanup, "delete what the run of this journal left (after a crash), then exit")
	flag.StringVar(&o.cleanupRun, "cleanup-run", o.cleanupRun, "delete what the run with this id left in -region, found by its tags (journal lost), then exit")
	flag.DurationVar(&o.poll, "poll", o.poll, "status poll interval (default: 15s for endpoints, 5s for Neo; shorter for an emulator)")
	flag.DurationVar(&o.metricsDelay, "metrics-delay", o.metricsDelay, "wait after each load for complete CloudWatch metrics (at most 15m; 0 reads at once, for an emulator; negative skips them)")
	flag.StringVar(&o.loadOn, "load-on", o.loadOn, "where the load runs: here, or processing:<instance type>:<count> (a SageMaker Processing job in -region, e.g. processing:ml.c5.xlarge:3)")
	flag.StringVar(&o.loadImage, "load-image", o.loadImage, "image the -load-on processing job runs on, any with /bin/sh (default: the region's SageMaker scikit-learn image)")
	flag.Parse()

	// Ctrl-C or SIGTERM cancels the work; every deletion runs on a context that outlives
	// it, so the endpoints still go away.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		// From here a second Ctrl-C kills the process: the user's explicit choice.
		stop()
		fmt.Fprintln(os.Stderr, "resnet50: interrupted; deleting what was created (Ctrl-C again abandons it)")
	}()
	var err error
	if o.cleanup != "" || o.cleanupRun != "" {
		err = cleanupMode(ctx, o, os.Stdout)
	} else {
		err = run(ctx, o, os.Stdout, os.Stderr)
	}
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "resnet50: interrupted")
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "resnet50:", err)
		os.Exit(1)
	}
}
