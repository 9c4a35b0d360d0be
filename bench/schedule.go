package bench

import (
	"math"
	"time"
)

// schedule is a piecewise-linear offered rate. Its cumulative count of sends N(t) is the
// integral of the rate; send n is due at the first t with N(t) = n, so send 0 is due at
// the start, as in the fixed-rate pacer (where N(t) = rate x t).
type schedule struct {
	segs  []segment
	total time.Duration
}

// segment is one stage: the rate goes from a to b over dur, starting at offset t0 with
// c0 sends already due before it.
type segment struct {
	t0, dur time.Duration
	a, b    float64
	c0      float64
}

func (s *schedule) add(a, b float64, dur time.Duration) {
	c0 := 0.0
	if n := len(s.segs); n > 0 {
		last := s.segs[n-1]
		c0 = last.c0 + last.sends()
	}
	s.segs = append(s.segs, segment{t0: s.total, dur: dur, a: a, b: b, c0: c0})
	s.total += dur
}

// sends is the number of sends the segment holds: its mean rate times its length.
func (g segment) sends() float64 { return (g.a + g.b) / 2 * g.dur.Seconds() }

func (s *schedule) peak() float64 {
	p := 0.0
	for _, g := range s.segs {
		p = max(p, g.a, g.b)
	}
	return p
}

// count is N(t), the sends due in [0, t] as a real number: send n is due by t when
// n <= count(t). Past the end the last rate holds.
func (s *schedule) count(t time.Duration) float64 {
	if len(s.segs) == 0 || t <= 0 {
		return 0
	}
	for _, g := range s.segs {
		if t < g.t0+g.dur {
			x := (t - g.t0).Seconds()
			return g.c0 + g.a*x + (g.b-g.a)/(2*g.dur.Seconds())*x*x
		}
	}
	g := s.segs[len(s.segs)-1]
	return g.c0 + g.sends() + g.b*(t-s.total).Seconds()
}

// never is an offset past any run: the intended time of a send a schedule ending at
// rate 0 never makes.
const never = time.Duration(math.MaxInt64 / 2)

// at is the intended offset of send n: the first t with N(t) = n, solved exactly in the
// segment that holds it (a quadratic in a ramp).
func (s *schedule) at(n int64) time.Duration {
	x := float64(n)
	for _, g := range s.segs {
		if x >= g.c0+g.sends() {
			continue
		}
		m := x - g.c0
		if m <= 0 {
			return g.t0
		}
		// a x + k x² = m, k = (b-a) / 2D; the root 2m / (a + sqrt(a² + 4km)) is
		// x = m/a when k = 0 and stays accurate as k -> 0.
		k := (g.b - g.a) / (2 * g.dur.Seconds())
		disc := max(0, g.a*g.a+4*k*m)
		sec := 2 * m / (g.a + math.Sqrt(disc))
		return g.t0 + min(time.Duration(sec*float64(time.Second)), g.dur)
	}
	last := s.segs[len(s.segs)-1]
	if last.b <= 0 {
		return never
	}
	m := x - (last.c0 + last.sends())
	return s.total + time.Duration(m/last.b*float64(time.Second))
}

// level is the schedule's value at offset t (the rate, or the number of workers), the
// last stage's target past the end.
func (s *schedule) level(t time.Duration) float64 {
	for _, g := range s.segs {
		if t < g.t0+g.dur {
			x := max(t-g.t0, 0).Seconds() / g.dur.Seconds()
			return g.a + (g.b-g.a)*x
		}
	}
	if len(s.segs) == 0 {
		return 0
	}
	return s.segs[len(s.segs)-1].b
}

// reach is the first offset at or after from where the level is at least x, or never.
func (s *schedule) reach(from time.Duration, x float64) time.Duration {
	for _, g := range s.segs {
		end := g.t0 + g.dur
		if end <= from {
			continue
		}
		lo := max(from, g.t0)
		if s.level(lo) >= x {
			return lo
		}
		if g.b > g.a && g.b >= x {
			t := g.t0 + time.Duration((x-g.a)/(g.b-g.a)*float64(g.dur)) + time.Microsecond // past the float's doubt
			return max(t, lo)
		}
	}
	if n := len(s.segs); n > 0 && s.segs[n-1].b >= x {
		return max(from, s.total)
	}
	return never
}

// gate holds closed-loop workers to the schedule: worker id is active while the level,
// rounded, is above id.
type gate struct {
	begin time.Time
	sched *schedule
}

func (g *gate) active(id int, t time.Time) bool {
	return math.Floor(g.sched.level(t.Sub(g.begin))+0.5) > float64(id)
}

// wait returns t0, the send time of the worker's next request, at once while the worker
// is active; otherwise it waits until it is, and returns then. It returns early when done
// is closed.
func (g *gate) wait(id int, t0 time.Time, done <-chan struct{}) time.Time {
	for now := time.Now(); !g.active(id, now); now = time.Now() {
		at := g.sched.reach(now.Sub(g.begin), float64(id)+0.5)
		if at == never {
			<-done
			return now
		}
		t := time.NewTimer(time.Until(g.begin.Add(at)))
		select {
		case <-t.C:
			t0 = time.Now()
		case <-done:
			t.Stop()
			return now
		}
	}
	return t0
}
