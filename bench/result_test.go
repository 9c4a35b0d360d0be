package bench_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Merging a Result with itself doubles its requests and errors (errors by class still
// sum to Errors) and leaves its percentiles as they are.
func TestMergeOfAResultWithItselfDoublesItsCounts(t *testing.T) {
	t.Parallel()
	res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithErrorEvery(3, benchtest.NewError(bench.ClassTimeout))), bench.Config{
		Concurrency: 2, Duration: 100 * time.Millisecond, Payloads: body, Interval: 10 * time.Millisecond})
	require.NoError(t, err)
	n := res.Requests
	p50 := res.Latency.P50
	require.NoError(t, res.Merge(res))
	var sum int64
	for _, v := range res.ErrorsByClass {
		sum += v
	}
	assert.Equal(t, 2*n, res.Requests)
	assert.Equal(t, res.Errors, sum, "errors by class sum to Errors")
	assert.Equal(t, p50, res.Latency.P50)
}

// A Result encoded as JSON and decoded again encodes the same, and keeps its
// percentiles and its series.
func TestResultJSONRoundTripKeepsSeriesAndPercentiles(t *testing.T) {
	res, _ := bench.Run(context.Background(), benchtest.New(benchtest.WithErrorEvery(5, benchtest.NewError(bench.ClassTimeout))), bench.Config{
		Rate: 500, Concurrency: 2, Duration: 200 * time.Millisecond, Payloads: body, Interval: 50 * time.Millisecond})
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var back bench.Result
	require.NoError(t, json.Unmarshal(b, &back))
	b2, _ := json.Marshal(back)
	assert.Equal(t, string(b), string(b2), "round trip differs")
	assert.Equal(t, res.PercentileAll(99), back.PercentileAll(99))
	assert.Equal(t, res.Percentile(50), back.Percentile(50))
	for i := range res.Series {
		x, y := res.Series[i], back.Series[i]
		assert.True(t, x.Start.Equal(y.Start), "series %d start", i)
		assert.Equal(t, x.Requests, y.Requests, "series %d requests", i)
		assert.Equal(t, x.P99, y.P99, "series %d p99", i)
		assert.Equal(t, x.Throughput, y.Throughput, "series %d throughput", i)
	}
}

func TestResultJSONRoundTripsEveryField(t *testing.T) {
	fake := benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond)),
		benchtest.WithErrorEvery(4, benchtest.ErrThrottled), benchtest.WithStall(30, 300*time.Millisecond))
	res, err := bench.Run(context.Background(), fake, bench.Config{
		Rate: 500, Concurrency: 2, MaxBacklog: 2, Duration: 200 * time.Millisecond,
		Interval: 50 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	require.Positive(t, res.Unfinished+res.Missed)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var back bench.Result
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, res.Offered, back.Offered)
	assert.Equal(t, res.Unfinished, back.Unfinished)
	assert.Equal(t, res.Missed, back.Missed)
	assert.Equal(t, res.ClientMissed, back.ClientMissed)
	assert.Equal(t, res.ClientLate, back.ClientLate)
	assert.Equal(t, res.MaxBacklog, back.MaxBacklog)
	assert.Equal(t, res.LatencyAll, back.LatencyAll)
	assert.Equal(t, res.Latency, back.Latency)
	assert.Equal(t, res.PercentileAll(99), back.PercentileAll(99))
	assert.Equal(t, res.Warnings, back.Warnings)
	assert.Equal(t, res.ErrorsByClass, back.ErrorsByClass)
	assert.True(t, res.Start.Equal(back.Start) && res.End.Equal(back.End))
	b2, err := json.Marshal(&back)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2), "a decoded Result encodes to the same JSON")
	// Merging the decoded copy recomputes its figures from what JSON kept: nothing lost.
	m := back.Clone()
	require.NoError(t, m.Merge(&bench.Result{}))
	assert.Equal(t, res.LatencyAll, m.LatencyAll)
}

func TestMergeOfDifferentIntervalsIsAnErrorNotAPanic(t *testing.T) {
	run := func(iv time.Duration) *bench.Result {
		res, err := bench.Run(context.Background(), sleeperInvoker(0), bench.Config{
			Concurrency: 1, Duration: 30 * time.Millisecond, Interval: iv, Payloads: body,
		})
		require.NoError(t, err)
		return res
	}
	a, b := run(10*time.Millisecond), run(time.Millisecond)
	before := a.Requests
	err := a.Merge(b)
	require.Error(t, err)
	assert.Equal(t, before, a.Requests, "a refused merge changes nothing")
}

func TestMergeRefusesAResultWhoseLatencyItCannotMerge(t *testing.T) {
	// A hand-built Result (or JSON without its histogram) has a Latency summary but no
	// histogram. Merge refuses it rather than silently replace its p99 with the other side's.
	run, err := bench.Run(context.Background(), sleeperInvoker(0), bench.Config{Requests: 10, Payloads: body})
	require.NoError(t, err)
	hand := &bench.Result{Start: run.Start.Add(-10 * time.Second), End: run.Start, Elapsed: 10 * time.Second,
		Concurrency: 1, BatchSize: 1, Requests: 100, Latency: bench.Latency{P50: time.Second, P99: 2 * time.Second}}
	for _, c := range []struct{ into, from *bench.Result }{{hand.Clone(), run}, {run.Clone(), hand}} {
		err := c.into.Merge(c.from)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "histogram")
	}
	assert.Equal(t, 2*time.Second, hand.Percentile(99))
}
