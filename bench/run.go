package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/ratelimit"

	"github.com/sagebench/sagebench/payload"
)

// Run drives load against inv as cfg says and returns the figures of the measured window.
//
// Closed loop (cfg.Rate == 0): cfg.Concurrency workers each send a request as soon as their
// last one returns. Open loop (cfg.Rate > 0): requests are scheduled at cfg.Rate per second
// whatever the endpoint does, and latency is counted from the intended send time.
//
// A request belongs to the measured window when it completes inside it; when cfg.Requests
// is set, the first cfg.Requests requests sent after the warmup are measured instead.
// Requests still in flight when the run stops are canceled and not counted.
//
// Run stops at the end of cfg.Duration, after cfg.Requests measured requests, or when ctx
// is canceled, whichever comes first. On cancellation it stops every worker, and returns
// the partial Result together with ctx's error.
func Run(ctx context.Context, inv Invoker, cfg Config) (*Result, error) {
	if inv == nil {
		return nil, errors.New("bench: nil invoker")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: not started: %w", err)
	}
	r := newRun(ctx, inv, cfg)
	defer r.stop()
	return r.run()
}

// run is the state of one Run call.
type run struct {
	cfg    Config
	inv    Invoker
	parent context.Context
	ctx    context.Context // canceled at the end of the run, whatever ends it
	stop   context.CancelFunc

	begin, start, end time.Time // end is zero when there is no Duration
	canceledAt        atomic.Pointer[time.Time]

	recs         []*recorder
	coll         *collector
	tickets      atomic.Int64
	quotaReached atomic.Bool    // the last of cfg.Requests measured requests was sent
	alive        atomic.Int32   // workers still running
	backlog      chan time.Time // open loop only
	missed       int64          // written by the pacer only
	maxDepth     int            // written by the pacer only
}

func newRun(parent context.Context, inv Invoker, cfg Config) *run {
	r := &run{cfg: cfg, inv: inv, parent: parent}
	r.ctx, r.stop = context.WithCancel(parent)
	r.begin = time.Now()
	r.start = r.begin.Add(cfg.Warmup)
	if cfg.Duration > 0 {
		r.end = r.start.Add(cfg.Duration)
	}
	r.coll = newCollector(r.start, cfg.Interval, cfg.Timeout, cfg.Concurrency)
	r.recs = make([]*recorder, cfg.Concurrency)
	for i := range r.recs {
		r.recs[i] = &recorder{hist: newHist(), coll: r.coll}
	}
	return r
}

func (r *run) run() (*Result, error) {
	if !r.end.IsZero() {
		t := time.AfterFunc(time.Until(r.end), r.stop)
		defer t.Stop()
	}
	unwatch := context.AfterFunc(r.parent, func() {
		now := time.Now()
		r.canceledAt.Store(&now)
	})
	defer unwatch()

	collected := make(chan struct{})
	go r.collect(collected)

	var wg sync.WaitGroup
	if r.cfg.openLoop() {
		r.backlog = make(chan time.Time, r.cfg.MaxBacklog)
		wg.Go(r.pace)
	}
	for i, rec := range r.recs {
		r.alive.Add(1)
		wg.Go(func() {
			defer r.alive.Add(-1)
			defer rec.flush()
			offset := i * len(r.cfg.Payloads) / len(r.recs)
			if r.cfg.openLoop() {
				r.openWorker(rec, offset)
			} else {
				r.closedWorker(rec, offset)
			}
		})
	}
	wg.Wait()
	close(r.coll.in)
	<-collected
	return r.result()
}

