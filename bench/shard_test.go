package bench

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/payload"
)

var shardPayloads = []payload.Payload{{Name: "x", ContentType: "application/octet-stream", Body: []byte{1}}}

func TestSplitSpreadsRemaindersOverFirstShards(t *testing.T) {
	cfg := Config{Concurrency: 10, Requests: 101, Duration: time.Minute, Warmup: time.Second, Payloads: shardPayloads}
	parts, err := Split(cfg, 3)
	require.NoError(t, err)
	require.Len(t, parts, 3)
	var conc int
	var reqs int64
	for i, p := range parts {
		conc += p.Concurrency
		reqs += p.Requests
		assert.Equal(t, time.Minute, p.Duration, "shard %d", i)
		assert.Equal(t, time.Second, p.Warmup, "shard %d", i)
		assert.Len(t, p.Payloads, 1, "shard %d", i)
	}
	assert.Equal(t, []int{4, 3, 3}, []int{parts[0].Concurrency, parts[1].Concurrency, parts[2].Concurrency})
	assert.Equal(t, []int64{34, 34, 33}, []int64{parts[0].Requests, parts[1].Requests, parts[2].Requests})
	assert.Equal(t, 10, conc)
	assert.Equal(t, int64(101), reqs)
}

func TestSplitRateSumsToWhole(t *testing.T) {
	for _, rate := range []float64{1, 100, 333.3, 1e-3, 12345.678, 0.7} {
		for _, n := range []int{1, 2, 3, 7, 100} {
			parts, err := Split(Config{Rate: rate, Payloads: shardPayloads}, n)
			require.NoError(t, err)
			var sum float64
			for _, p := range parts {
				assert.Positive(t, p.Rate)
				sum += p.Rate
			}
			assert.Equal(t, rate, sum, "rate %v over %d shards", rate, n)
		}
	}
}

func TestSplitKeepsOpenLoopInFlightCapPerShard(t *testing.T) {
	parts, err := Split(Config{Rate: 90, Concurrency: 8, Payloads: shardPayloads}, 3)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 3, 2}, []int{parts[0].Concurrency, parts[1].Concurrency, parts[2].Concurrency})
	// An unset cap stays unset: each shard gets Run's default.
	parts, err = Split(Config{Rate: 90, Payloads: shardPayloads}, 3)
	require.NoError(t, err)
	assert.Zero(t, parts[2].Concurrency)
}

func TestSplitRefusesShardsWithoutWork(t *testing.T) {
	for name, cfg := range map[string]Config{
		"fewer workers than shards":  {Concurrency: 2, Payloads: shardPayloads},
		"default of one worker":      {Payloads: shardPayloads},
		"fewer requests than shards": {Concurrency: 6, Requests: 2, Payloads: shardPayloads},
	} {
		_, err := Split(cfg, 3)
		assert.ErrorContains(t, err, "3 shards", name)
	}
	_, err := Split(Config{Concurrency: 3, Payloads: shardPayloads}, 0)
	assert.ErrorContains(t, err, "0 shards")
	_, err = Split(Config{Concurrency: 3}, 1)
	assert.ErrorContains(t, err, "no payloads")
}

func TestMergeShardsAddsExactlyAcrossSkewedMachines(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	skews := []time.Duration{0, 40 * time.Millisecond, 15 * time.Millisecond}
	var shards []*Result
	var all [][]sample
	for i, skew := range skews {
		s := start.Add(skew)
		samples := randomSamples(uint64(10+i), s, 1000*(i+1))
		all = append(all, samples)
		shards = append(shards, resultOf(t, s, s.Add(10*time.Second), [][]sample{samples}))
	}
	got, err := MergeShards(shards)
	require.NoError(t, err)
	assert.True(t, got.Complete())
	assert.Equal(t, 3, got.N)
	assert.Equal(t, 40*time.Millisecond, got.StartSkew)
	assert.Equal(t, 40*time.Millisecond, got.EndSkew)
	assert.Equal(t, int64(6000), got.Result.Requests, "the sum of the shards' requests")
	assert.Equal(t, 3, got.Result.Concurrency, "machines side by side: workers add")

	// The merged percentiles are those of every raw latency in one histogram, never an
	// average of the shards'.
	whole := resultOf(t, start, start.Add(10*time.Second+40*time.Millisecond), all)
	for _, q := range []float64{50, 90, 99, 99.9, 100} {
		assert.Equal(t, whole.Percentile(q), got.Result.Percentile(q), "p%v", q)
	}
	assert.Equal(t, whole.Errors, got.Result.Errors)
	assert.Equal(t, 10*time.Second+40*time.Millisecond, got.Result.Elapsed)
}

