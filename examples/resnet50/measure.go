package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
)

// measure deploys one configuration, loads it, deletes it and returns its report row (and
// its sweep with -sweep). The endpoint is deleted however measure returns, a panic included.
func (s *session) measure(ctx context.Context, c study.Config, modelURL string, compiled *neo.CompiledModel,
	img payload.Payload) (row *report.Row, sweep *report.Sweep, err error) {
	model, err := c.Model(modelURL, s.o.role, s.o.region, s.o.entryPoint, compiled)
	if err != nil {
		return nil, nil, err
	}

	fmt.Fprintf(s.log, "deploy %s on %s as %s (typically 5-10 minutes)\n", c.Label, c.InstanceType, model.Name)
	names := []string{"endpoint " + model.Name, "endpoint config " + model.Name, "model " + model.Name}
	for _, n := range names {
		s.ledger.create(n)
	}
	start := time.Now()
	ep, err := s.client.Deploy(ctx, model, sagemaker.EndpointSpec{Name: model.Name, InstanceType: c.InstanceType, InstanceCount: 1})
	if err != nil {
		// Deploy deleted whatever it had created; it says so unless its cleanup failed.
		for _, n := range names {
			if de, ok := err.(*sagemaker.DeployError); ok && de.Step == sagemaker.StepValidate {
				s.ledger.forget(n) // refused before any call
			} else {
				s.ledger.settle(n, cleanupError(err))
			}
		}
		return nil, nil, err
	}
	fmt.Fprintf(s.log, "  %s InService after %v\n", model.Name, time.Since(start).Round(time.Second))
	defer func() {
		// The caller's context may be canceled (Ctrl-C): delete on one that is not. An
		// endpoint still Creating must settle first, which takes as long as creating it.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
		defer cancel()
		derr := ep.Delete(dctx)
		for _, n := range names {
			s.ledger.settle(n, derr)
		}
		if derr != nil && err == nil {
			err = derr
		}
	}()

	row = &report.Row{Config: c.Label, InstanceType: c.InstanceType, Compiled: c.Compiled(), Provenance: report.Measured}
	if c.Note != "" {
		row.Notes = append(row.Notes, c.Note)
	}
	inv := ep.Invoker(sagemaker.WithAccept("application/json"))
	if s.o.code == "" { // the study's code answers {"top5": [...]}: check every answer
		inv = ep.Invoker(sagemaker.WithAccept("application/json"), sagemaker.WithResponseCheck(checkTop5))
	}
	step := bench.Config{Concurrency: s.o.concurrency, Duration: s.o.duration, Warmup: s.o.warmup,
		Payloads: []payload.Payload{img}, Timeout: time.Minute}
	if s.o.dryRun { // the stand-in answers at once: a glimpse of the load is enough
		fmt.Fprintf(s.log, "dry-run: would load %s with %d clients for %v after %v warmup\n", model.Name,
			s.o.concurrency, s.o.duration, s.o.warmup)
		step.Duration, step.Warmup, step.Interval = 30*time.Millisecond, 0, 10*time.Millisecond
	}
	if s.o.sweep {
		res, err := s.sweep(ctx, c, inv, step)
		if err != nil {
			return nil, nil, err
		}
		sweep = &report.Sweep{Config: c.Label, InstanceType: c.InstanceType, Result: res, Provenance: report.Measured}
		if res.Peak < 0 {
			return nil, nil, fmt.Errorf("%s: %s", c.Label, res.Verdict())
		}
		row.Result = res.Steps[res.Peak].Result
		row.Notes = append(row.Notes, "sweep peak: "+res.Verdict())
	} else {
		res, err := bench.Run(ctx, inv, step)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(s.log, "  %s: %.1f req/s, p50 %v, p99 %v, %d errors\n", c.Label, res.Throughput,
			res.Latency.P50.Round(time.Millisecond), res.Latency.P99.Round(time.Millisecond), res.Errors)
		row.Result = res
	}
	// Without a price the row shows n/a and its notes say why; that is not a failure.
	_ = row.PriceFrom(s.prices, s.o.region, 1)
	return row, sweep, nil
}

func (s *session) sweep(ctx context.Context, c study.Config, inv bench.Invoker, step bench.Config) (*bench.SweepResult, error) {
	cfg := bench.SweepConfig{
		Levels: bench.Geometric(1, 64, 2),
		Step:   step,
		SLO:    &bench.SLO{Percentile: 99, Max: 5 * time.Second},
		Progress: func(p bench.SweepProgress) {
			if p.StepDone != nil {
				r := p.StepDone.Result
				fmt.Fprintf(s.log, "  %s %2d workers: %7.1f req/s  p99 %-10v stable=%v after %d windows\n",
					c.Label, p.Concurrency, r.Throughput, r.Latency.P99.Round(time.Millisecond), p.StepDone.Stable, p.StepDone.Windows)
			}
		},
	}
	if s.o.dryRun { // one window per level, and the whole ladder: the stand-in's plateau means nothing
		cfg.StableWindows, cfg.MaxWindows, cfg.PlateauSteps = 1, 1, len(cfg.Levels)
	}
	return bench.Sweep(ctx, inv, cfg)
}

// checkTop5 accepts the study's answer: five class indices.
func checkTop5(body []byte, _ string) error {
	var a struct {
		Top5 []int `json:"top5"`
	}
	if err := json.Unmarshal(body, &a); err != nil || len(a.Top5) != 5 {
		return fmt.Errorf("answer is not {\"top5\": [5 class indices]}: %.80q", body)
	}
	return nil
}

// cleanupError is what a failed Deploy could not delete, if anything.
func cleanupError(err error) error {
	if de, ok := err.(*sagemaker.DeployError); ok {
		return de.Cleanup
	}
	return nil
}
