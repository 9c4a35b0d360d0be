package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
)

//go:embed code
var studyCode embed.FS

const dryRunRole = "arn:aws:iam::123456789012:role/SageMakerRole"

// apis are the AWS clients the study calls: the narrow interfaces of package sagemaker and
// neo, plus the two deletions they do not make (S3 objects, compilation jobs). Real SDK
// clients satisfy them, and so does the dry run's printer.
type apis struct {
	sm interface {
		sagemaker.API
		neo.API
		DeleteCompilationJob(context.Context, *sm.DeleteCompilationJobInput, ...func(*sm.Options)) (*sm.DeleteCompilationJobOutput, error)
	}
	s3 interface {
		sagemaker.S3API
		DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	}
	runtime sagemaker.RuntimeAPI // nil: sagemaker.NewClient builds one tuned for load
}

// run is the whole study; main adds flags and signals around it.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	// Neo's progress, the SDK steps and the dry run's printer write from several goroutines.
	stdout, stderr = &syncWriter{w: stdout}, &syncWriter{w: stderr}
	chosen, err := o.validate()
	if err != nil {
		return err
	}
	prices, err := study.PriceTable(o.prices, o.region, chosen)
	if err != nil {
		return err
	}
	est, err := estimate(o, chosen, prices)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, est)
	if o.maxCost > 0 && est.high > o.maxCost {
		return fmt.Errorf("estimated cost up to $%.2f exceeds -max-cost-usd %.2f: run fewer -configs, a shorter -duration, or raise the bound", est.high, o.maxCost)
	}

	var cfg aws.Config
	var api apis
	if o.dryRun {
		d := newDryRun(stdout, o.region)
		cfg, api = d.config(), apis{sm: d, s3: d, runtime: d}
		fmt.Fprintln(stdout, "DRY RUN: printing every AWS call instead of making it; answers are made up")
	} else {
		if cfg, err = awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(o.region)); err != nil {
			return fmt.Errorf("loading AWS credentials: %w", err)
		}
		api = apis{sm: sm.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg)}
	}

	s := &session{o: o, api: api, prices: prices, log: stderr, ledger: &ledger{dryRun: o.dryRun}}
	if !o.dryRun {
		if s.journal, err = openJournal(o, stderr); err != nil {
			return err
		}
		defer s.journal.Close()
	}
	s.client = sagemaker.NewClient(cfg, func(opt *sagemaker.Options) {
		opt.SageMaker, opt.S3, opt.Runtime = api.sm, api.s3, api.runtime
		opt.Journal = s.journal
		opt.Region = o.region
		opt.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, "  "+format+"\n", args...) }
		if o.dryRun {
			opt.PollInterval, opt.MaxPollInterval = time.Millisecond, time.Millisecond
		}
	})
	s.compiler = neo.NewCompiler(cfg, func(opt *neo.Options) {
		opt.Client, opt.Region = api.sm, o.region
		if s.journal != nil {
			opt.Journal = s.journal
		}
		opt.Progress = func(st neo.Status) { fmt.Fprintf(stderr, "  neo: %s\n", st) }
		if o.dryRun {
			opt.MinDelay, opt.MaxDelay = time.Millisecond, time.Millisecond
		}
	})
	// Whatever happens below (an error, Ctrl-C, a panic), delete what is left, on a
	// context the cancellation does not reach, and say what was deleted.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
		defer cancel()
		s.teardown(dctx)
		s.ledger.print(stdout)
		s.reportJournal(stdout)
		if left := s.ledger.failed(); left > 0 && err == nil {
			err = fmt.Errorf("%d resources could not be deleted; see above", left)
		}
	}()

	rep, err := s.run(ctx, chosen)
	if err != nil {
		return err
	}
	if o.dryRun {
		fmt.Fprintf(stdout, "dry-run: the load ran against a stand-in that answers at once, so its figures mean nothing; "+
			"a real run would print the table and write %s/\n", o.out)
		return nil
	}
	fmt.Fprintln(stdout, rep.Markdown())
	files, err := rep.WriteDir(ctx, o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/: %s\n", o.out, strings.Join(files, ", "))
	return nil
}

// session is one run of the study: its options, clients and what it created.
type session struct {
	o        options
	api      apis
	client   *sagemaker.Client
	compiler *neo.Compiler
	prices   *cost.Table
	log      io.Writer
	ledger   *ledger
	journal  *sagemaker.Journal // nil in a dry run

	objects []string // s3:// URIs this run wrote
	jobs    []string // compilation jobs this run created (or may have)
}

