package bench

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decodeEdited(t *testing.T, res *Result, edit func(map[string]any)) (*Result, error) {
	t.Helper()
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	var back Result
	err = json.Unmarshal(b, &back)
	return &back, err
}

// A decoded Result was trusted as-is: Throughput 12345 beside Requests 3 was kept, and
// Requests edited to 1 beside a 230-sample histogram was accepted.
func TestResultJSONDecodeChecksThroughputAndTheHistogramCounts(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	res := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(7, start, 240)})
	ok := res.Requests - res.Errors
	require.Positive(t, ok)

	back, err := decodeEdited(t, res, func(m map[string]any) {})
	require.NoError(t, err)
	assert.InDelta(t, float64(ok)/10, back.Throughput, 1e-9)

	_, err = decodeEdited(t, res, func(m map[string]any) { m["Throughput"] = 12345 })
	assert.ErrorContains(t, err, "do not follow from")
	_, err = decodeEdited(t, res, func(m map[string]any) { m["InferencesPerSecond"] = 12345 })
	assert.ErrorContains(t, err, "do not follow from")

	_, err = decodeEdited(t, res, func(m map[string]any) { m["Requests"] = 1; m["Errors"] = 0 })
	assert.ErrorContains(t, err, "histogram holds")

	_, err = decodeEdited(t, res, func(m map[string]any) { m["Errors"] = res.Errors + 1 })
	assert.ErrorContains(t, err, "histogram holds")

	_, err = decodeEdited(t, res, func(m map[string]any) { m["Rate"] = -1 })
	assert.Error(t, err)
}

// A summary without Elapsed (its rates cannot be checked) still cannot have a negative
// rate, nor one without a successful request; and its error classes split its Errors:
// none negative, none beyond them.
func TestResultJSONDecodeRefusesImpossibleRatesAndErrorClasses(t *testing.T) {
	for _, s := range []string{
		`{"Requests":3,"Throughput":-5}`,
		`{"Requests":3,"InferencesPerSecond":-5}`,
		`{"Requests":3,"Errors":3,"Throughput":50,"InferencesPerSecond":50}`,
		`{"Requests":3,"Errors":1,"ErrorsByClass":{"timeout":-4}}`,
		`{"Requests":3,"Errors":0,"ErrorsByClass":{"timeout":2}}`,
		`{"Requests":3,"Errors":1,"ErrorsByClass":{"timeout":9223372036854775807,"other":9223372036854775807}}`,
	} {
		var r Result
		assert.Error(t, json.Unmarshal([]byte(s), &r), s)
	}
	for _, s := range []string{
		`{"Requests":3,"Throughput":2.5,"InferencesPerSecond":2.5}`,
		`{"Requests":3,"Errors":3,"ErrorsByClass":{"timeout":2,"other":1}}`,
		`{"Requests":3,"Errors":2}`, // a summary without classes
	} {
		var r Result
		assert.NoError(t, json.Unmarshal([]byte(s), &r), s)
	}
}

// Two Results with MaxInt64 counts merged into negative numbers.
func TestMergeRefusesCountsThatOverflow(t *testing.T) {
	var a, b Result
	huge := `{"Start":"2026-11-25T12:00:00Z","End":"2026-11-25T12:00:10Z","Elapsed":10000000000,"Concurrency":1,"BatchSize":1,` +
		`"Requests":9223372036854775807,"Errors":9223372036854775807,"ErrorsByClass":{"other":9223372036854775807}}`
	require.NoError(t, json.Unmarshal([]byte(huge), &a))
	require.NoError(t, json.Unmarshal([]byte(huge), &b))
	err := a.Merge(&b)
	require.ErrorContains(t, err, "overflow")
	assert.Equal(t, int64(math.MaxInt64), a.Requests, "a refused merge changes nothing")
	assert.Equal(t, 1, a.Concurrency)
}

// A closed-loop Result (66 workers) merged with an open-loop one (100 req/s) made a
// Result whose Offered broke its invariant.
func TestMergeRefusesClosedWithOpenLoop(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	closed := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(8, start, 100)})
	open := resultOf(t, start, start.Add(10*time.Second), [][]sample{randomSamples(9, start, 100)})
	open.Rate, open.Offered = 100, 1000
	before := closed.Requests
	err := closed.Merge(open)
	require.ErrorContains(t, err, "closed-loop")
	assert.ErrorContains(t, err, "open-loop")
	assert.Equal(t, before, closed.Requests)
	require.ErrorContains(t, open.Merge(closed), "cannot merge a closed-loop Result")
}
