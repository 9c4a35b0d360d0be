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
	"github.com/sagebench/sagebench/bench"
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

// An Events stuck on its first event does not hold the study: Events are delivered on a
// goroutine of their own, so every candidate is measured and Run returns.
func TestRunMeasuresBesideAStuckEvents(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// An Events callback that blocks (a stuck terminal, a full channel) does not hold a
// canceled run: Events have a goroutine of their own, so Run tears down and returns.
func TestRunReturnsOnCancelDespiteABlockedEvents(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, time.Second, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventMeasuring {
			cancel()
			<-block
		}
	}
	rep, err := runWithin(t, &st, ctx, srv)
	assert.ErrorIs(t, err, context.Canceled)
	assertNothingLeft(t, srv, rep)
}

// A Sweep.Progress that blocks (a stuck terminal, a full channel) does not hold a
// canceled sweep: Run tears the endpoint down and returns.
func TestRunReturnsOnCancelDespiteABlockedSweepProgress(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, time.Second, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	block := make(chan struct{})
	defer close(block)
	var once sync.Once
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}, StableWindows: 1, MaxWindows: 1,
		Progress: func(bench.SweepProgress) {
			once.Do(cancel) // the user gives up: Ctrl-C
			<-block
		}}
	rep, err := runWithin(t, &st, ctx, srv)
	assert.ErrorIs(t, err, context.Canceled)
	assertNothingLeft(t, srv, rep)
}

// An Events callback that is alive but slower than the Interval (12ms a call, a slow
// terminal) still gets the events that end a candidate (EventMeasured with its Result,
// EventDeleted, EventServerMetrics): stale EventMeasuring snapshots are dropped first,
// as the doc promises.
func TestSlowEventsStillGetsTheEventsThatEndACandidate(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, 3*time.Second, time.Millisecond
	var ev events
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventMeasuring {
			time.Sleep(12 * time.Millisecond) // a slow callback, not a synchronization
		}
		ev.add(e)
	}
	rep, err := runWithin(t, &st, context.Background(), srv)
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
	assert.Equal(t, 1, ev.count(sagebench.EventMeasured), "the candidate's EventMeasured")
	assert.Equal(t, 1, ev.count(sagebench.EventDeleted), "the candidate's EventDeleted")
	assert.Equal(t, 1, ev.count(sagebench.EventServerMetrics), "the candidate's EventServerMetrics")
}

// With Sweep set, Sweep.Progress and Events, which run on different goroutines, each get
// a *bench.Snapshot of their own: a Sweep.Progress that adjusts its snapshot (rounds
// Elapsed for display) does not race with an Events reading its own (go test -race).
func TestSweepProgressAndEventsGetSnapshotsOfTheirOwn(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, 300*time.Millisecond, 5*time.Millisecond
	st.Sweep = &bench.SweepConfig{Levels: []int{1}, StableWindows: 1, MaxWindows: 1,
		Progress: func(p bench.SweepProgress) {
			if p.Snapshot != nil {
				p.Snapshot.Elapsed = p.Snapshot.Elapsed.Round(time.Second)
			}
		}}
	var sum time.Duration
	st.Events = func(e sagebench.Event) {
		if e.Snapshot != nil {
			sum += e.Snapshot.Elapsed
		}
	}
	rep, err := runWithin(t, &st, context.Background(), srv)
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
}
