package bench

import (
	"math"
	"time"
)

// ClientSlack is how late the open-loop pacer may release a send before the send counts
// in Result.ClientLate: beyond it the load generator itself, not the endpoint, delayed
// the request (a CPU-starved client, a rate beyond what one goroutine can schedule).
const ClientSlack = time.Millisecond

// ClientFaultThreshold is when the load generator's own lateness is material: a Result
// warns that the load generator could not keep up only when the sends it missed
// (ClientMissed) and released over ClientSlack late (ClientLate) are more than this
// fraction of the sends offered. Below it the lateness is counted in the latencies,
// which stay honest, and bends no figure by more than the fraction: one send 1 ms late
// out of 600 is no warning, seven are.
const ClientFaultThreshold = 0.01

// minOpenLoopSends is the fewest sends an open-loop window should hold for its
// throughput to read as a rate: a Result whose window holds fewer (Rate x Elapsed) warns
// that its throughput counts whole sends (one send in a 1s window at 0.3 req/s reads
// 1 req/s, 3.3 times the rate offered).
const minOpenLoopSends = 10

// pacer is the open-loop schedule: send n is due at begin + n/rate, on the monotonic
// clock. It is arithmetic, never a rate limiter's answer: go.uber.org/ratelimit returns
// time.Now() for a permit already due, which stamps every catch-up send "on time" and
// hides the lateness from the latency (coordinated omission by the client itself).
type pacer struct {
	begin, start, end time.Time
	rate              float64
	sched             *schedule // RunStages: the rate varies by stage; nil: rate holds
	first             int64     // index of the first send due at or after start

	next       int64 // next send to release; after the run, every send before it was handled
	sent       int64 // measured sends released to the backlog
	missed     int64 // measured sends dropped
	clientMiss int64 // of missed, those the client is to blame for
	late       int64 // measured sends released more than ClientSlack late
	maxDepth   int
}

func newPacer(begin, start, end time.Time, rate float64) pacer {
	p := pacer{begin: begin, start: start, end: end, rate: rate}
	p.first = int64(math.Ceil(start.Sub(begin).Seconds() * rate))
	for p.first > 0 && !p.at(p.first-1).Before(start) {
		p.first--
	}
	for p.at(p.first).Before(start) {
		p.first++
	}
	return p
}

// at is the intended time of send n. It keeps begin's monotonic reading.
func (p *pacer) at(n int64) time.Time {
	if p.sched != nil {
		return p.begin.Add(p.sched.at(n))
	}
	return p.begin.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
}

// dueBy is the number of sends due at or before t: sends 0 .. dueBy(t)-1.
func (p *pacer) dueBy(t time.Time) int64 {
	n := int64(t.Sub(p.begin).Seconds()*p.rate) + 1
	if p.sched != nil {
		n = int64(p.sched.count(t.Sub(p.begin))) + 1
	}
	for n > 0 && p.at(n-1).After(t) {
		n--
	}
	for !p.at(n).After(t) {
		n++
	}
	return n
}

// measuredIn counts the measured sends among sends a .. b-1.
func (p *pacer) measuredIn(a, b int64) int64 { return max(0, b-max(a, p.first)) }

// before is the number of sends due strictly before t: sends 0 .. before(t)-1.
func (p *pacer) before(t time.Time) int64 {
	n := p.dueBy(t)
	if n > 0 && !p.at(n-1).Before(t) {
		n--
	}
	return n
}

// settle counts as missed every measured send due before end that the pacer never
// handled: it was behind, or the run was canceled while it slept. It runs after the
// pacer has returned.
func (p *pacer) settle(end time.Time) {
	n := p.measuredIn(p.next, p.before(end))
	p.missed += n
	p.clientMiss += n
}

// offered is the number of measured sends the schedule holds in [start, end).
func (p *pacer) offered(end time.Time) int64 { return p.measuredIn(0, p.before(end)) }

// pace releases open-loop sends into the backlog at their intended times. It sleeps on
// one timer that the run's end interrupts, so a slow rate never delays a stop. A send
// due while the backlog is full is missed; when the pacer wakes late, every send already
// due is released at once (or missed), never forgiven.
func (r *run) pace() {
	defer close(r.backlog)
	p := &r.pacer
	done := r.ctx.Done()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	sleep := func(until time.Time) bool {
		wait := time.Until(until)
		if wait <= 0 {
			return !r.stopped(done)
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait) // safe without draining since Go 1.23
		}
		select {
		case <-timer.C:
			return true
		case <-done:
			return false
		}
	}
	for ; ; p.next++ {
		at := p.at(p.next)
		if !p.end.IsZero() && !at.Before(p.end) {
			// Every send of the window has been handled: the pacer, not a timer racing
			// it, ends an open-loop run, so no send due before the end is lost to the race.
			if sleep(p.end) {
				r.stop()
			}
			return
		}
		if !sleep(at) {
			return
		}
		now := time.Now()
		measured := p.next >= p.first
		select {
		case r.backlog <- at:
			if !measured {
				continue
			}
			p.sent++
			p.maxDepth = max(p.maxDepth, len(r.backlog))
			if now.Sub(at) > ClientSlack {
				p.late++
				if r.win != nil {
					r.win.late[r.win.index(r, at)].Add(1)
				}
			}
			if r.cfg.Requests > 0 && p.sent >= r.cfg.Requests {
				r.quotaReached.Store(true)
				p.next++
				return
			}
		default:
			// The backlog is full: every send due by now is missed too. Skip them in one
			// step, so a pacer far behind catches up instead of falling further back.
			last := max(p.dueBy(now), p.next+1)
			if !p.end.IsZero() {
				last = max(min(last, p.before(p.end)), p.next+1)
			}
			n := p.measuredIn(p.next, last)
			client := r.clientBound(now.Sub(at))
			p.missed += n
			if client {
				p.clientMiss += n
			}
			if r.win != nil && n > 0 {
				k := r.win.index(r, at)
				r.win.missed[k].Add(n)
				if client {
					r.win.clientMiss[k].Add(n)
				}
			}
			p.next = last - 1
		}
	}
}

// clientBound says whose fault a miss is: the endpoint's when every worker is inside
// Invoke, the client's when the pacer itself was late or a worker was free but had not
// yet taken its next send (it had no CPU).
func (r *run) clientBound(lateness time.Duration) bool {
	if lateness > ClientSlack {
		return true
	}
	for _, rec := range r.recs {
		if !rec.busy() {
			return true
		}
	}
	return false
}
