package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/catalog"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

type options struct {
	duration, warmup time.Duration
	concurrency      int
	region, out      string
	sweep            bool
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
		region:      "eu-west-1",
		out:         "sagebench-out",
		prices:      "auto",
		timeScale:   1,
	}
}

const roleARN = "arn:aws:iam::" + sagemakertest.AccountID + ":role/SageMakerBenchmarkRole"

// run is the whole study; main adds flags and signals around it.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.concurrency < 1 || o.duration <= 0 {
		return fmt.Errorf("need -concurrency >= 1 and -duration > 0")
	}
	prices, err := study.PriceTable(o.prices, o.region, study.Configs)
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
	if err := printVersions(stdout, o.region); err != nil {
		return err
	}

	s := &session{o: o, srv: srv, prices: prices, log: stderr,
		client: sagemaker.NewClient(srv.Config(), func(opt *sagemaker.Options) {
			opt.PollInterval = 20 * time.Millisecond
			opt.MaxPollInterval = 200 * time.Millisecond
		}),
		compiler: neo.NewCompiler(srv.Config(), func(opt *neo.Options) {
			opt.MinDelay, opt.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
		}),
	}
	rep, err := s.run(ctx)
	if left := srv.Leftovers(); len(left) > 0 {
		return fmt.Errorf("teardown incomplete, the emulator still holds: %s", strings.Join(left, ", "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "teardown verified: no model, endpoint config, endpoint or running job left in the emulator")

	fmt.Fprintln(stdout, rep.Markdown())
	files, err := rep.WriteDir(ctx, o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/: %s\n", o.out, strings.Join(files, ", "))
	return nil
}

// session is one run of the study against one emulator.
type session struct {
	o        options
	srv      *sagemakertest.Server
	client   *sagemaker.Client
	compiler *neo.Compiler
	prices   *cost.Table
	log      io.Writer
}

func (s *session) phase(format string, args ...any) func() {
	start := time.Now()
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(s.log, "%-58s", msg)
	return func() { fmt.Fprintf(s.log, " done (%v)\n", time.Since(start).Round(time.Millisecond)) }
}

func (s *session) run(ctx context.Context) (*report.Report, error) {
	dir, err := os.MkdirTemp("", "sagebench-quickstart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	done := s.phase("pack model.tar.gz")
	archive, stats, err := writeModelArchive(dir)
	if err != nil {
		return nil, fmt.Errorf("packing the model: %w", err)
	}
	done()
	fmt.Fprintf(s.log, "  %s\n", stats)

	done = s.phase("upload to S3")
	bucket := sagemaker.DefaultBucket(s.o.region, sagemakertest.AccountID)
	if err := s.client.EnsureBucket(ctx, bucket); err != nil {
		return nil, err
	}
	modelURL, err := s.client.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "resnet50/model.tar.gz",
		Body: strings.NewReader(string(archive))})
	if err != nil {
		return nil, err
	}
	done()
	fmt.Fprintf(s.log, "  %s\n", modelURL)

	compiled, err := s.compile(ctx, bucket, modelURL)
	if err != nil {
		return nil, err
	}

	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		return nil, err
	}
	rep := report.New(fmt.Sprintf("ResNet50 on SageMaker: %d clients, one 224x224 JPEG per request, %s (emulated)",
		s.o.concurrency, s.o.region))
	rep.AddNote("Emulated: sagemaker/sagemakertest held each request for a device time calibrated to the reference study; the table shows what the pipeline measures, not hardware.")
	rep.AddNote("Prices from table %q (%s).", s.prices.Name(), priceSource(s.prices, s.o.region))
	for _, c := range study.Configs {
		row, sweep, err := s.measure(ctx, c, modelURL, compiled[c.Target], img)
		if err != nil {
			return nil, err
		}
		rep.Add(*row)
		if sweep != nil {
			rep.AddSweep(*sweep)
		}
	}
	return rep, nil
}

func priceSource(t *cost.Table, region string) string {
	p, err := t.Lookup(region, "ml.c5.xlarge")
	if err != nil {
		return "see cost/data"
	}
	return fmt.Sprintf("as of %s, %s", p.AsOf, p.Source)
}

// compile runs the three Neo jobs in parallel.
func (s *session) compile(ctx context.Context, bucket, modelURL string) (map[neo.Target]*neo.CompiledModel, error) {
	var jobs []neo.Job
	for _, c := range study.Configs {
		if !c.Compiled() {
			continue
		}
		j, err := c.Job(modelURL, roleARN, "s3://"+bucket+"/resnet50/compiled", "inference.py")
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	done := s.phase("compile with Neo for ml_c5, ml_g4dn, ml_inf1")
	models, err := s.compiler.CompileAll(ctx, jobs, len(jobs))
	if err != nil {
		return nil, err
	}
	done()
	out := make(map[neo.Target]*neo.CompiledModel, len(models))
	for _, m := range models {
		out[m.Target] = m
		fmt.Fprintf(s.log, "  %-8s %s\n", m.Target, m.ArtifactURL)
	}
	return out, nil
}

// printVersions says which PyTorch version each configuration's model was saved with (as
// the study's notebook set it) and the image the SageMaker Python SDK resolves for it.
func printVersions(w io.Writer, region string) error {
	fmt.Fprintf(w, "PyTorch versions as the study's notebook set them, and their images in %s\n"+
		"(SageMaker Python SDK image_uri_config @%.8s):\n", region, catalog.SourceCommit)
	for _, c := range study.Configs {
		img, err := c.Image(region)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Label, err)
		}
		fmt.Fprintf(w, "  %-9s pytorch %-4s %s\n", c.Label, c.FrameworkVersion, img)
	}
	fmt.Fprintln(w)
	return nil
}
