package bench

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func failingResult(t *testing.T, start time.Time, seed uint64) *Result {
	t.Helper()
	samples := randomSamples(seed, start, 200)
	samples[0].err = errors.New("boom") // at least one error class
	return resultOf(t, start, start.Add(10*time.Second), [][]sample{samples})
}

func TestMergeOfAShallowCopyLeavesTheOriginalAlone(t *testing.T) {
	t.Parallel()
	// m := *a; m.Merge(b) used to change a: the copy shared a's histogram, error maps and
	// Warnings backing array.
	start := time.Unix(1_700_000_000, 0)
	a := failingResult(t, start, 1)
	a.Warnings = make([]string, 0, 4) // spare capacity, as after a warn that found nothing
	b := failingResult(t, start.Add(20*time.Second), 2)
	b.Missed = 5
	b.Rate, a.Rate = 10, 10 // open loop: b's missed sends give m a warning to append
	before, err := json.Marshal(a)
	require.NoError(t, err)

	m := *a
	require.NoError(t, m.Merge(b))
	require.NotEmpty(t, m.Warnings)
	after, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after), "merging into a copy changed the original")
	assert.Empty(t, a.Warnings[:cap(a.Warnings)][:1][0], "a's Warnings backing array was written")
	assert.Equal(t, a.Requests+b.Requests, m.Requests)
}

func TestCloneIsIndependent(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_700_000_000, 0)
	a := failingResult(t, start, 3)
	c := a.Clone()
	require.NoError(t, c.Merge(failingResult(t, start, 4)))
	c.ErrorsByClass[ClassCanceled] = 99
	assert.NotEqual(t, a.Requests, c.Requests)
	assert.NotContains(t, a.ErrorsByClass, ClassCanceled)
	assert.Equal(t, failingResult(t, start, 3).Latency, a.Latency)
}

func TestMergeOfErrorsWithoutSamplesDoesNotPanic(t *testing.T) {
	// A hand-built Result, or one from JSON that dropped the samples, has classes but nil
	// ErrorSamples: Merge used to write into the nil map and panic.
	start := time.Unix(1_700_000_000, 0)
	hand := &Result{Start: start, End: start.Add(time.Second), Elapsed: time.Second, BatchSize: 1,
		Requests: 3, Errors: 3, ErrorsByClass: map[ErrorClass]int64{ClassTimeout: 3}}
	other := &Result{Start: start, End: start.Add(time.Second), Elapsed: time.Second, BatchSize: 1,
		Requests: 2, Errors: 2, ErrorsByClass: map[ErrorClass]int64{ClassThrottled: 2}}
	require.NotPanics(t, func() { require.NoError(t, hand.Merge(other)) })
	assert.Equal(t, map[ErrorClass]int64{ClassTimeout: 3, ClassThrottled: 2}, hand.ErrorsByClass)
	var decoded Result
	require.NoError(t, json.Unmarshal([]byte(`{"Requests":1,"Errors":1,"ErrorsByClass":{"timeout":1},"BatchSize":1,"Start":"2024-01-01T00:00:00Z","End":"2024-01-01T00:00:01Z"}`), &decoded))
	require.NotPanics(t, func() { require.NoError(t, decoded.Merge(other)) })
}

// FuzzResultJSONAndMerge feeds arbitrary bytes to UnmarshalJSON and merges whatever
// decodes, both ways and into a copy: nothing may panic.
func FuzzResultJSONAndMerge(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"Requests":-1}`,
		`{"Requests":1,"Errors":1,"ErrorsByClass":{"timeout":1},"BatchSize":1,"Start":"2024-01-01T00:00:00Z"}`,
		`{"Series":[{"Start":"2024-01-01T00:00:00Z","Requests":1}],"SeriesInterval":1,"Start":"2000-01-01T00:00:00Z","End":"2030-01-01T00:00:00Z","Requests":1}`,
		`{"Histogram":"HISTFAAAACR4nJNpmSzMwMDAzAABMJoRTAIAF/4A6g==","Requests":1,"Start":"2024-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s), []byte(`{"Requests":2,"BatchSize":1,"Start":"2024-01-01T00:00:00Z","End":"2024-01-01T00:00:02Z","Elapsed":2000000000}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var ra, rb Result
		if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
			return
		}
		_ = ra.Percentile(99)
		_ = ra.PercentileAll(99.9)
		cp := ra
		_ = cp.Merge(&rb)
		_ = rb.Merge(&ra)
		_ = ra.Clone().merge(&rb, false)
		if _, err := json.Marshal(cp); err != nil {
			t.Fatalf("a merged Result does not encode: %v", err)
		}
	})
}
