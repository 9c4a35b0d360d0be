package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
)

// planRole stands in for -role with -plan, which makes no call.
const planRole = "arn:aws:iam::123456789012:role/SageMakerRole"

// run is the whole study; main adds flags and signals around it.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	chosen, err := o.validate()
	if err != nil {
		return err
	}
	var pinned *cost.Table // nil: -prices aws, read once the aws.Config is known
	if o.prices != study.LivePrices {
		if pinned, err = study.PriceTable(o.prices, o.region, chosen); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "sagebench-resnet50-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := newStudy(o, dir, chosen, stderr)
	if err != nil {
		return err
	}
	st.Prices = pinned

	if o.planOnly {
		cfg := aws.Config{Region: o.region}
		if st.Prices, err = prices(ctx, o, &st, cfg, chosen); err != nil {
			return err
		}
		plan, err := st.Plan(cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "plan: %d candidates in %s, %d at a time, bucket %s\n", len(chosen), plan.Region, plan.MaxParallel, plan.Bucket)
		if len(plan.Resumed) > 0 {
			fmt.Fprintf(stdout, "already measured in %s (skipped): %s\n", o.out, strings.Join(plan.Resumed, ", "))
		}
		printBill(stdout, o, plan.Bill)
		for _, n := range plan.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
		return nil
	}
	// Credentials and endpoints from the default chain: env, ~/.aws, SSO, instance role;
	// AWS_ENDPOINT_URL points every client at another SageMaker (such as the emulator).
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(o.region))
	if err != nil {
		return fmt.Errorf("loading AWS credentials: %w", err)
	}
	if st.Prices, err = prices(ctx, o, &st, cfg, chosen); err != nil {
		return err
	}
	plan, err := st.Plan(cfg)
	if err != nil {
		return err
	}
	printBill(stderr, o, plan.Bill)
	for _, n := range plan.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	if st.Journal, err = openJournal(o, stderr); err != nil {
		return err
	}
	defer st.Journal.Close()

	rep, err := st.Run(ctx, cfg)
	if rep != nil {
		printTeardown(stdout, rep.Teardown)
		reportJournal(stdout, st.Journal)
	}
	if err != nil {
		return err
	}
	provenance := report.Measured
	if url := os.Getenv("AWS_ENDPOINT_URL"); url != "" {
		provenance = "measured at " + url // not AWS: say where
	}
	t := rep.Document(fmt.Sprintf("ResNet50 on SageMaker: %d clients, one JPEG per request, %s (%s)", o.concurrency, o.region, provenance), provenance)
	fmt.Fprintln(stdout, t.Markdown())
	files, err := t.WriteDir(ctx, o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/: %s (results of each candidate in %s/candidates/; a rerun skips them, -rerun does not)\n",
		o.out, strings.Join(files, ", "), o.out)
	return nil
}

// printBill prints the bill estimate and, when a candidate has no price, the flag
// that would price it.
func printBill(w io.Writer, o options, e sagebench.Bill) {
	fmt.Fprintln(w, e)
	switch {
	case e.Known():
	case o.prices != study.LivePrices:
		fmt.Fprintf(w, "(-prices %s pins an embedded table; -prices %s reads the region's prices from the AWS Price List)\n", o.prices, study.LivePrices)
	case o.priceList == "":
		fmt.Fprintf(w, "(-price-list URL reads another Price List, such as an emulator's)\n")
	}
}

// prices is the table the study prices with: the one -prices pins, else (-prices aws)
// today's from the Price List (Study.PriceTable: cached, the embedded table when it cannot
// be read). Against another SageMaker (AWS_ENDPOINT_URL) with no -price-list there is no
// Price List to read: the first embedded table that prices every candidate, as -prices auto.
func prices(ctx context.Context, o options, st *sagebench.Study, cfg aws.Config, chosen []sagebench.Candidate) (*cost.Table, error) {
	if st.Prices != nil {
		return st.Prices, nil
	}
	if cfg.BaseEndpoint != nil && o.priceList == "" {
		t, err := study.PriceTable("auto", o.region, chosen)
		if err != nil {
			return nil, err
		}
		return t.WithNote(fmt.Sprintf("embedded table %s: -prices aws against %s, which is not AWS, with no -price-list", t.Name(), *cfg.BaseEndpoint)), nil
	}
	st.PriceList.BaseURL = o.priceList
	return st.PriceTable(ctx, cfg), nil
}

// newStudy is the reference study with the flags' model, load and bounds.
func newStudy(o options, dir string, chosen []sagebench.Candidate, log io.Writer) (sagebench.Study, error) {
	model, code := o.model, o.code
	if model == "" { // -plan without a model: a stand-in, so the plan checks the rest
		model = filepath.Join(dir, "model.pth")
		if err := os.WriteFile(model, []byte("stand-in\n"), 0o644); err != nil {
			return sagebench.Study{}, err
		}
	}
	role := o.role
	if role == "" {
		role = planRole
	}
	if code == "" {
		var err error
		if code, err = study.WriteCode(dir); err != nil {
			return sagebench.Study{}, err
		}
	}
	st := study.Study(sagebench.LocalModel{Files: []string{model}, CodeDir: code}, role)
	if o.code != "" {
		st.Check = nil // the user's code answers in its own format
	}
	img, err := requestBody(o.image)
	if err != nil {
		return st, err
	}
	st.Region, st.Bucket, st.EntryPoint, st.Candidates = o.region, o.bucket, o.entryPoint, chosen
	st.Load = bench.Config{Concurrency: o.concurrency, Duration: o.duration, Warmup: o.warmup,
		Payloads: []payload.Payload{img}, Timeout: time.Minute}
	if o.sweep {
		st.Sweep = &bench.SweepConfig{Levels: bench.DefaultLevels(), SLO: &bench.SLO{Percentile: 99, Max: 5 * time.Second}}
	}
	if st.LoadOn, err = parseLoadOn(o.loadOn, o.loadImage); err != nil { // loadon.go
		return st, err
	}
	st.MaxParallel, st.MaxCostUSD, st.KeepArtifacts = o.parallel, o.maxCost, o.keepArtifacts
	st.OutputDir, st.Rerun = o.out, o.rerun
	st.Events = study.Progress(log)
	switch {
	case o.metricsDelay < 0:
		st.ServerMetrics.Off = true
	case o.metricsDelay == 0:
		st.ServerMetrics.NoWait = true
	default:
		st.ServerMetrics.Delay = o.metricsDelay
	}
	if o.poll > 0 {
		st.SageMaker = []func(*sagemaker.Options){func(opt *sagemaker.Options) { opt.PollInterval, opt.MaxPollInterval = o.poll, 4*o.poll }}
		st.Neo = []func(*neo.Options){func(opt *neo.Options) { opt.MinDelay, opt.MaxDelay = o.poll, 4*o.poll }}
	}
	return st, nil
}

func requestBody(path string) (payload.Payload, error) {
	if path != "" {
		return payload.FromFile(path)
	}
	return payload.SyntheticJPEG(224, 224, 1)
}

func printTeardown(w io.Writer, ds []sagebench.Deletion) {
	if len(ds) == 0 {
		fmt.Fprintln(w, "teardown: nothing was created")
		return
	}
	fmt.Fprintln(w, "teardown:")
	for _, d := range ds {
		state := "deleted"
		switch {
		case d.Kept != "":
			state = "kept (" + d.Kept + ")"
		case !d.Deleted:
			state = fmt.Sprintf("NOT deleted: %v", d.Err)
		}
		fmt.Fprintf(w, "  %-10s %s\n", state, d.Resource)
	}
}