func (s *session) run(ctx context.Context, chosen []study.Config) (*report.Report, error) {
	dir, err := os.MkdirTemp("", "sagebench-resnet50-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	archive, err := s.pack(dir)
	if err != nil {
		return nil, err
	}
	defer archive.Close()
	runPrefix := strings.TrimSuffix(s.o.prefix, "/") + "/" + sagemaker.UniqueName("run")
	if err := s.client.EnsureBucket(ctx, s.o.bucket); err != nil {
		return nil, err
	}
	key := runPrefix + "/model.tar.gz"
	s.objects = append(s.objects, "s3://"+s.o.bucket+"/"+key)
	s.ledger.create("S3 object s3://" + s.o.bucket + "/" + key)
	modelURL, err := s.client.Upload(ctx, sagemaker.UploadInput{Bucket: s.o.bucket, Key: key, Body: archive})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.log, "uploaded %s\n", modelURL)

	compiled, err := s.compile(ctx, chosen, modelURL, "s3://"+s.o.bucket+"/"+runPrefix+"/compiled")
	if err != nil {
		return nil, err
	}

	img, err := s.payload()
	if err != nil {
		return nil, err
	}
	rep := report.New(fmt.Sprintf("ResNet50 on SageMaker: %d clients, one JPEG per request, %s (measured)", s.o.concurrency, s.o.region))
	rep.AddNote("Measured on real SageMaker endpoints in %s by examples/resnet50; prices from table %q.", s.o.region, s.prices.Name())
	for _, c := range chosen {
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

// pack writes model.tar.gz into dir and opens it for the upload.
func (s *session) pack(dir string) (*os.File, error) {
	model, code := s.o.model, s.o.code
	if code == "" {
		if model != "" && filepath.Base(model) != "model.pth" {
			return nil, fmt.Errorf("-model %s: the study's inference code loads model.pth; rename the file or pass -code", model)
		}
		code = filepath.Join(dir, "code")
		sub, _ := fs.Sub(studyCode, "code")
		if err := os.CopyFS(code, sub); err != nil {
			return nil, fmt.Errorf("writing the study's code: %w", err)
		}
	}
	if model == "" { // dry run without a model: a stand-in, so packing runs for real
		model = filepath.Join(dir, "model.pth")
		if err := os.WriteFile(model, []byte("dry-run stand-in for a TorchScript ResNet50\n"), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintln(s.log, "dry-run: no -model given; packing a stand-in model.pth")
	}
	path := filepath.Join(dir, "model.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	stats, err := sagemaker.Pack(f, sagemaker.Archive{ModelFiles: []string{model}, CodeDir: code, EntryPoint: s.o.entryPoint})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("packing the model: %w", err)
	}
	fmt.Fprintf(s.log, "packed model.tar.gz: %s\n", stats)
	return os.Open(path)
}

func (s *session) payload() (payload.Payload, error) {
	if s.o.image != "" {
		return payload.FromFile(s.o.image)
	}
	return payload.SyntheticJPEG(224, 224, 1)
}

// compile runs the chosen configurations' Neo jobs in parallel.
func (s *session) compile(ctx context.Context, chosen []study.Config, modelURL, outputURL string) (map[neo.Target]*neo.CompiledModel, error) {
	var jobs []neo.Job
	for _, c := range chosen {
		if !c.Compiled() {
			continue
		}
		j, err := c.Job(modelURL, s.o.role, outputURL, s.o.entryPoint)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	out := map[neo.Target]*neo.CompiledModel{}
	if len(jobs) == 0 {
		return out, nil
	}
	for _, j := range jobs {
		s.jobs = append(s.jobs, j.Name)
		s.ledger.create("compilation job " + j.Name)
	}
	fmt.Fprintf(s.log, "compiling with Neo for %d targets (minutes; inf1 up to ~17)\n", len(jobs))
	models, err := s.compiler.CompileAll(ctx, jobs, len(jobs))
	for _, m := range models {
		if m != nil {
			out[m.Target] = m
			s.objects = append(s.objects, m.ArtifactURL)
			s.ledger.create("S3 object " + m.ArtifactURL)
		}
	}
	return out, err
}
