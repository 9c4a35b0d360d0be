package sagebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// createEndpointBound is the most CreateEndpoint calls waitForSlot allows a candidate
// that waited for wait: its first create, one per LimitBackoff/2 of waiting (the step
// reaches a 200ms cap at once), and one per endpoint of the study deleted meanwhile.
// The bound only grows with the wall time measured, so a slow machine loosens it.
func createEndpointBound(wait, limitBackoff time.Duration, deleted int) int {
	return 1 + int(wait/(limitBackoff/2)) + 1 + deleted
}

// The account allows one endpoint; three candidates deploy at once. Each creates its
// model and endpoint configuration once, and while it waits sends CreateEndpoint within
// the stated bound per minute of waiting, not thousands of times a second.
func TestWaitingForAnEndpointSlotBacksOffAndKeepsModelAndConfig(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithMaxEndpoints(1))
	st := newStudy(t, study3()...)
	st.MaxParallel = 3
	st.LimitBackoff = 200 * time.Millisecond
	var ev events
	st.Events = ev.add
	start := time.Now()
	rep, err := st.Run(context.Background(), srv.Config())
	elapsed := time.Since(start)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Result, "%s: %v", o.Candidate.Name, o.Err)
	}
	assert.Positive(t, ev.count(sagebench.EventWaitingSlot), "some creates were refused")
	assert.Equal(t, 3, srv.Calls("CreateModel"), "a waiting candidate does not recreate its model")
	assert.Equal(t, 3, srv.Calls("CreateEndpointConfig"), "nor its endpoint configuration")
	assert.Equal(t, 3, srv.Calls("DeleteModel"))
	// Each candidate waits at most the whole run; three were deleted.
	bound := 3 * createEndpointBound(elapsed, st.LimitBackoff, 3)
	assert.LessOrEqual(t, srv.Calls("CreateEndpoint"), bound,
		"CreateEndpoint calls over %v of waiting (bound: 2 per LimitBackoff per candidate, plus wake-ups)", elapsed)
	t.Logf("CreateEndpoint %d in %v (bound %d)", srv.Calls("CreateEndpoint"), elapsed, bound)
	assertNothingLeft(t, srv, rep)
}
