package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sagebench/sagebench/internal/deliver"
	"github.com/sagebench/sagebench/payload"
)

// Run drives load against inv as cfg says and returns the figures of the measured window.
//
// Closed loop (cfg.Rate == 0): cfg.Concurrency workers each send a request as soon as their
// last one returns. Open loop (cfg.Rate > 0): send n is due at start + n/cfg.Rate on the
// monotonic clock whatever the endpoint does, and its latency is counted from that intended
// time, so the lateness of a busy client or a stalled endpoint is in the figures.
//
// What is counted where (see Result for the fields):
//
//   - made: a request sent in the window (closed loop: completed in it; open loop: due in
//     it) that completed before its end counts in Requests, and in Errors if it failed;
//   - missed: an open-loop send due in the window that was never made (the backlog was
//     full, or the pacer fell behind) counts in Missed;
//   - unfinished: a request sent, or queued, in the window and not completed at its end
//     counts in Unfinished; it is then canceled. In open loop Requests + Missed +
//     Unfinished = Offered, the sends the schedule held.
//
// When cfg.Requests is set, the first cfg.Requests requests sent after the warmup are
// measured instead.
//
// Run stops at the end of cfg.Duration, after cfg.Requests measured requests, or when ctx
// is canceled, whichever comes first. A canceled run always returns ctx's error with a
// valid Result whose window ends at the cancellation (empty if ctx was done before Run).
//
// Run never panics or hangs on what the caller gives it: a panic in inv is counted as an
// error of class other, a panic in cfg.Progress stops further calls with a warning, a
// cfg.Progress that blocks neither slows the load nor holds Run past its end by more than
// a few seconds (see Config.Progress), and a request still inside an Invoke that ignores
// its canceled context 5s after the end is abandoned (it counts as unfinished, with a
// warning) so that Run returns regardless.
func Run(ctx context.Context, inv Invoker, cfg Config) (*Result, error) {
	if inv == nil {
		return nil, errors.New("bench: nil invoker")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return emptyResult(cfg, time.Now()), fmt.Errorf("bench: not started: %w", err)
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
	canceledAt        time.Time // set by the AfterFunc before it closes canceled
	canceled          chan struct{}

	recs         []*recorder
	coll         *collector
	tickets      atomic.Int64
	quotaReached atomic.Bool              // the last of cfg.Requests measured requests was sent
	alive        atomic.Int32             // workers still running
	backlog      chan time.Time           // open loop only; made before any goroutine starts
	queued       []time.Time              // sends left in the backlog at the end
	pacer        pacer                    // open loop only; read after the pacer has returned
	win          *windows                 // Sweep: the run is cut into consecutive windows
	gate         *gate                    // RunStages in closed loop: workers active by stage (stages.go)
	abandoned    int                      // requests abandoned past the end (see waitWorkers)
	prog         *deliver.Queue[Snapshot] // Progress's own goroutine, except in windowed runs
	progStats    deliver.Stats            // how prog went, once closed
}

func newRun(parent context.Context, inv Invoker, cfg Config) *run {
	r := &run{cfg: cfg, inv: inv, parent: parent, canceled: make(chan struct{})}
	r.ctx, r.stop = context.WithCancel(parent)
	r.begin = time.Now()
	r.start = r.begin.Add(cfg.Warmup)
	if cfg.Duration > 0 {
		r.end = r.start.Add(cfg.Duration)
	}
	r.coll = newCollector(r.start, cfg.Interval, cfg.Timeout, cfg.Concurrency)
	r.recs = make([]*recorder, cfg.Concurrency)
	for i := range r.recs {
		r.recs[i] = &recorder{id: i, hist: newHist(), coll: r.coll}
	}
	if cfg.openLoop() {
		r.backlog = make(chan time.Time, cfg.MaxBacklog)
		r.pacer = newPacer(r.begin, r.start, r.end, cfg.Rate)
	}
	return r
}

func (r *run) run() (*Result, error) {
	if !r.end.IsZero() && !r.cfg.openLoop() { // in open loop the pacer ends the run
		t := time.AfterFunc(time.Until(r.end), r.stop)
		defer t.Stop()
	}
	unwatch := context.AfterFunc(r.parent, func() {
		r.canceledAt = time.Now()
		close(r.canceled)
	})

	if r.cfg.Progress != nil && r.win == nil {
		r.prog = deliver.New(r.cfg.Progress, deliver.Options[Snapshot]{
			Droppable: func(Snapshot) bool { return true }, MaxDroppable: maxSnapshots})
	}
	collected := make(chan struct{})
	go r.collect(collected)

	var wg sync.WaitGroup
	if r.cfg.openLoop() {
		wg.Go(r.pace)
	}
	exited := make(chan struct{}, len(r.recs))
	for i, rec := range r.recs {
		r.alive.Add(1)
		go func() {
			defer r.alive.Add(-1)
			offset := i * len(r.cfg.Payloads) / len(r.recs)
			if r.cfg.openLoop() {
				r.openWorker(rec, offset)
			} else {
				r.closedWorker(rec, offset)
			}
			if rec.state.Load() != stateGone {
				rec.flush()
				exited <- struct{}{}
			}
		}()
	}
	r.waitWorkers(exited)
	wg.Wait()
	// Workers may see the cancellation before the AfterFunc has stamped its time: wait for
	// the stamp, so that a canceled run always knows when it was canceled.
	if !unwatch() {
		<-r.canceled
	} else if r.parent.Err() != nil {
		// The parent was canceled but unwatch won the AfterFunc's once before the
		// parent's cancel loop reached it: the AfterFunc will never run.
		r.canceledAt = time.Now()
	}
	if r.backlog != nil {
		for at := range r.backlog { // closed by the pacer
			r.queued = append(r.queued, at)
		}
	}
	if r.win != nil {
		canceled := !r.canceledAt.IsZero() && r.canceledAt.Before(r.end)
		r.finishWindows(!canceled && !r.win.enough.Load())
		close(r.coll.in)
		<-collected
		if canceled {
			return nil, r.parent.Err()
		}
		return nil, nil
	}
	close(r.coll.in)
	<-collected
	if r.prog != nil {
		r.progStats = r.prog.Close(progressStall, progressDrainLimit)
	}
	return r.result()
}

// Bounds of Run's wait, after the end of the run, for Progress to take the snapshots still
// queued: a call that has not returned for progressStall is stuck. At most maxSnapshots
// wait for a Progress that falls behind; the oldest are dropped first.
var (
	progressStall      = time.Second
	progressDrainLimit = 5 * time.Second
)

const maxSnapshots = 64

// abandonGrace is how long Run waits, after the end of a run, for requests still inside
// an Invoke that ignores its canceled context, before it abandons them.
var abandonGrace = 5 * time.Second

// waitWorkers waits until every worker has exited. A worker still inside Invoke
// abandonGrace after the run has ended (its invoker ignores the context) is abandoned:
// its request counts as unfinished and Run returns without it, so that an invoker that
// hangs cannot hold the caller, and the endpoint it pays for, forever.
func (r *run) waitWorkers(exited <-chan struct{}) {
	ended := r.ctx.Done()
	var grace <-chan time.Time
	for left := len(r.recs); left > 0; {
		select {
		case <-exited:
			left--
		case <-ended:
			ended = nil
			t := time.NewTimer(abandonGrace)
			defer t.Stop()
			grace = t.C
		case <-grace:
			grace = nil
			for _, rec := range r.recs {
				if rec.state.CompareAndSwap(stateInvoke, stateGone) {
					left--
					r.abandoned++
					if rec.counted {
						rec.cut = rec.sending
					}
					rec.flush()
				}
			}
		}
	}
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
	var pace *pacedWorker // ClientRate only
	if r.cfg.ClientRate > 0 {
		pace = newPacedWorker(r.cfg.ClientRate, rec.id, done)
		defer pace.stop()
	}
	for !r.stopped(done) {
		overdue := false
		if r.gate != nil { // stages.go: an idle worker waits for its stage
			if t0 = r.gate.wait(rec.id, t0, done); r.stopped(done) {
				return
			}
		}
		if pace != nil {
			// The request starts when its pace allows, and its latency from then.
			var sent time.Time
			if sent, overdue = pace.wait(); r.stopped(done) {
				return
			}
			t0 = sent
		}
		measured := !t0.Before(r.start)
		if r.cfg.Requests > 0 && measured {
			if tickets == 0 {
				if tickets = r.claimTickets(); tickets == 0 {
					return
				}
			}
			tickets--
		}
		rec.enter(t0, measured || r.cfg.Requests == 0)
		err := r.invoke(payloads[next])
		if !rec.leave() {
			return // abandoned: the recorder is Run's now
		}
		t1 := time.Now()
		if next++; next == len(payloads) {
			next = 0
		}
		if r.cut(done, t1) {
			if measured || r.cfg.Requests == 0 {
				rec.cut = t0 // in flight at the end
			}
			return
		}
		if r.counts(t1, measured) {
			lo := r.start
			if r.win != nil {
				r.advance(rec, t0, t1)
				lo = r.win.start(r, rec.winIdx)
			}
			rec.record(t1, t1.Sub(t0), err)
			if overdue {
				rec.overdue++
			}
			if t0.Before(lo) { // sent before the window: only its part inside was busy in it
				rec.preNS += toNS(lo.Sub(t0))
			}
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
		measured := !intended.Before(r.start)
		rec.enter(intended, measured)
		err := r.invoke(payloads[next])
		if !rec.leave() {
			return // abandoned: the recorder is Run's now
		}
		t1 := time.Now()
		if next++; next == len(payloads) {
			next = 0
		}
		if r.cut(done, t1) {
			if measured {
				rec.cut = intended
			}
			return
		}
		// intended carries a monotonic reading (it is begin plus an offset), so this
		// difference is immune to wall-clock steps.
		if r.counts(t1, measured) {
			if r.win != nil {
				r.advance(rec, time.Time{}, t1)
			}
			rec.record(t1, t1.Sub(intended), err)
		}
	}
}

// cut reports whether a request that completed at t1 straddles the end of the run or a
// cancellation: it was in flight at the end, so it is unfinished, not made.
func (r *run) cut(done <-chan struct{}, t1 time.Time) bool {
	return r.stopped(done) || !r.end.IsZero() && t1.After(r.end)
}

// counts reports whether a request that completed at t1, before the end, is measured.
// sent says whether it was sent (in open loop, due) after the warmup.
func (r *run) counts(t1 time.Time, sent bool) bool {
	switch {
	case t1.Before(r.start):
		return false // warmup
	case r.cfg.Requests > 0 || r.cfg.openLoop():
		return sent
	}
	return true
}

// invoke sends one request. A panic in the invoker is recovered and counted as an error
// of class other: left alone it would kill the process from a worker goroutine, past
// every defer of the caller, leaving whatever the caller was to clean up running.
func (r *run) invoke(p payload.Payload) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("bench: invoker panicked: %v", v)
		}
	}()
	if r.cfg.Timeout <= 0 {
		return r.inv.Invoke(r.ctx, p)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.Timeout)
	defer cancel()
	err = r.inv.Invoke(ctx, p)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &timeoutError{err: err, after: r.cfg.Timeout}
	}
	if ctx.Err() == nil {
		// The deadline's timer may not have fired yet on a busy machine: the clock, not
		// the timer, says whether the request outlasted Timeout.
		if dl, _ := ctx.Deadline(); time.Now().After(dl) {
			return &timeoutError{err: err, after: r.cfg.Timeout}
		}
	}
	return err
}

// timeoutError marks a request that outlasted Config.Timeout, whatever the invoker
// wrapped the deadline in, or returned: an invoker that ignores its context and returns
// nil late still timed out (err is then nil).
type timeoutError struct {
	err   error
	after time.Duration
}

func (e *timeoutError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("timed out after %v: the invoker ignored its context's deadline and returned late, with no error", e.after)
	}
	return fmt.Sprintf("timed out after %v: %v", e.after, e.err)
}
func (e *timeoutError) Unwrap() error      { return e.err }
func (e *timeoutError) ErrorClass() string { return string(ClassTimeout) }
