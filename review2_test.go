package sagebench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
