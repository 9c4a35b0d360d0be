package sagebench_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// runWithin runs st against srv, failing the test rather than hanging it when Run does
// not return (the bound is far beyond any run's length: it is not a timing assertion).
func runWithin(t *testing.T, st *sagebench.Study, ctx context.Context, srv *sagemakertest.Server) (*sagebench.Report, error) {
	t.Helper()
	type out struct {
		rep *sagebench.Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := st.Run(ctx, srv.Config())
		done <- out{rep, err}
	}()
	select {
	case o := <-done:
		return o.rep, o.err
	case <-time.After(2 * time.Minute):
		t.Fatalf("Run did not return within 2 minutes; leftovers %v", srv.Leftovers())
		return nil, nil
	}
}

// Before Events was delivered on a goroutine of its own, an Events stuck on its first
// event held the study before its first deploy: nothing was measured and Run never
// returned.
func TestRunMeasuresBesideAStuckEvents(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()[:2]...)
	st.MaxParallel = 1
	block := make(chan struct{})
	defer close(block)
	var calls atomic.Int32
	st.Events = func(sagebench.Event) {
		calls.Add(1)
		<-block
	}
	rep, err := runWithin(t, &st, context.Background(), srv)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		assert.NotNil(t, o.Result, "%s is measured whatever Events does", o.Candidate.Name)
	}
	assert.Equal(t, int32(1), calls.Load(), "the stuck call is the only one")
	assertNothingLeft(t, srv, rep)
}

// A callback that keeps up gets every event, in order, never two at once, before Run
// returns: the asynchronous delivery loses nothing of a normal run.
func TestRunDeliversEveryEventInOrderBeforeReturning(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.MaxParallel = 2
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, 200*time.Millisecond, 20*time.Millisecond
	var mu sync.Mutex
	var inside atomic.Int32
	var got []sagebench.Event
	st.Events = func(e sagebench.Event) {
		if inside.Add(1) != 1 {
			t.Errorf("Events called twice at once, at %s", e)
		}
		defer inside.Add(-1)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e)
	}
	rep, err := runWithin(t, &st, context.Background(), srv)
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
	mu.Lock()
	defer mu.Unlock()
	for _, c := range st.Candidates {
		var kinds []sagebench.EventKind
		measuring := 0
		for _, e := range got {
			switch {
			case e.Candidate != c.Name:
			case e.Kind == sagebench.EventMeasuring:
				measuring++
			default:
				kinds = append(kinds, e.Kind)
			}
		}
		assert.Equal(t, []sagebench.EventKind{sagebench.EventDeploying, sagebench.EventInService, sagebench.EventMeasured,
			sagebench.EventDeleted, sagebench.EventServerMetrics}, kinds, c.Name)
		assert.Positive(t, measuring, "%s: its live snapshots", c.Name)
	}
	for _, c := range []sagebench.EventKind{sagebench.EventCompiling, sagebench.EventCompiled} {
		n := 0
		for _, e := range got {
			if e.Kind == c {
				n++
			}
		}
		assert.Equal(t, 1, n, "%s events: one target", c)
	}
}
