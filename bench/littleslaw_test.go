package bench_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

// An invoker that fails at once: each request takes well under a microsecond (without
// -race). Time in
// flight was summed in whole microseconds, so these requests added nothing and Little's
// law read "BROKEN" (ratio 0.13) for a worker that was never idle. Each worker starts its
// next request when the last returns, so its time in flight covers the whole window,
// whatever the machine's load: the ratio is 1 up to the window's edges.
func TestLittlesLawHoldsForRequestsUnderAMicrosecond(t *testing.T) {
	fail := errors.New("refused")
	inv := bench.InvokerFunc(func(context.Context, payload.Payload) error { return fail })
	res, err := bench.Run(context.Background(), inv, bench.Config{
		Concurrency: 2, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Payloads: body,
	})
	require.NoError(t, err)
	require.Positive(t, res.Errors)
	require.NotNil(t, res.LittlesLaw)
	assert.True(t, res.LittlesLaw.Holds, res.LittlesLaw.String())
	assert.False(t, hasWarning(res, "BROKEN"), "warnings %q", res.Warnings)
}
