package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/payload"
)

// unsupportedType is a model refusing the request's content type: a client error.
type unsupportedType struct{}

func (unsupportedType) Error() string       { return "model returned status 415: unsupported content type" }
func (unsupportedType) HTTPStatusCode() int { return 415 }

func TestSnapshotSplitsErrorsByClass(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	inv := InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		if err := sleeper(time.Millisecond)(ctx, p); err != nil {
			return err
		}
		if n.Add(1)%2 == 0 {
			return unsupportedType{}
		}
		return errors.New("connection reset")
	})
	var snaps []Snapshot
	res, err := Run(context.Background(), inv, Config{
		Concurrency: 2, Duration: 500 * time.Millisecond, Interval: 100 * time.Millisecond,
		Payloads: onePayload, Progress: func(s Snapshot) { snaps = append(snaps, s) },
	})
	require.NoError(t, err)
	require.Positive(t, res.Errors)
	seen := false
	for _, s := range snaps {
		var sum int64
		for c, k := range s.ErrorsByClass {
			assert.Contains(t, []ErrorClass{ClassClientError, ClassOther}, c)
			sum += k
		}
		assert.Equal(t, s.Errors, sum, "a snapshot's classes add up to its errors")
		seen = seen || s.ErrorsByClass[ClassClientError] > 0
	}
	assert.True(t, seen, "no snapshot counted the client errors: %+v", snaps)
}
