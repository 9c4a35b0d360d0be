package sagebench

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The wait after the n-th refusal is between half and all of min(1s x 2^(n-1), limit):
// never shorter, so that the calls a waiting candidate sends have a hard bound.
func TestBackoffStepGrowsWithJitterUpToTheLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []time.Duration{200 * time.Millisecond, time.Minute} {
		for n := 1; n <= 40; n++ {
			step := limit
			if n <= 30 {
				step = min(time.Second<<(n-1), limit)
			}
			for range 20 {
				if d := backoffStep(n, limit); d < step/2 || d > step {
					t.Fatalf("backoffStep(%d, %v) = %v, want within [%v, %v]", n, limit, d, step/2, step)
				}
			}
		}
	}
}

// A candidate waiting for a slot wakes when one of the study's endpoints is deleted,
// long before its backoff ends, and at once when one was deleted while its refused
// create was on its way.
func TestWaitForSlotWakesWhenAStudyEndpointIsDeleted(t *testing.T) {
	t.Parallel()
	rs := &resources{freed: make(chan struct{})}
	r := &run{s: &Study{LimitBackoff: time.Hour}, res: rs}
	wait := r.waitForSlot(Candidate{Name: "c"})
	refused := errors.New("ResourceLimitExceeded")

	done := make(chan error, 1)
	go func() { done <- wait(context.Background(), 20, refused) }() // a backoff of 30 to 60 minutes
	select {
	case err := <-done:
		t.Fatalf("returned (%v) while no endpoint was deleted", err)
	case <-time.After(50 * time.Millisecond):
	}
	rs.signalFreed()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still waiting after an endpoint of the study was deleted")
	}

	rs.signalFreed() // deleted while the next create was on its way
	go func() { done <- wait(context.Background(), 21, refused) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("waited although an endpoint was deleted since the refused create")
	}
}
