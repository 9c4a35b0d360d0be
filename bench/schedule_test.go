package bench

import (
	"math"
	"testing"
	"time"
)

// A ramp from 0 to 100 req/s over 2s, a hold at 100 for 1s and a ramp down to 0 over 2s:
// sends due at the instants the integral of the rate reaches each whole number.
func TestScheduleSendTimesAreTheIntegralOfTheRate(t *testing.T) {
	s := &schedule{}
	s.add(0, 100, 2*time.Second)
	s.add(100, 100, time.Second)
	s.add(100, 0, 2*time.Second)
	sec := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	for _, c := range []struct {
		n    int64
		want time.Duration
	}{
		{0, 0},
		{1, sec(math.Sqrt(1.0 / 25))},    // N(t) = 25 t² in the ramp up
		{25, time.Second},                // N(1s) = 25
		{99, sec(math.Sqrt(99.0 / 25))},  // last send of the ramp
		{100, 2 * time.Second},           // the hold starts with send 100
		{150, 2500 * time.Millisecond},   // 100 req/s
		{200, 3 * time.Second},           // the ramp down starts with send 200
		{250, sec(3 + 2 - math.Sqrt(2))}, // N = 200 + 100x - 25x² = 250 at x = 2 - sqrt(2)
		{300, never},                     // the schedule ends at 0 req/s with 300 sends
	} {
		got := s.at(c.n)
		if d := got - c.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("send %d due at %v, want %v", c.n, got, c.want)
		}
	}
	if got := s.count(s.total); math.Abs(got-300) > 1e-9 {
		t.Errorf("the schedule holds %v sends, want 300", got)
	}
	prev := time.Duration(-1)
	for n := int64(0); n < 300; n++ {
		at := s.at(n)
		if at < prev {
			t.Fatalf("send %d due at %v, before send %d at %v", n, at, n-1, prev)
		}
		if c := s.count(at); math.Abs(c-float64(n)) > 1e-6 {
			t.Fatalf("N(at(%d)) = %v", n, c)
		}
		prev = at
	}
}

// Past the last stage the last rate holds: a schedule that ends at 50 req/s goes on at it.
func TestScheduleKeepsTheLastRatePastTheEnd(t *testing.T) {
	s := &schedule{}
	s.add(50, 50, time.Second)
	if got := s.at(75); got != 1500*time.Millisecond {
		t.Errorf("send 75 due at %v, want 1.5s", got)
	}
}

// A stage held at 0 req/s between two others sends nothing; the next send waits for the
// next stage.
func TestScheduleSkipsAStageAtZero(t *testing.T) {
	s := &schedule{}
	s.add(10, 10, time.Second)
	s.add(0, 0, time.Second)
	s.add(10, 10, time.Second)
	if got := s.at(10); got != 2*time.Second {
		t.Errorf("send 10 due at %v, want 2s (after the idle stage)", got)
	}
}

// A closed-loop ramp from 0 to 3 workers over 3s activates worker k when the level,
// rounded, passes k: at 0.5s, 1.5s and 2.5s.
func TestScheduleLevelAndReachForWorkers(t *testing.T) {
	s := &schedule{}
	s.add(0, 0, time.Second)
	s.add(0, 3, 3*time.Second)
	s.add(3, 1, time.Second)
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 0}, {time.Second, 0}, {2500 * time.Millisecond, 1.5}, {4 * time.Second, 3}, {4500 * time.Millisecond, 2}, {time.Hour, 1}} {
		if got := s.level(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("level(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	for k, want := range []time.Duration{1500 * time.Millisecond, 2500 * time.Millisecond, 3500 * time.Millisecond} {
		got := s.reach(0, float64(k)+0.5)
		if d := got - want; d < 0 || d > 2*time.Microsecond {
			t.Errorf("worker %d active from %v, want %v", k, got, want)
		}
	}
	if got := s.reach(4200*time.Millisecond, 2.5); got != 4200*time.Millisecond {
		t.Errorf("reach from inside an active span = %v, want its start", got)
	}
	if got := s.reach(4600*time.Millisecond, 2.5); got != never {
		t.Errorf("worker 2 after the ramp down to 1: %v, want never", got)
	}
	g := &gate{begin: time.Unix(0, 0), sched: s}
	if g.active(0, time.Unix(0, 0).Add(1400*time.Millisecond)) || !g.active(0, time.Unix(0, 0).Add(1600*time.Millisecond)) {
		t.Error("worker 0 should start at 1.5s")
	}
}
