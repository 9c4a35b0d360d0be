// Command sagebench-worker is sagebench's load worker: one shard of a load run as a
// SageMaker Processing job (see package loadjob), a Kubernetes Indexed Job or an AWS
// Batch array job. It reads the run spec, learns its shard, meets the other shards at a
// start barrier on S3, loads the endpoint and writes its bench.Result as JSON.
//
// The driver (loadjob.Run) builds it as a static linux/amd64 binary and runs it; to run
// it yourself, build it the same way:
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -o sagebench-worker github.com/sagebench/sagebench/cmd/sagebench-worker
//
// Flags:
//
//	-spec   the run spec (default /opt/ml/processing/spec/spec.json)
//	-out    the directory its Result is written to (default /opt/ml/processing/output)
//	-shard  its shard index, when no engine gives one (default: from JOB_COMPLETION_INDEX,
//	        AWS_BATCH_JOB_ARRAY_INDEX or /opt/ml/config/resourceconfig.json)
//
// It exits 0 when its Result is written; otherwise it writes why to
// /opt/ml/output/message (SageMaker's ExitMessage) when that directory exists, and exits 1.
// SIGTERM (StopProcessingJob, a pod's deletion) ends the load at once.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/sagebench/sagebench/loadjob"
)

func main() {
	spec := flag.String("spec", filepath.Join(loadjob.SpecDir, loadjob.SpecName), "the run spec")
	out := flag.String("out", loadjob.OutputDir, "the directory the Result is written to")
	shard := flag.Int("shard", -1, "this worker's shard index (default: from the engine)")
	resourceConfig := flag.String("resource-config", loadjob.ResourceConfigPath, "SageMaker's resourceconfig.json")
	message := flag.String("message", loadjob.MessagePath, "where the reason of a failure is written")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := log.New(os.Stderr, "sagebench-worker: ", log.LstdFlags|log.Lmicroseconds)
	if err := run(ctx, *spec, *out, *resourceConfig, *shard, logger); err != nil {
		logger.Print(err)
		if _, statErr := os.Stat(filepath.Dir(*message)); statErr == nil {
			_ = os.WriteFile(*message, []byte(err.Error()), 0o644)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, spec, out, resourceConfig string, shard int, logger *log.Logger) error {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	_, err = loadjob.RunWorker(ctx, cfg, loadjob.Worker{
		SpecPath: spec, OutputDir: out, ResourceConfigPath: resourceConfig, Shard: shard, Logf: logger.Printf,
	})
	return err
}
