package httpinvoker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Readiness polling backs off from readyFirst to readyMax between polls: fast enough that a
// server that is up in a second is not waited on for long, slow enough that a model that
// takes minutes to load is not flooded with pings.
const (
	readyFirst   = 50 * time.Millisecond
	readyMax     = 2 * time.Second
	readyPerPoll = 5 * time.Second // a single poll that hangs longer counts as not ready
)

// WaitReady polls the readiness URL (GET /ping for SageMaker and TorchServe, the model's
// ready endpoint for KServe v2, or the URL given with WithReadyURL) until it answers 200,
// backing off between polls. It returns nil once the server is ready, and an error saying
// what the last poll saw when ctx ends first; give ctx a deadline for the longest model load
// you are willing to wait for.
func (inv *Invoker) WaitReady(ctx context.Context) error {
	if inv.readyURL == "" {
		return fmt.Errorf("httpinvoker: no readiness URL for %s: use a server constructor (SageMaker, TorchServe, KServeV2) or WithReadyURL", inv.url)
	}
	wait := readyFirst
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for polls := 1; ; polls++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("httpinvoker: %s not ready after %d polls: %w (last poll: %v)",
				inv.readyURL, polls-1, ctx.Err(), last)
		case <-timer.C:
		}
		if last = inv.poll(ctx); last == nil {
			return nil
		}
		timer.Reset(wait)
		wait = min(2*wait, readyMax)
	}
}

// poll makes one readiness request; nil means the server answered 200.
func (inv *Invoker) poll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyPerPoll)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, inv.readyURL, nil)
	if err != nil {
		return err
	}
	resp, err := inv.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return uerr.Err // "connection refused" says more than the URL repeated
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(http.MethodGet, inv.readyURL, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}
