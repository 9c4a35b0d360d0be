// Package benchtest provides a fake bench.Invoker for testing load generators, sweeps and
// reports without an endpoint, in the way net/http/httptest provides a fake server.
//
// The fake behaves like a model server whose behaviour you choose: how long a call takes
// (a latency Distribution), how many calls it serves at once (WithCapacity), which calls fail
// and how (WithErrorRate, WithErrorEvery), and a one-off stop-the-world pause (WithStall).
// It counts what it saw, so a test can check the load generator against the truth:
//
//	fake := benchtest.New(
//		benchtest.WithLatency(benchtest.LogNormal(20*time.Millisecond, 0.3)),
//		benchtest.WithCapacity(4),
//		benchtest.WithErrorEvery(100, benchtest.ErrThrottled),
//	)
//	res, err := bench.Run(ctx, fake, cfg)
//	// fake.MaxInFlight() <= 4; res.Throughput <= 4/20ms; res.ErrorsByClass["throttled"] > 0
//
// Calls() counts every call, including warm-up and calls cut off when a run ends (those
// return their context's error and are counted by Canceled, not Errors).
//
// Random draws are seeded (WithSeed) and depend only on the call's arrival number, so a
// run is reproducible given the order of calls.
//
// Options are functional: WithX values of type Option, passed to New, which clamps an
// out-of-range value as each option documents rather than fail.
package benchtest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

var _ bench.Invoker = (*Invoker)(nil)

// Invoker is a fake bench.Invoker. Make one with New; it is safe for concurrent use, and its
// counters may be read while calls are under way.
type Invoker struct {
	opts  options
	seed  uint64 // opts.seed, mixed so nearby seeds give unrelated streams
	slots chan struct{}
	epoch time.Time // stall times are kept as monotonic nanoseconds since epoch

	calls, errs, canceled, bytes atomic.Int64
	inFlight, maxInFlight        atomic.Int64
	stallStart                   atomic.Int64 // -1 until the stall begins
}

// New returns a fake invoker configured by opts. With no options every call succeeds at
// once.
func New(opts ...Option) *Invoker {
	o := options{seed: 1}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	f := &Invoker{opts: o, seed: mix(o.seed), epoch: time.Now()}
	if o.capacity > 0 {
		f.slots = make(chan struct{}, o.capacity)
	}
	f.stallStart.Store(-1)
	return f
}

// Invoke waits for a free slot if capacity is limited, holds the call for its latency and
// returns nil or the injected error. If ctx ends first, it returns ctx.Err() at once.
func (f *Invoker) Invoke(ctx context.Context, p payload.Payload) error {
	n := f.calls.Add(1)
	f.bytes.Add(int64(len(p.Body)))
	stalling := n == f.opts.stallCall
	if stalling {
		f.stallStart.Store(f.now())
	}
	if err := ctx.Err(); err != nil {
		f.canceled.Add(1)
		return err
	}
	if f.slots != nil {
		select {
		case f.slots <- struct{}{}:
		case <-ctx.Done():
			f.canceled.Add(1)
			return ctx.Err()
		}
	}
	f.enter()
	err := f.serve(ctx, n, stalling)
	f.inFlight.Add(-1)
	if f.slots != nil {
		<-f.slots
	}
	if err != nil {
		f.canceled.Add(1)
		return err
	}
	if err := f.injected(n); err != nil {
		f.errs.Add(1)
		return err
	}
	return nil
}

func (f *Invoker) enter() {
	cur := f.inFlight.Add(1)
	for {
		m := f.maxInFlight.Load()
		if cur <= m || f.maxInFlight.CompareAndSwap(m, cur) {
			return
		}
	}
}

// serve holds call n for its latency, then for whatever part of the stall it overlapped.
func (f *Invoker) serve(ctx context.Context, n int64, stalling bool) error {
	var d time.Duration
	if !stalling && f.opts.latency != nil {
		d = f.opts.latency(uniform(f.seed, n, streamLatency))
	}
	if f.opts.stallFor == 0 {
		return sleep(ctx, d)
	}
	start := f.now()
	if err := sleep(ctx, d); err != nil {
		return err
	}
	return sleep(ctx, f.stallOverlap(start, start+int64(d)))
}

// stallOverlap returns how much longer a call served over [start, end) must wait because the
// world stopped during it. The pause is seen by every call that wakes after it began, since
// the stalling call records its start before anyone could be waiting on it.
func (f *Invoker) stallOverlap(start, end int64) time.Duration {
	a := f.stallStart.Load()
	if a < 0 {
		return 0
	}
	b := a + int64(f.opts.stallFor)
	if start >= b || end < a {
		return 0
	}
	return time.Duration(b - max(start, a))
}

func (f *Invoker) injected(n int64) error {
	if f.opts.every > 0 && n%f.opts.every == 0 {
		return f.opts.everyErr
	}
	if f.opts.rate > 0 && uniform(f.seed, n, streamError) < f.opts.rate {
		return f.opts.rateErr
	}
	return nil
}

func (f *Invoker) now() int64 { return int64(time.Since(f.epoch)) }

// Calls returns how many times Invoke was called, including calls still waiting or in
// service and calls that ended by their context.
func (f *Invoker) Calls() int64 { return f.calls.Load() }

// Errors returns how many calls returned an injected error. Calls ended by their context
// are counted by Canceled instead.
func (f *Invoker) Errors() int64 { return f.errs.Load() }

// Canceled returns how many calls returned their context's error, while queued or in
// service.
func (f *Invoker) Canceled() int64 { return f.canceled.Load() }

// Bytes returns the total payload body bytes of all calls.
func (f *Invoker) Bytes() int64 { return f.bytes.Load() }

// InFlight returns how many calls are in service now (holding a capacity slot; calls
// queued for one are not counted).
func (f *Invoker) InFlight() int64 { return f.inFlight.Load() }

// MaxInFlight returns the most calls that were ever in service at once. With WithCapacity(k)
// it never exceeds k; without it, it shows the concurrency the load generator achieved.
func (f *Invoker) MaxInFlight() int64 { return f.maxInFlight.Load() }

// timers recycles hold timers so a call costs no allocation. Since Go 1.23 a stopped or
// reset timer never delivers a stale tick, which is what makes reuse safe.
var timers sync.Pool

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t, _ := timers.Get().(*time.Timer)
	if t == nil {
		t = time.NewTimer(d)
	} else {
		t.Reset(d)
	}
	select {
	case <-t.C:
		timers.Put(t)
		return nil
	case <-ctx.Done():
		t.Stop()
		timers.Put(t)
		return ctx.Err()
	}
}

// Each call draws from its own points of a counter-based generator (SplitMix64 over seed and
// call number), so draws need no lock and do not depend on goroutine scheduling.
const (
	streamLatency = 0
	streamError   = 1
)

func uniform(seed uint64, n int64, stream uint64) float64 {
	z := mix(seed + (uint64(n)*2+stream)*0x9E3779B97F4A7C15)
	return (float64(z>>11) + 0.5) / (1 << 53) // in (0, 1): never 0 or 1, so quantiles stay finite
}

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
