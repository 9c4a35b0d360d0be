package sagebench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
)

// Study.Events no longer holds a run, but a Study with Sweep set also calls the user's
// Sweep.Progress, and bench.Sweep called it synchronously on the run's collector: a
// Sweep.Progress that blocks (a stuck terminal, a full channel) held the canceled sweep
// with the endpoint InService, billed by the hour, and Run never returned to delete it.
func TestReview2BlockedSweepProgressHoldsACanceledRun(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, time.Second, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	block := make(chan struct{})
	var once sync.Once
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}, StableWindows: 1, MaxWindows: 1,
		Progress: func(bench.SweepProgress) {
			once.Do(cancel) // the user gives up: Ctrl-C
			<-block
		}}
	done := make(chan struct{})
	var rep *sagebench.Report
	var err error
	go func() { rep, err = st.Run(ctx, srv.Config()); close(done) }()
	select {
	case <-done:
		close(block)
		assert.ErrorIs(t, err, context.Canceled)
		assertNothingLeft(t, srv, rep)
	case <-time.After(time.Minute): // a hang detector: Run returns in a few seconds
		left := srv.Leftovers()
		close(block)
		<-done
		t.Errorf("Run still running a minute after cancel (a blocked Sweep.Progress held it); leftovers then: %v", left)
	}
}

// When Events falls behind, up to 1024 stale EventMeasuring snapshots wait ahead of the
// events that end a candidate (EventMeasured with its Result, EventDeleted), and after the
// teardown Run waits at most 10s for all of them: a callback that is alive and keeps
// returning, only slower than the Interval (12ms a call, a slow terminal), never gets
// those events, although the doc promises that no event but a snapshot is dropped.
// Snapshots no longer live once the run is over must not cost the events that say
// what happened.
func TestReview2SlowEventsLosesTheEventsThatEndACandidate(t *testing.T) {
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

// With Sweep set, a live snapshot reached both Sweep.Progress and Events through the same
// *bench.Snapshot, and the two callbacks now run on different goroutines: a Sweep.Progress
// that adjusts its snapshot (rounds Elapsed for display) raced with an Events reading its
// own (go test -race reports it).
func TestReview2SweepProgressAndEventsShareASnapshot(t *testing.T) {
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
