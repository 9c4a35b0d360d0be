package bench_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

// An invoker that ignores its context: it holds every request for 200 ms and returns nil,
// or a plain error, past a 50 ms Timeout. Every such request counts as a timeout, the nil
// ones too, never as a success at p50 200 ms with no error and no warning.
func TestRunCountsARequestOutlastingTimeoutAsATimeoutWhateverTheInvokerReturns(t *testing.T) {
	t.Parallel()
	for name, ret := range map[string]error{"nil": nil, "a plain error": errors.New("connection reset")} {
		t.Run(name, func(t *testing.T) {
			var inside atomic.Int64
			inv := bench.InvokerFunc(func(context.Context, payload.Payload) error {
				inside.Add(1)
				defer inside.Add(-1)
				time.Sleep(200 * time.Millisecond) // ignores ctx: the defect under test
				return ret
			})
			res, err := bench.Run(context.Background(), inv, bench.Config{
				Concurrency: 2, Requests: 4, Timeout: 50 * time.Millisecond, Payloads: body,
			})
			require.NoError(t, err)
			assert.Equal(t, int64(4), res.Requests)
			assert.Equal(t, int64(4), res.Errors)
			assert.Equal(t, int64(4), res.ErrorsByClass[bench.ClassTimeout])
			assert.Contains(t, res.ErrorSamples[bench.ClassTimeout], "timed out after 50ms")
			assert.Zero(t, res.Throughput)
			assert.GreaterOrEqual(t, res.LatencyAll.P50, 200*time.Millisecond, "the real latency, not Timeout")
			assert.Zero(t, inside.Load(), "no request is left running: Run abandons none before its end")
		})
	}
}

// Timeout: 100 is 100 ns, a unit slip as Interval: 100 and SLO{Max: 100} are: every
// request would time out. It is refused, with the bound it probably meant, before any
// request is sent; a microsecond is the finest Timeout, as it is the finest latency.
func TestRunRefusesATimeoutUnderAMicrosecond(t *testing.T) {
	var calls atomic.Int64
	inv := bench.InvokerFunc(func(context.Context, payload.Payload) error { calls.Add(1); return nil })
	cfg := bench.Config{Timeout: 100, Requests: 5, Payloads: []payload.Payload{{Name: "p", Body: []byte("x")}}}
	_, err := bench.Run(context.Background(), inv, cfg)
	require.ErrorContains(t, err, "timeout 100ns is under 1µs (did you mean 100ms?)")
	assert.Zero(t, calls.Load())
	assert.Error(t, cfg.Validate())

	cfg.Timeout = time.Microsecond
	_, err = bench.Run(context.Background(), inv, cfg)
	assert.NoError(t, err)
}
