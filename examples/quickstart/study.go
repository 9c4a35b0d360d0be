package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/catalog"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

type options struct {
	duration, warmup time.Duration
	concurrency      int
	parallel         int
	region, out      string
	sweep            bool
	serverless       bool // add serverlessCandidate
	prices           string
	timeScale        float64                // emulated device time multiplier; tests shorten it
	emulator         []sagemakertest.Option // more emulator options, for tests
}

func defaultOptions() options {
	return options{
		duration: 5 * time.Second,
		// At 16 clients c5 serves each request in 2.7 s: the warmup must cover one such
		// cycle, or the first, shorter latencies leak into the measured window.
		warmup:      3 * time.Second,
		concurrency: 16,
		// The emulator's endpoints share this machine's CPU (each request's JPEG is really
		// decoded and resized): measured one at a time, each keeps its calibrated figure.
		parallel:  1,
		region:    "eu-west-1",
		out:       "sagebench-out",
		prices:    "auto",
		timeScale: 1,
	}
}

const roleARN = "arn:aws:iam::" + sagemakertest.AccountID + ":role/SageMakerBenchmarkRole"

// run is the whole study; main adds flags and signals around it.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.concurrency < 1 || o.duration <= 0 || o.parallel < 1 {
		return fmt.Errorf("need -concurrency >= 1, -parallel >= 1 and -duration > 0")
	}
	prices, err := study.PriceTable(o.prices, o.region, study.Candidates())
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "sagebench-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	model, err := standInModel(dir)
	if err != nil {
		return err
	}
	code, err := study.WriteCode(dir)
	if err != nil {
		return err
	}
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		return err
	}

	srv := sagemakertest.NewServer(append([]sagemakertest.Option{
		sagemakertest.WithRegion(o.region), sagemakertest.WithTimeScale(o.timeScale)}, o.emulator...)...)
	defer srv.Close()
	fmt.Fprintf(stdout, "sagebench quickstart: ResNet50 on SageMaker, %d clients, %s\n", o.concurrency, o.region)
	fmt.Fprintf(stdout, "Endpoints are EMULATED by sagemaker/sagemakertest on %s: every request is really decoded,\n"+
		"resized and normalized, then held for a device time from a profile calibrated to the reference\n"+
		"study's published throughput (sagemakertest.Profiles). Prices: table %q.\n\n", srv.URL, prices.Name())

	st := study.Study(sagebench.LocalModel{Files: []string{model}, CodeDir: code}, roleARN)
	if o.serverless {
		st.Candidates = append(st.Candidates, serverlessCandidate(o.concurrency))
	}
	st.Load = bench.Config{Concurrency: o.concurrency, Duration: o.duration, Warmup: o.warmup,
		Payloads: []payload.Payload{img}, Timeout: 2 * time.Minute}
	if o.sweep {
		st.Sweep = &bench.SweepConfig{Levels: bench.DefaultLevels(), SLO: &bench.SLO{Percentile: 99, Max: 5 * time.Second}}
	}
	st.Prices, st.MaxParallel, st.Events = prices, o.parallel, study.Progress(stderr)
	if err := printVersions(stdout, &st, o.region); err != nil {
		return err
	}

	// srv.Config() carries the emulator's pace: the study polls its endpoints and jobs every
	// 20-200 ms, not AWS's 15 s, and reads its CloudWatch metrics at once.
	rep, err := st.Run(ctx, srv.Config())
	if left := srv.Leftovers(); len(left) > 0 {
		return fmt.Errorf("teardown incomplete, the emulator still holds: %s", strings.Join(left, ", "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "teardown verified: no model, endpoint config, endpoint or running job left in the emulator")

	t := rep.Document(fmt.Sprintf("ResNet50 on SageMaker: %d clients, one 224x224 JPEG per request, %s (emulated)",
		o.concurrency, o.region), report.Emulated)
	t.Notes = append([]string{"Emulated: sagemaker/sagemakertest held each request for a device time calibrated to the reference study; " +
		"the table shows what the pipeline measures, not hardware."}, t.Notes...)
	fmt.Fprintln(stdout, t.Markdown())
	files, err := t.WriteDir(ctx, o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/: %s\n", o.out, strings.Join(files, ", "))
	return nil
}

// standInModel writes a stand-in for the TorchScript ResNet50 (98 MB): 256 KiB of seeded
// bytes. The emulator never reads it; its size and determinism are what matter here.
func standInModel(dir string) (string, error) {
	weights := make([]byte, 256<<10)
	rng := rand.New(rand.NewPCG(50, 50))
	for i := range weights {
		weights[i] = byte(rng.Uint32())
	}
	path := filepath.Join(dir, "model.pth")
	return path, os.WriteFile(path, weights, 0o644)
}

// printVersions says which PyTorch version each candidate's model was saved with (as the
// study's notebook set it) and the image the SageMaker Python SDK resolves for it.
func printVersions(w io.Writer, st *sagebench.Study, region string) error {
	fmt.Fprintf(w, "PyTorch versions as the study's notebook set them, and their images in %s\n"+
		"(SageMaker Python SDK image_uri_config @%.8s):\n", region, catalog.SourceCommit)
	for _, c := range st.Candidates {
		img, err := st.Image(region, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		fmt.Fprintf(w, "  %-9s pytorch %-4s %s\n", c.Name, study.Version(c), img)
	}
	fmt.Fprintln(w)
	return nil
}
