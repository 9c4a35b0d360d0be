package loadjob

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/sagemaker"
)

// Paths of the worker in a SageMaker Processing container. The driver delivers the
// worker and the spec as ProcessingInputs there and uploads OutputDir as the job's
// ProcessingOutput.
const (
	WorkerDir          = "/opt/ml/processing/worker"
	SpecDir            = "/opt/ml/processing/spec"
	OutputDir          = "/opt/ml/processing/output"
	ResourceConfigPath = "/opt/ml/config/resourceconfig.json"
	MessagePath        = "/opt/ml/output/message"
	WorkerName         = "sagebench-worker"
	SpecName           = "spec.json"
)

// Worker is one load worker of a job: where it finds its spec and its shard, and where it
// writes its result. SpecPath and OutputDir are required; RunWorker runs it.
type Worker struct {
	SpecPath           string // path of the Spec file
	OutputDir          string // directory the Result is written to (result-<i>.json)
	ResourceConfigPath string // SageMaker's resourceconfig.json ("" or missing: not SageMaker)
	// Shard is the shard index given explicitly (-1: learn it, see FindShard).
	Shard int
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Logf, if set, is told what the worker does.
	Logf func(format string, args ...any)
}

// ResultName is the file (and S3 object) name of shard i's Result.
func ResultName(i int) string { return "result-" + strconv.Itoa(i) + ".json" }

// RunWorker is one worker: it reads the spec, finds its shard, meets the other shards at
// the start barrier, drives its part of the load against the endpoint through cfg, and
// writes its Result to OutputDir. The Result is written even when the load failed part
// way, so that the driver merges what was measured; an error is returned when there is
// none.
func RunWorker(ctx context.Context, cfg aws.Config, w Worker) (*bench.Result, error) {
	if w.Getenv == nil {
		w.Getenv = os.Getenv
	}
	logf := w.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	spec, err := ReadSpec(w.SpecPath)
	if err != nil {
		return nil, err
	}
	sh, err := FindShard(w.Shard, spec.Shards, w.ResourceConfigPath, w.Getenv)
	if err != nil {
		return nil, err
	}
	parts, err := bench.Split(spec.Load.Config(), spec.Shards)
	if err != nil {
		return nil, fmt.Errorf("loadjob: %w", err)
	}
	load := parts[sh.I]
	if spec.Region != "" {
		cfg.Region = spec.Region
	}
	logf("shard %d of %d (%s, from %s): %d workers, %.6g req/s, endpoint %s in %s",
		sh.I, sh.N, sh.Host, sh.From, load.Concurrency, load.Rate, spec.Endpoint, cfg.Region)

	b, err := newBarrier(s3.NewFromConfig(cfg), spec.Barrier)
	if err != nil {
		return nil, err
	}
	g, err := b.await(ctx, sh, spec)
	if err != nil {
		return nil, err
	}
	load.Progress = b.uploadProgress(ctx, sh.I, logf) // progress.go
	wait := time.Until(g.Start)
	logf("shard %d: start at %v (in %v)", sh.I, g.Start.Format(time.RFC3339Nano), wait.Round(time.Millisecond))
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	inv := sagemaker.NewClient(cfg).Invoker(spec.Endpoint, func(o *sagemaker.InvokerOptions) { o.Accept = spec.Accept })
	res, runErr := bench.Run(ctx, inv, load)
	if res == nil {
		return nil, fmt.Errorf("loadjob: shard %d: %w", sh.I, runErr)
	}
	if err := writeResult(filepath.Join(w.OutputDir, ResultName(sh.I)), res); err != nil {
		return res, err
	}
	logf("shard %d: %d requests, %d errors in %v", sh.I, res.Requests, res.Errors, res.Elapsed.Round(time.Millisecond))
	return res, runErr
}

func writeResult(path string, r *bench.Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("loadjob: encoding the result: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Written whole, then renamed: an upload never sees half a Result.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("loadjob: writing the result: %w", err)
	}
	return os.Rename(tmp, path)
}