func TestMergeShardsNamesMissingShards(t *testing.T) {
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	r := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(1, start, 500)})
	got, err := MergeShards([]*Result{r, nil, r.Clone(), nil})
	require.NoError(t, err)
	assert.False(t, got.Complete())
	assert.Equal(t, []int{1, 3}, got.Missing)
	assert.Equal(t, int64(1000), got.Result.Requests)
	assert.Contains(t, got.Result.Warnings, "incomplete: 2 of 4 shards never reported (shard 1, 3); every figure is of the others only")

	_, err = MergeShards([]*Result{nil, nil})
	assert.ErrorContains(t, err, "none of 2 shards reported")
}

func TestMergeShardsRefusesWindowsThatDoNotOverlap(t *testing.T) {
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	later := start.Add(10 * time.Second)
	a := resultOf(t, start, later, [][]sample{randomSamples(1, start, 100)})
	b := resultOf(t, later, later.Add(10*time.Second), [][]sample{randomSamples(2, later, 100)})
	_, err := MergeShards([]*Result{a, b})
	assert.ErrorContains(t, err, "do not overlap")
}

func TestMergeShardsWarnsOfLargeStartSkew(t *testing.T) {
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	late := start.Add(3 * time.Second)
	a := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(1, start, 100)})
	b := resultOf(t, late, late.Add(10*time.Second), [][]sample{randomSamples(2, late, 100)})
	got, err := MergeShards([]*Result{a, b})
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, got.StartSkew)
	assert.Contains(t, got.Result.Warnings, "shards started up to 3s apart in a 13s window: the merged throughput spans all of it")
}

// TestMergeShardsPercentilesMatchRawLatencies compares the merged Result's percentiles
// with the exact ones of every raw latency of every shard, sorted: they differ only by
// the histogram's precision (histSigFigs significant digits, at microsecond
// resolution), never by averaging.
func TestMergeShardsPercentilesMatchRawLatencies(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	var shards []*Result
	var raw []time.Duration
	var sum int64
	for i := range 3 {
		s := start.Add(time.Duration(i) * 7 * time.Millisecond)
		samples := randomSamples(uint64(100+i), s, 20000*(i+1))
		for _, x := range samples {
			if x.err == nil {
				raw = append(raw, x.latency.Truncate(time.Microsecond))
			}
		}
		r := resultOf(t, s, s.Add(10*time.Second), [][]sample{samples})
		sum += r.Requests
		shards = append(shards, r)
	}
	got, err := MergeShards(shards)
	require.NoError(t, err)
	assert.Equal(t, sum, got.Result.Requests)
	slices.Sort(raw)
	for _, q := range []float64{50, 90, 99, 99.9} {
		exact := raw[int(math.Ceil(q/100*float64(len(raw))))-1]
		merged := got.Result.Percentile(q)
		rel := math.Abs(float64(merged-exact)) / float64(exact)
		t.Logf("p%v: exact %v, merged %v (%.4f%% apart)", q, exact, merged, 100*rel)
		assert.LessOrEqual(t, rel, math.Pow(10, -histSigFigs), "p%v: exact %v, merged %v", q, exact, merged)
	}
}

func ExampleSplit() {
	parts, _ := Split(Config{Concurrency: 10, Duration: time.Minute,
		Payloads: []payload.Payload{{Name: "x", Body: []byte{1}}}}, 3)
	for i, p := range parts {
		fmt.Printf("shard %d: %d workers for %v\n", i, p.Concurrency, p.Duration)
	}
	// Output:
	// shard 0: 4 workers for 1m0s
	// shard 1: 3 workers for 1m0s
	// shard 2: 3 workers for 1m0s
}

func TestSplitRefusesMoreShardsThanAnyEngineRuns(t *testing.T) {
	// An open loop without a cap splits over any n: a hostile or mistaken spec's
	// shard count must be an error, not an allocation that kills the process.
	_, err := Split(Config{Rate: 10, Payloads: shardPayloads}, 1<<40)
	assert.ErrorContains(t, err, "1099511627776 shards")
	parts, err := Split(Config{Rate: 1e5, Payloads: shardPayloads}, 100000)
	require.NoError(t, err)
	assert.Len(t, parts, 100000)
}

func TestSplitRefusesPartsThatRunWouldRefuse(t *testing.T) {
	// Each shard's rate would be under MinRate: every worker would refuse its part
	// after the machines were paid for.
	_, err := Split(Config{Rate: 2 * MinRate, Payloads: shardPayloads}, 3)
	assert.ErrorContains(t, err, "is below")
}

func TestMergeShardsCountsAResultThatNeverStartedAsMissing(t *testing.T) {
	// A shard's result file that decodes to nothing ("{}", "null"): the shard did not
	// measure, and the others' merge is incomplete, naming it.
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	r := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(1, start, 500)})
	got, err := MergeShards([]*Result{r, {}, r.Clone()})
	require.NoError(t, err)
	assert.Equal(t, []int{1}, got.Missing)
	assert.Equal(t, 2*r.Requests, got.Result.Requests)
	_, err = MergeShards([]*Result{{}})
	assert.ErrorContains(t, err, "none of 1 shards reported")
}
