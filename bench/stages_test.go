package bench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

// rampHoldSpikeDown is a ramp up, a hold, a spike and a ramp down: 100 + 200 + 150 + 100
// sends, each stage's count the integral of its linear rate.
var rampHoldSpikeDown = []bench.Stage{
	{Duration: time.Second, Target: 200},            // 0 -> 200: 100 sends
	{Duration: time.Second, Target: 200},            // hold: 200 sends
	{Duration: 500 * time.Millisecond, Target: 400}, // spike 200 -> 400: 150 sends
	{Duration: 500 * time.Millisecond, Target: 0},   // 400 -> 0: 100 sends
}

// Each stage offers exactly the sends its linear rate integrates to, and across the ramps
// every one of them is made, missed or unfinished: Requests + Missed + Unfinished =
// Offered. The counts come from the intended send times, so they hold however busy the
// machine is; how close each stage's throughput comes to its target under load is
// BenchmarkRunStages's to measure.
func TestRunStagesOffersEachStagesIntegralAndKeepsTheOpenLoopInvariant(t *testing.T) {
	inv := benchtest.New(benchtest.WithLatency(benchtest.Constant(2 * time.Millisecond)))
	res, err := bench.RunStages(context.Background(), inv, bench.StagesConfig{
		Stages: rampHoldSpikeDown,
		Base:   bench.Config{Payloads: body, Interval: 100 * time.Millisecond},
	})
	require.NoError(t, err)
	require.Len(t, res.Stages, 4)
	wantOffered := []int64{100, 200, 150, 100}
	wantRate := []float64{100, 200, 300, 200}
	wantFrom := []float64{0, 200, 200, 400}
	var offered int64
	for i, st := range res.Stages {
		assert.Equal(t, wantOffered[i], st.Result.Offered, "stage %d offered", i+1)
		assert.Equal(t, wantRate[i], st.Result.Rate, "stage %d mean rate", i+1)
		assert.Equal(t, wantFrom[i], st.From, "stage %d starts at", i+1)
		assert.Equal(t, st.Duration, st.Result.Elapsed, "stage %d window", i+1)
		offered += st.Result.Offered
	}
	tot := res.Total
	assert.Equal(t, int64(550), offered)
	assert.Equal(t, int64(550), tot.Offered)
	assert.Equal(t, tot.Offered, tot.Requests+tot.Missed+tot.Unfinished, "made + missed + unfinished = offered across the ramps")
	assert.Equal(t, 3*time.Second, tot.Elapsed)
	assert.InDelta(t, 550.0/3, tot.Rate, 1e-9)
	if tot.Requests > 0 {
		assert.GreaterOrEqual(t, tot.Latency.P50, 2*time.Millisecond, "latency runs from the intended send time, never below the fake's")
	}
}

func TestRunStagesRefusesWhatItCannotSchedule(t *testing.T) {
	inv := benchtest.New()
	for name, cfg := range map[string]bench.StagesConfig{
		"no stages":      {Base: bench.Config{Payloads: body}},
		"zero duration":  {Stages: []bench.Stage{{Target: 1}}, Base: bench.Config{Payloads: body}},
		"negative rate":  {Stages: []bench.Stage{{Duration: time.Second, Target: -1}}, Base: bench.Config{Payloads: body}},
		"all zero":       {Stages: []bench.Stage{{Duration: time.Second}}, Base: bench.Config{Payloads: body}},
		"rate in step":   {Stages: []bench.Stage{{Duration: time.Second, Target: 1}}, Base: bench.Config{Payloads: body, Rate: 5}},
		"warmup in step": {Stages: []bench.Stage{{Duration: time.Second, Target: 1}}, Base: bench.Config{Payloads: body, Warmup: time.Second}},
		"tiny slices":    {Stages: []bench.Stage{{Duration: time.Second, Target: 1}, {Duration: time.Second + time.Millisecond, Target: 1}}, Base: bench.Config{Payloads: body}},
		"no payloads":    {Stages: []bench.Stage{{Duration: time.Second, Target: 1}}},
	} {
		_, err := bench.RunStages(context.Background(), inv, cfg)
		assert.Error(t, err, name)
	}
}

// BenchmarkRunStages reports how far each stage's throughput came from its mean target
// (max_dev_%) and the open-loop invariant's gap (must be 0).
func BenchmarkRunStages(b *testing.B) {
	inv := benchtest.New(benchtest.WithLatency(benchtest.Constant(5 * time.Millisecond)))
	stages := []bench.Stage{
		{Duration: 2 * time.Second, Target: 100},
		{Duration: 2 * time.Second, Target: 100},
		{Duration: time.Second, Target: 300},
		{Duration: 2 * time.Second, Target: 0},
	}
	var dev float64
	var gap int64
	for b.Loop() {
		res, err := bench.RunStages(context.Background(), inv, bench.StagesConfig{Stages: stages, Base: bench.Config{Payloads: body}})
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range res.Stages {
			d := (st.Result.Throughput - st.Result.Rate) / st.Result.Rate * 100
			dev = max(dev, d, -d)
		}
		gap = res.Total.Offered - res.Total.Requests - res.Total.Missed - res.Total.Unfinished
	}
	b.ReportMetric(dev, "max_dev_%")
	b.ReportMetric(float64(gap), "invariant_gap")
}

// concurrencyProbe is an invoker that holds each call for latency and records the most
// calls it saw at once.
type concurrencyProbe struct {
	latency  time.Duration
	mu       sync.Mutex
	now, max int
	calls    int
}

func (p *concurrencyProbe) Invoke(ctx context.Context, _ payload.Payload) error {
	p.mu.Lock()
	p.now++
	p.calls++
	p.max = max(p.max, p.now)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.now--
		p.mu.Unlock()
	}()
	t := time.NewTimer(p.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// In closed loop the targets are workers: none sends while the level is under half a
// worker, never more are in flight than the stage allows, and a holding stage's
// Concurrency is its target, against which Little's law is checked.
func TestRunStagesClosedLoopActivatesWorkersByStage(t *testing.T) {
	t.Parallel()
	probe := &concurrencyProbe{latency: 5 * time.Millisecond}
	res, err := bench.RunStages(context.Background(), probe, bench.StagesConfig{
		Closed: true,
		Stages: []bench.Stage{
			{Duration: 500 * time.Millisecond, Target: 0}, // idle
			{Duration: 500 * time.Millisecond, Target: 3}, // ramp up
			{Duration: 500 * time.Millisecond, Target: 3}, // hold
		},
		Base: bench.Config{Payloads: body},
	})
	require.NoError(t, err)
	require.Len(t, res.Stages, 3)
	assert.Zero(t, res.Stages[0].Result.Requests, "no worker is active at level 0")
	assert.LessOrEqual(t, probe.max, 3)
	assert.Equal(t, 3, res.Stages[2].Result.Concurrency)
	assert.Nil(t, res.Stages[1].Result.LittlesLaw, "a ramp's mean is not a whole number of workers")
	if res.Stages[2].Result.Requests > 0 {
		assert.NotNil(t, res.Stages[2].Result.LittlesLaw, "a hold is checked")
	}
	assert.Zero(t, res.Total.Rate)
	assert.Zero(t, res.Total.Offered, "closed loop offers nothing on a schedule")
}