// stopped reports whether the run has ended; workers check it after every request so
// that one straddling the end is not counted.
func (r *run) stopped(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

func (r *run) closedWorker(rec *recorder, next int) {
	done := r.ctx.Done()
	payloads := r.cfg.Payloads
	var tickets int64 // measured requests this worker may still send, in Requests mode
	// One clock read per request: a request starts when the previous one returned. The
	// engine's own work between the two (about 100 ns, see BenchmarkRunNoop) is below
	// the histograms' 1 us resolution, and the read costs as much as the work.
	t0 := time.Now()
	for !r.stopped(done) {
		measured := !t0.Before(r.start)
		if r.cfg.Requests > 0 && measured {
			if tickets == 0 {
				if tickets = r.claimTickets(); tickets == 0 {
					return
				}
			}
			tickets--
		}
		err := r.invoke(payloads[next])
		t1 := time.Now()
		if next++; next == len(payloads) {
			next = 0
		}
		if r.counts(done, t1, measured) {
			rec.record(t1, t1.Sub(t0), err)
		}
		t0 = t1
	}
}

// ticketChunk is the most measured requests a worker claims at once in Requests mode, so
// that workers touch the shared counter once per chunk, not once per request.
const ticketChunk = 16

// claimTickets claims some of the cfg.Requests measured requests: up to ticketChunk while
// many are left, one at a time near the end so that every worker stops at about the same
// moment (an uneven tail with few workers busy would skew throughput and Little's law).
func (r *run) claimTickets() int64 {
	limit := r.cfg.Requests
	left := limit - r.tickets.Load()
	chunk := min(ticketChunk, max(1, left/int64(8*len(r.recs))))
	n := r.tickets.Add(chunk)
	got := min(chunk, limit-(n-chunk))
	if got <= 0 {
		return 0
	}
	if n >= limit {
		r.quotaReached.Store(true)
	}
	return got
}

func (r *run) openWorker(rec *recorder, next int) {
	done := r.ctx.Done()
	payloads := r.cfg.Payloads
	for {
		var intended time.Time
		var ok bool
		select {
		case <-done:
			return
		case intended, ok = <-r.backlog:
			if !ok {
				return
			}
		}
		rec.busy.Store(true)
		err := r.invoke(payloads[next])
		rec.busy.Store(false)
		t1 := time.Now()
		if next++; next == len(payloads) {
			next = 0
		}
		// intended carries no monotonic reading, so this is a wall-clock difference.
		if r.counts(done, t1, !intended.Before(r.start)) {
			rec.record(t1, t1.Sub(intended), err)
		}
	}
}

// counts reports whether a request that completed at t1 is measured. sentInWindow says
// whether it was sent (or, in open loop, scheduled) after the warmup.
func (r *run) counts(done <-chan struct{}, t1 time.Time, sentInWindow bool) bool {
	switch {
	case r.stopped(done):
		return false // straddles the end or a cancellation
	case t1.Before(r.start):
		return false // warmup
	case !r.end.IsZero() && t1.After(r.end):
		return false
	case r.cfg.Requests > 0:
		return sentInWindow
	}
	return true
}

func (r *run) invoke(p payload.Payload) error {
	if r.cfg.Timeout <= 0 {
		return r.inv.Invoke(r.ctx, p)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.Timeout)
	err := r.inv.Invoke(ctx, p)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = &timeoutError{err: err, after: r.cfg.Timeout}
	}
	cancel()
	return err
}

// pace schedules open-loop sends with go.uber.org/ratelimit. Its clock sleeps on a timer
// that the run's end interrupts, so a slow rate never delays a stop.
func (r *run) pace() {
	defer close(r.backlog)
	done := r.ctx.Done()
	period := max(time.Duration(float64(time.Second)/r.cfg.Rate), time.Nanosecond)
	// The slack lets the pacer catch up after a late wake-up of up to 100 ms (at least 10
	// sends): with the default of 10 sends, a 5000 req/s run loses every hiccup over 2 ms.
	slack := max(10, int(r.cfg.Rate/10))
	rl := ratelimit.New(1, ratelimit.Per(period), ratelimit.WithSlack(slack), ratelimit.WithClock(&stopClock{done: done}))
	var sent int64
	for {
		intended := rl.Take()
		if r.stopped(done) {
			return
		}
		if intended.Before(r.start) {
			select {
			case r.backlog <- intended:
			default: // warmup: a missed send is not reported
			}
			continue
		}
		select {
		case r.backlog <- intended:
			r.maxDepth = max(r.maxDepth, len(r.backlog))
		default:
			r.missed++
			continue // a missed send is not a request: Requests counts sends only
		}
		if sent++; r.cfg.Requests > 0 && sent >= r.cfg.Requests {
			r.quotaReached.Store(true)
			return
		}
	}
}

// stopClock is ratelimit's clock with an interruptible sleep. Only the pacer goroutine
// sleeps on it, so one timer serves every request.
type stopClock struct {
	done  <-chan struct{}
	timer *time.Timer
}

func (*stopClock) Now() time.Time { return time.Now() }

func (c *stopClock) Sleep(d time.Duration) {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d) // safe without draining since Go 1.23
	}
	select {
	case <-c.timer.C:
	case <-c.done:
		c.timer.Stop()
	}
}

// timeoutError marks an error caused by Config.Timeout, whatever the invoker wrapped it in.
type timeoutError struct {
	err   error
	after time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("timed out after %v: %v", e.after, e.err)
}
func (e *timeoutError) Unwrap() error      { return e.err }
func (e *timeoutError) ErrorClass() string { return ClassTimeout }
