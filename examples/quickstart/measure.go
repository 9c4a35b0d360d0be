package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
)

// measure deploys one configuration, loads it, deletes it and returns its report row
// (and its sweep with -sweep). The endpoint is deleted however measure returns.
func (s *session) measure(ctx context.Context, c study.Config, modelURL string, compiled *neo.CompiledModel,
	img payload.Payload) (row *report.Row, sweep *report.Sweep, err error) {
	model, err := c.Model(modelURL, roleARN, s.o.region, "inference.py", compiled)
	if err != nil {
		return nil, nil, err
	}

	done := s.phase("deploy %s on %s", c.Label, c.InstanceType)
	ep, err := s.client.Deploy(ctx, model, sagemaker.EndpointSpec{
		Name: model.Name, InstanceType: c.InstanceType, InstanceCount: 1,
	})
	if err != nil {
		fmt.Fprintln(s.log)
		return nil, nil, err // Deploy deleted whatever it had created
	}
	done()
	defer func() {
		// The caller's context may be canceled (Ctrl-C): delete on one that is not.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if derr := ep.Delete(dctx); derr != nil && err == nil {
			err = derr
		}
	}()

	row = &report.Row{Config: c.Label, InstanceType: c.InstanceType, Compiled: c.Compiled(),
		Provenance: report.Emulated}
	if c.Note != "" {
		row.Notes = append(row.Notes, c.Note+"; the emulator's profile for it is an estimate")
	}
	step := bench.Config{
		Concurrency: s.o.concurrency,
		Duration:    s.o.duration,
		Warmup:      s.o.warmup,
		Payloads:    []payload.Payload{img},
		Timeout:     2 * time.Minute,
	}
	if s.o.sweep {
		res, err := s.sweep(ctx, c, ep, step)
		if err != nil {
			return nil, nil, err
		}
		sweep = &report.Sweep{Config: c.Label, InstanceType: c.InstanceType, Result: res, Provenance: report.Emulated}
		if res.Peak < 0 {
			return nil, nil, fmt.Errorf("%s: %s", c.Label, res.Verdict())
		}
		row.Result = res.Steps[res.Peak].Result
		row.Notes = append(row.Notes, "sweep peak: "+res.Verdict())
	} else {
		line := newLiveLine(s.log, fmt.Sprintf("load %s", c.Label), s.o.warmup+s.o.duration)
		step.Progress = line.update
		res, err := bench.Run(ctx, ep.Invoker(), step)
		line.finish(res)
		if err != nil {
			return nil, nil, err
		}
		row.Result = res
	}
	// Without a price the row shows n/a and its notes say why; that is not a failure.
	_ = row.PriceFrom(s.prices, s.o.region, 1)
	return row, sweep, nil
}

func (s *session) sweep(ctx context.Context, c study.Config, ep *sagemaker.Endpoint, step bench.Config) (*bench.SweepResult, error) {
	fmt.Fprintf(s.log, "sweep %s: concurrency 1, 2, 4, ... 64, %v windows until stable\n", c.Label, step.Duration)
	return bench.Sweep(ctx, ep.Invoker(), bench.SweepConfig{
		Levels: bench.Geometric(1, 64, 2),
		Step:   step,
		SLO:    &bench.SLO{Percentile: 99, Max: 5 * time.Second},
		Progress: func(p bench.SweepProgress) {
			if p.StepDone != nil {
				r := p.StepDone.Result
				fmt.Fprintf(s.log, "  %2d workers: %7.1f req/s  p99 %-10v stable=%v after %d windows\n",
					p.Concurrency, r.Throughput, r.Latency.P99.Round(time.Millisecond), p.StepDone.Stable, p.StepDone.Windows)
			}
		},
	})
}
