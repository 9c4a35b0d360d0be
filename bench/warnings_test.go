package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/payload"
)

func openLoopResult(rate float64, elapsed time.Duration, offered, late int64) *Result {
	r := &Result{Rate: rate, Concurrency: 4, Start: time.Unix(0, 0), End: time.Unix(0, 0).Add(elapsed),
		Elapsed: elapsed, Requests: offered, Offered: offered, ClientLate: late, hist: newHist()}
	for range offered {
		_ = r.hist.RecordValue(1000)
	}
	r.summarize()
	r.warn(false)
	return r
}

func clientWarning(r *Result) string {
	for _, w := range r.Warnings {
		if strings.Contains(w, "the load generator could not keep up") {
			return w
		}
	}
	return ""
}

// One send released just over ClientSlack late out of 600 is no warning; more than
// ClientFaultThreshold of the sends is. The warning says the rate to three figures:
// it printed "could not keep up with 0 req/s" at 0.5 req/s.
func TestClientLatenessWarnsOnlyWhenMaterial(t *testing.T) {
	assert.Empty(t, clientWarning(openLoopResult(100, 6*time.Second, 600, 1)), "1 of 600 is immaterial")
	assert.Empty(t, clientWarning(openLoopResult(100, 6*time.Second, 600, 6)), "1% is the threshold")
	assert.NotEmpty(t, clientWarning(openLoopResult(100, 6*time.Second, 600, 7)), "over 1% warns")
	w := clientWarning(openLoopResult(0.5, 100*time.Second, 50, 5))
	assert.Contains(t, w, "could not keep up with 0.5 req/s")
}

// At 0.3 req/s a 1s window holds one send: its throughput read 1 req/s, 3.3 times the
// rate offered, without a word.
func TestRunOpenLoopWindowShorterThanItsSendsSaysSo(t *testing.T) {
	t.Parallel()
	noop := InvokerFunc(func(context.Context, payload.Payload) error { return nil })
	res, err := Run(context.Background(), noop, Config{Rate: 0.3, Duration: time.Second, Payloads: onePayload})
	require.NoError(t, err)
	require.Equal(t, int64(1), res.Requests, "send 0 is due at the start of the window")
	var found string
	for _, w := range res.Warnings {
		if strings.Contains(w, "counts whole sends") {
			found = w
		}
	}
	require.NotEmpty(t, found, "warnings %q", res.Warnings)
	assert.Contains(t, found, "at 0.3 req/s")
	assert.Contains(t, found, "3.33 x the offered rate")
	assert.Contains(t, found, "at least 33.333s")

	long := openLoopResult(100, time.Second, 100, 0)
	for _, w := range long.Warnings {
		assert.NotContains(t, w, "counts whole sends", "100 sends make a rate")
	}
}
