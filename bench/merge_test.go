package bench

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sample struct {
	done    time.Time
	latency time.Duration
	err     error
}

// resultOf builds a Result from recorded samples through the same path Run uses, one
// recorder per worker.
func resultOf(t *testing.T, start, end time.Time, workers [][]sample) *Result {
	t.Helper()
	coll := newCollector(start, time.Second, 0, len(workers))
	r := &run{cfg: Config{Concurrency: len(workers), BatchSize: 1, Interval: time.Second}, start: start, end: end, coll: coll}
	done := make(chan struct{})
	go r.collect(done)
	for _, samples := range workers {
		rec := &recorder{hist: newHist(), coll: coll}
		for _, s := range samples {
			rec.record(s.done, s.latency, s.err)
		}
		rec.flush()
		r.recs = append(r.recs, rec)
	}
	close(coll.in)
	<-done
	res, err := r.result()
	require.NoError(t, err)
	return res
}

func randomSamples(seed uint64, start time.Time, n int) []sample {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]sample, n)
	for i := range out {
		out[i] = sample{
			done:    start.Add(time.Duration(rng.Int64N(int64(10 * time.Second)))),
			latency: time.Duration(rng.ExpFloat64() * float64(30*time.Millisecond)),
		}
		if rng.IntN(20) == 0 {
			out[i].err = errors.New("boom")
		}
	}
	// A worker completes requests in time order.
	slices.SortFunc(out, func(a, b sample) int { return a.done.Compare(b.done) })
	return out
}

func TestMergeOfTwoHalvesEqualsWhole(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 400_000_000, time.UTC)
	end := start.Add(10 * time.Second)
	a, b := randomSamples(1, start, 2000), randomSamples(2, start, 3000)

	whole := resultOf(t, start, end, [][]sample{a, b})
	merged := resultOf(t, start, end, [][]sample{a})
	require.NoError(t, merged.Merge(resultOf(t, start, end, [][]sample{b})))

	assert.Equal(t, whole.Requests, merged.Requests)
	assert.Equal(t, int64(5000), merged.Requests)
	assert.Equal(t, whole.Errors, merged.Errors)
	assert.Equal(t, whole.ErrorsByClass, merged.ErrorsByClass)
	assert.Equal(t, whole.Latency, merged.Latency)
	assert.Equal(t, whole.Throughput, merged.Throughput)
	assert.Equal(t, whole.Concurrency, merged.Concurrency)
	assert.Equal(t, whole.LittlesLaw, merged.LittlesLaw)
	require.Len(t, merged.Series, len(whole.Series))
	assert.Len(t, whole.Series, 11, "a 10 s window starting mid-second spans 11 intervals")
	for i := range whole.Series {
		w, m := whole.Series[i], merged.Series[i]
		assert.True(t, w.Start.Equal(m.Start))
		assert.Equal(t, w.Requests, m.Requests, "interval %d", i)
		assert.Equal(t, w.P50, m.P50, "interval %d", i)
		assert.Equal(t, w.P99, m.P99, "interval %d", i)
		assert.Equal(t, w.Throughput, m.Throughput, "interval %d", i)
	}
}

func TestMergeAcrossMachinesWidensWindow(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	first := resultOf(t, start, start.Add(5*time.Second), [][]sample{randomSamples(3, start, 100)[:0]})
	later := start.Add(5 * time.Second)
	second := resultOf(t, later, later.Add(5*time.Second), [][]sample{randomSamples(4, later, 100)})
	require.NoError(t, first.Merge(second))
	assert.Equal(t, 10*time.Second, first.Elapsed)
	assert.Len(t, first.Series, 10)
}

func TestResultJSONRoundTrip(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	orig := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(5, start, 4000)})
	b, err := json.Marshal(orig)
	require.NoError(t, err)
	var got Result
	require.NoError(t, json.Unmarshal(b, &got))

	assert.Equal(t, orig.Latency, got.Latency)
	for _, q := range []float64{50, 90, 95, 99, 99.9, 99.99, 100} {
		assert.Equal(t, orig.Percentile(q), got.Percentile(q), "p%v", q)
	}
	assert.Equal(t, orig.Requests, got.Requests)
	assert.Equal(t, orig.ErrorsByClass, got.ErrorsByClass)
	assert.Equal(t, orig.LittlesLaw, got.LittlesLaw)
	require.Len(t, got.Series, len(orig.Series))
	for i := range orig.Series {
		assert.Equal(t, orig.Series[i].P99, got.Series[i].P99)
		assert.Equal(t, orig.Series[i].width, got.Series[i].width)
	}
	// A decoded Result still merges exactly: the histograms came through.
	require.NoError(t, got.Merge(orig))
	assert.Equal(t, 2*orig.Requests, got.Requests)
	assert.Equal(t, orig.Latency.P99, got.Latency.P99)
}

func TestResultJSONByValueKeepsHistogram(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	orig := resultOf(t, start, start.Add(time.Second), [][]sample{randomSamples(6, start, 100)})
	b, err := json.Marshal(struct{ R Result }{*orig})
	require.NoError(t, err)
	var got struct{ R Result }
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, orig.Percentile(99.99), got.R.Percentile(99.99))
}

func TestResultJSONRejectsCorruptHistogram(t *testing.T) {
	var r Result
	err := json.Unmarshal([]byte(`{"Requests":1,"Histogram":"not-a-histogram"}`), &r)
	assert.ErrorContains(t, err, "decoding latency histogram")
}
