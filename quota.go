package sagebench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// waitForSlot is the sagemaker.EndpointSpec.WaitForSlot of candidate c: Deploy keeps
// the model and endpoint configuration it created and sends only CreateEndpoint again
// after each wait. The wait grows exponentially from one second with equal jitter (half
// the step, plus a random part of the other half: "Exponential Backoff And Jitter", AWS
// Architecture Blog), capped at Study.LimitBackoff, and ends early when one of the
// study's own endpoints is deleted (or was, since the refused create was sent). So a
// waiting candidate sends at most one CreateEndpoint per LimitBackoff/2 once the
// step reaches its cap, about 7 in its first minute under the default 1m cap, plus one
// per endpoint of the study deleted meanwhile; it gives up after Study.LimitWait.
func (r *run) waitForSlot(c Candidate) func(context.Context, int, error) error {
	limit := orDuration(r.s.LimitBackoff, time.Minute)
	total := orDuration(r.s.LimitWait, 30*time.Minute)
	deadline := time.Now().Add(total)
	_, seen := r.res.slotFreed() // the deletions before the first create
	return func(ctx context.Context, refusals int, err error) error {
		if time.Now().After(deadline) {
			return fmt.Errorf("the account's endpoint limit refused it for %v: %w", total, err)
		}
		r.emit(Event{Kind: EventWaitingSlot, Candidate: c.Name, Reason: "ResourceLimitExceeded"})
		freed, gen := r.res.slotFreed()
		if gen != seen { // an endpoint was deleted while the refused create was on its way
			seen = gen
			return nil
		}
		t := time.NewTimer(min(backoffStep(refusals, limit), time.Until(deadline)+time.Millisecond))
		defer t.Stop()
		select {
		case <-freed:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		_, seen = r.res.slotFreed()
		return nil
	}
}

// backoffStep is the wait after the n-th refusal: half of min(1s x 2^(n-1), limit),
// plus a random part of the other half.
func backoffStep(n int, limit time.Duration) time.Duration {
	step := limit
	if n >= 1 && n <= 30 {
		step = min(time.Second<<(n-1), limit)
	}
	half := step / 2
	return half + rand.N(step-half+1)
}
