package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
)

type options struct {
	url, mode, model, ready string
	readyTimeout            time.Duration
	payload                 string
	levels, rates, slo      string
	window, warmup, timeout time.Duration
	maxWindows              int
	instance, region        string
	prices, label, out      string
}

func defaultOptions() options {
	return options{
		url:          "http://localhost:8080",
		mode:         "sagemaker",
		readyTimeout: 5 * time.Minute,
		levels:       "1,2,4,8,16,32,64",
		slo:          "p99=200ms",
		window:       5 * time.Second,
		warmup:       2 * time.Second,
		maxWindows:   bench.DefaultMaxWindows,
		timeout:      30 * time.Second,
		instance:     "ml.g4dn.xlarge",
		region:       "us-east-1",
		prices:       "auto",
		label:        "local",
		out:          "sagebench-out",
	}
}

// run waits for the server, sweeps it, prices the peak as a what-if and writes the report.
func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	cfg, err := sweepConfig(o)
	if err != nil {
		return err
	}
	prices, price, err := pickPrice(o.prices, o.region, o.instance)
	if err != nil {
		return err
	}
	inv, err := newInvoker(o, maxInFlight(cfg))
	if err != nil {
		return err
	}
	defer inv.CloseIdleConnections()
	if cfg.Base.Payloads, err = loadPayloads(o); err != nil {
		return err
	}

	if inv.ReadyURL() != "" {
		fmt.Fprintf(stderr, "waiting for %s (at most %v)\n", inv.ReadyURL(), o.readyTimeout)
		rctx, cancel := context.WithTimeout(ctx, o.readyTimeout)
		err := inv.WaitReady(rctx)
		cancel()
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "sweeping %s (%s): %s, %v windows\n", inv.URL(), o.mode, ladder(cfg), o.window)
	cfg.Progress = func(p bench.SweepProgress) {
		if s := p.StepDone; s != nil {
			fmt.Fprintf(stderr, "  %s: %8.1f req/s  p50 %-9v p99 %-9v errors %d  stable=%v after %d windows\n",
				level(s), s.Result.Throughput, s.Result.Latency.P50.Round(100*time.Microsecond),
				s.Result.Latency.P99.Round(100*time.Microsecond), s.Result.Errors, s.Stable, s.Windows)
		}
	}
	res, err := bench.Sweep(ctx, inv, cfg)
	if err != nil {
		return err
	}

	provenance := "local (what-if price)"
	rep := report.New(fmt.Sprintf("%s at %s, priced as if on %s in %s (what-if)", o.label, o.url, o.instance, o.region))
	rep.AddSweep(report.Sweep{Name: o.label, InstanceType: o.instance, Result: res, Provenance: provenance})
	rep.AddNote("WHAT-IF PRICE: measured on this machine against %s, priced at the on-demand rate of %s in %s "+
		"($%.4g/hour, table %q, as of %s). A real %s would not run at this machine's speed: measure it there "+
		"(examples/resnet50) before you trust the $/1M.", o.url, o.instance, o.region, price.USDPerHour,
		prices.Name(), price.AsOf, o.instance)
	if res.Peak >= 0 {
		row := report.Row{Name: o.label, InstanceType: o.instance, Result: res.Steps[res.Peak].Result,
			Provenance: provenance, Notes: []string{"sweep peak: " + res.Verdict()}}
		_ = row.Price(price, 1) // without a throughput the row says why it shows n/a
		rep.Add(row)
	}
	fmt.Fprintln(stdout, rep.Markdown())
	files, werr := rep.WriteDir(ctx, o.out)
	if werr != nil {
		return werr
	}
	fmt.Fprintf(stdout, "wrote %s/: %s\n", o.out, strings.Join(files, ", "))
	if res.Peak < 0 {
		return fmt.Errorf("no step qualified: %s", res.Verdict())
	}
	if c := rep.Rows[0].Cost; c != nil {
		fmt.Fprintf(stdout, "What-if: %.1f req/s on %s ($%.4g/hour in %s) would cost $%.4g per million inferences, "+
			"if that instance were as fast as this machine.\n", c.TPS, o.instance, c.USDPerHour, o.region, c.PerMillion)
	}
	return nil
}

