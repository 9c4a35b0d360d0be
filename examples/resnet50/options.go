package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/sagemaker"
)

type options struct {
	region, role, account, bucket, prefix string
	model, code, entryPoint, image        string
	configs                               string
	duration, warmup                      time.Duration
	concurrency                           int
	sweep                                 bool
	prices                                string
	maxCost                               float64
	keepArtifacts                         bool
	out                                   string
	dryRun                                bool
	// journal is where a real run records what it creates (default
	// <out>/journal-<UTC time>.jsonl); cleanup and cleanupRun make the command
	// delete what a crashed run left, from its journal or by its run id.
	journal, cleanup, cleanupRun string
}

func defaultOptions() options {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "eu-west-1"
	}
	return options{
		region:     region,
		role:       os.Getenv("SAGEMAKER_ROLE_ARN"),
		prefix:     "sagebench/resnet50",
		entryPoint: "inference.py",
		configs:    strings.Join(study.Labels(), ","),
		duration:   60 * time.Second,
		// At 16 clients an uncompiled c5 takes about 2.7 s per request: the warmup must
		// cover a few such cycles and the compiled models' first, slow inference.
		warmup:      15 * time.Second,
		concurrency: 16,
		prices:      "auto",
		maxCost:     5,
		out:         "sagebench-out",
	}
}

// validate checks the flags and fills in what defaults from others; it returns the chosen
// configurations.
func (o *options) validate() ([]study.Config, error) {
	if o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 {
		return nil, fmt.Errorf("need -concurrency >= 1, -duration > 0 and -warmup >= 0")
	}
	if o.role == "" {
		if !o.dryRun {
			return nil, fmt.Errorf("no role: pass -role or set SAGEMAKER_ROLE_ARN to an IAM role SageMaker may assume")
		}
		o.role = dryRunRole
	}
	if o.account == "" {
		// arn:aws:iam::123456789012:role/Name: the role's account is almost always the
		// caller's, and reading it here spares an STS call.
		if parts := strings.Split(o.role, ":"); len(parts) >= 6 && parts[2] == "iam" {
			o.account = parts[4]
		}
	}
	if o.bucket == "" {
		if o.account == "" {
			return nil, fmt.Errorf("-role %q is not an IAM role ARN; pass -bucket or -account", o.role)
		}
		o.bucket = sagemaker.DefaultBucket(o.region, o.account)
	}
	if o.model == "" && !o.dryRun {
		return nil, fmt.Errorf("no -model: pass a TorchScript ResNet50 (see the package doc for the one-liner)")
	}
	var chosen []study.Config
	for l := range strings.SplitSeq(o.configs, ",") {
		c, ok := study.Find(strings.TrimSpace(l))
		if !ok {
			return nil, fmt.Errorf("-configs: unknown configuration %q (have %s)", l, defaultOptions().configs)
		}
		chosen = append(chosen, c)
	}
	return chosen, nil
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
