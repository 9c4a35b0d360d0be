package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/internal/study"
)

type options struct {
	region, role, bucket    string
	model, code, entryPoint string
	image                   string
	configs                 string
	duration, warmup        time.Duration
	concurrency, parallel   int
	sweep, rerun            bool
	prices                  string
	// priceList is the Price List's base URL for -prices aws (default: AWS's, or none
	// against another endpoint).
	priceList               string
	maxCost                 float64
	keepArtifacts, planOnly bool
	out                     string
	poll                    time.Duration
	// metricsDelay is Study.ServerMetrics.Delay; 0 reads CloudWatch at once (an
	// emulator), negative collects no server figures.
	metricsDelay time.Duration
	// journal is where a real run records what it creates (default
	// <out>/journal-<UTC time>.jsonl); cleanup and cleanupRun make the command
	// delete what a crashed run left, from its journal or by its run id.
	journal, cleanup, cleanupRun string
	// loadOn and loadImage say where the load runs (see parseLoadOn).
	loadOn, loadImage string
}

func defaultOptions() options {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "eu-west-1"
	}
	return options{
		region:     region,
		role:       os.Getenv("SAGEMAKER_ROLE_ARN"),
		entryPoint: "inference.py",
		configs:    strings.Join(study.Labels(), ","),
		duration:   60 * time.Second,
		// At 16 clients an uncompiled c5 takes about 2.7 s per request: the warmup must
		// cover a few such cycles and the compiled models' first, slow inference.
		warmup:      15 * time.Second,
		concurrency: 16,
		// Three endpoints of 5-10 minutes' creation at once: six candidates in about a
		// third of the time, within the default account quota of ml.*.xlarge endpoints.
		parallel: 3,
		prices:   study.LivePrices,
		maxCost:  5,
		out:      "sagebench-out",
		// cwmetrics.DefaultDelay: each wait runs after its endpoint is deleted.
		metricsDelay: 3 * time.Minute,
	}
}

// validate checks the flags that Study.Plan cannot, and returns the chosen candidates.
func (o *options) validate() ([]sagebench.Candidate, error) {
	if o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 || o.parallel < 1 {
		return nil, fmt.Errorf("need -concurrency >= 1, -parallel >= 1, -duration > 0 and -warmup >= 0")
	}
	if o.role == "" && !o.planOnly {
		return nil, fmt.Errorf("no role: pass -role or set SAGEMAKER_ROLE_ARN to an IAM role SageMaker may assume")
	}
	if o.model == "" && !o.planOnly {
		return nil, fmt.Errorf("no -model: pass a TorchScript ResNet50 (see the package doc for the one-liner)")
	}
	if o.code == "" && o.model != "" && filepath.Base(o.model) != "model.pth" {
		return nil, fmt.Errorf("-model %s: the study's inference code loads model.pth; rename the file or pass -code", o.model)
	}
	chosen, err := study.Select(o.configs)
	if err != nil {
		return nil, fmt.Errorf("-configs: %w", err)
	}
	return chosen, nil
}
