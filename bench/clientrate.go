package bench

import (
	"fmt"
	"time"

	"go.uber.org/ratelimit"
)

// overdueThreshold is when a capped closed loop warns that the endpoint, not the cap,
// set its pace: more than this fraction of its requests found their worker's next send
// already due when the previous request returned (see Config.ClientRate).
const overdueThreshold = 0.10

// pacedWorker paces one closed-loop worker at Config.ClientRate with a limiter of its own
// (go.uber.org/ratelimit, without slack: a request that outlasted the pace is not made up
// for by a burst). Its clock's Sleep returns at the end of the run, so a slow pace never
// holds a worker past it.
type pacedWorker struct {
	lim   ratelimit.Limiter
	clock *paceClock
	taken bool // whether the worker has sent a request yet
}

func newPacedWorker(rate float64, worker int, done <-chan struct{}) *pacedWorker {
	c := &paceClock{base: time.Now(), done: done}
	if paceClockFor != nil {
		c.test = paceClockFor(worker)
	}
	per := time.Duration(float64(time.Second) / rate)
	return &pacedWorker{
		clock: c,
		lim:   ratelimit.New(1, ratelimit.Per(per), ratelimit.WithoutSlack, ratelimit.WithClock(c)),
	}
}

// wait blocks until the worker may send its next request and returns the time of the
// send, and whether it was overdue: the previous request returned after the send was
// due, so the endpoint, not the cap, set its time. The first send of a worker is never
// overdue.
func (p *pacedWorker) wait() (send time.Time, overdue bool) {
	c := p.clock
	c.slept = false
	p.lim.Take()
	overdue = p.taken && !c.slept
	p.taken = true
	if c.slept || c.test != nil {
		return time.Now(), overdue
	}
	// No wait: the limiter's own clock read is the send time (one clock read the less
	// per request when the endpoint, not the cap, sets the pace).
	return c.last, overdue
}

// paceClock is the clock of one worker's limiter. Now counts on the monotonic clock
// (ratelimit reads UnixNano, which a wall-clock step would move); Sleep ends early at the
// end of the run and records that the worker waited for its pace.
type paceClock struct {
	base  time.Time
	done  <-chan struct{}
	timer *time.Timer
	slept bool
	last  time.Time       // the last time Now returned, with its monotonic reading
	test  ratelimit.Clock // tests only: a virtual clock instead of the real one
}

// paceClockFor, if set (by tests), gives each worker's limiter a clock of the test's.
var paceClockFor func(worker int) ratelimit.Clock

func (c *paceClock) Now() time.Time {
	if c.test != nil {
		return c.test.Now()
	}
	c.last = c.base.Add(time.Since(c.base))
	return c.last
}

func (c *paceClock) Sleep(d time.Duration) {
	c.slept = true
	if c.test != nil {
		c.test.Sleep(d)
		return
	}
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d) // safe without draining since Go 1.23
	}
	select {
	case <-c.timer.C:
	case <-c.done:
	}
}

// stop releases the worker's timer.
func (p *pacedWorker) stop() {
	if p.clock.timer != nil {
		p.clock.timer.Stop()
	}
}

// warnPace adds the warnings of a capped closed loop: a window too short for its cap
// (its throughput counts whole sends, each worker's first not paced, as an open loop's
// under minOpenLoopSends does), and an endpoint that set the pace.
func (r *Result) warnPace() {
	if capped := r.ClientRate * float64(max(r.Concurrency, 1)); capped > 0 && r.Elapsed > 0 {
		if sends := capped * r.Elapsed.Seconds(); sends < minOpenLoopSends {
			r.Warnings = append(r.Warnings, fmt.Sprintf(
				"the %v window holds only %s sends for %d workers capped at %s req/s each: its throughput (%s req/s, %s x the cap) counts whole sends, each worker's first unpaced, not a rate; measure for at least %v (%d sends)",
				r.Elapsed.Round(time.Millisecond), formatRate(sends), max(r.Concurrency, 1), formatRate(r.ClientRate),
				formatThroughput(r.Throughput), formatRate(r.Throughput/capped),
				time.Duration(minOpenLoopSends/capped*float64(time.Second)).Round(time.Millisecond), minOpenLoopSends))
		}
	}
	if r.ClientRate <= 0 || r.Requests == 0 || float64(r.Overdue) <= overdueThreshold*float64(r.Requests) {
		return
	}
	pace := time.Duration(float64(time.Second) / r.ClientRate)
	r.Warnings = append(r.Warnings, fmt.Sprintf(
		"the endpoint, not the cap, set the pace: %d workers capped at %s req/s each could send %s req/s, and %d of %d requests were sent late because the previous one outlasted the %v between sends (mean latency %v)",
		r.Concurrency, formatRate(r.ClientRate), formatRate(r.ClientRate*float64(r.Concurrency)),
		r.Overdue, r.Requests, pace.Round(time.Microsecond), r.LatencyAll.Mean.Round(time.Microsecond)))
}