func newInvoker(o options, inFlight int) (*httpinvoker.Invoker, error) {
	opts := []httpinvoker.Option{httpinvoker.WithConcurrency(inFlight), httpinvoker.WithTimeout(o.timeout)}
	needModel := func() error {
		if o.model == "" {
			return fmt.Errorf("-mode %s needs -model", o.mode)
		}
		return nil
	}
	switch o.mode {
	case "sagemaker":
		return httpinvoker.SageMaker(o.url, opts...)
	case "torchserve":
		if err := needModel(); err != nil {
			return nil, err
		}
		return httpinvoker.TorchServe(o.url, o.model, opts...)
	case "kserve":
		if err := needModel(); err != nil {
			return nil, err
		}
		if o.payload == "" {
			return nil, fmt.Errorf("-mode kserve needs -payload: a JSON v2 inference request")
		}
		return httpinvoker.KServeV2(o.url, o.model, opts...)
	case "raw":
		if o.ready != "" {
			opts = append(opts, httpinvoker.WithReadyURL(o.ready))
		}
		return httpinvoker.New(o.url, opts...)
	}
	return nil, fmt.Errorf("-mode %q: want sagemaker, torchserve, kserve or raw", o.mode)
}

func loadPayloads(o options) ([]payload.Payload, error) {
	if o.payload == "" {
		p, err := payload.SyntheticJPEG(224, 224, 1)
		return []payload.Payload{p}, err
	}
	st, err := os.Stat(o.payload)
	if err != nil {
		return nil, fmt.Errorf("-payload: %w", err)
	}
	if st.IsDir() {
		return payload.FromDir(o.payload)
	}
	p, err := payload.FromFile(o.payload)
	return []payload.Payload{p}, err
}

func sweepConfig(o options) (bench.SweepConfig, error) {
	cfg := bench.SweepConfig{
		Base:       bench.Config{Duration: o.window, Warmup: o.warmup, Timeout: o.timeout},
		MaxWindows: o.maxWindows,
	}
	if o.window <= 0 || o.warmup < 0 || o.maxWindows < 1 {
		return cfg, fmt.Errorf("need -window > 0, -warmup >= 0 and -max-windows >= 1")
	}
	cfg.StableWindows = min(bench.DefaultStableWindows, o.maxWindows)
	var err error
	if o.rates != "" {
		cfg.Rates, err = parseList(o.rates, "-rates", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	} else {
		cfg.Levels, err = parseList(o.levels, "-levels", strconv.Atoi)
	}
	if err != nil {
		return cfg, err
	}
	if o.slo != "none" && o.slo != "" {
		slo, err := parseSLOFlag(o.slo)
		if err != nil {
			return cfg, err
		}
		cfg.SLO = &slo
	}
	return cfg, nil
}

func parseList[T int | float64](s, flag string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for f := range strings.SplitSeq(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s %q: want positive numbers separated by commas", flag, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// maxInFlight sizes the connection pool: the top of a concurrency ladder, or the open
// loop's cap on requests in flight.
func maxInFlight(cfg bench.SweepConfig) int {
	n := bench.DefaultOpenConcurrency
	for _, l := range cfg.Levels {
		n = max(n, l)
	}
	return n
}

func ladder(cfg bench.SweepConfig) string {
	if len(cfg.Rates) > 0 {
		return fmt.Sprintf("rates %v req/s", cfg.Rates)
	}
	return fmt.Sprintf("concurrency %v", cfg.Levels)
}

func level(s *bench.Step) string {
	if s.Rate > 0 {
		return fmt.Sprintf("%7.1f req/s offered", s.Rate)
	}
	return fmt.Sprintf("%3d workers", s.Concurrency)
}

// pickPrice finds the what-if price: "auto" takes the first of the current table and the
// reference study's 2021 snapshot that prices instance in region.
func pickPrice(name, region, instance string) (*cost.Table, cost.Price, error) {
	var tables []*cost.Table
	switch name {
	case "current":
		tables = []*cost.Table{cost.Current}
	case "study2021":
		tables = []*cost.Table{cost.Study2021}
	case "auto":
		tables = []*cost.Table{cost.Current, cost.Study2021}
	default:
		return nil, cost.Price{}, fmt.Errorf("-prices %q: want current, study2021 or auto", name)
	}
	var first error
	for _, t := range tables {
		p, err := t.Lookup(region, instance)
		if err == nil {
			return t, p, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, cost.Price{}, first
}

// parseSLOFlag reads the -slo flag with bench.ParseSLO, naming the flag in its error.
func parseSLOFlag(s string) (bench.SLO, error) {
	slo, err := bench.ParseSLO(s)
	if err != nil {
		return slo, fmt.Errorf("-slo %q: want pNN=duration, e.g. p99=200ms, or none", s)
	}
	return slo, nil
}
