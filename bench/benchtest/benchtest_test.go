package benchtest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

var body = payload.Payload{Name: "x", Body: make([]byte, 100)}

// waitFor polls cond until it holds; it fails the test after a generous 10 s. Polling a
// condition is how a test learns that goroutines reached a state, never a fixed sleep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// callConcurrently makes n calls from n goroutines and returns their errors and durations.
func callConcurrently(ctx context.Context, f *Invoker, n int) ([]error, []time.Duration) {
	errs := make([]error, n)
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			errs[i] = f.Invoke(ctx, body)
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	return errs, took
}

func TestNoOptionsSucceedsAndCounts(t *testing.T) {
	f := New()
	for range 5 {
		if err := f.Invoke(context.Background(), body); err != nil {
			t.Fatal(err)
		}
	}
	if f.Calls() != 5 || f.Bytes() != 500 || f.Errors() != 0 || f.Canceled() != 0 || f.InFlight() != 0 {
		t.Errorf("calls %d bytes %d errors %d canceled %d in flight %d, want 5 500 0 0 0",
			f.Calls(), f.Bytes(), f.Errors(), f.Canceled(), f.InFlight())
	}
}

// With 2 slots, 10 ms per call and 8 callers, the last callers wait for three rounds before
// their own: the whole batch takes at least 4 rounds, and some caller sees >= 40 ms. Only
// lower bounds are asserted; without the capacity limit everything would end in ~10 ms.
func TestCapacityQueuesCallersAndTheWaitCountsInLatency(t *testing.T) {
	const k, callers, latency = 2, 8, 10 * time.Millisecond
	f := New(WithCapacity(k), WithLatency(Constant(latency)))
	start := time.Now()
	errs, took := callConcurrently(context.Background(), f, callers)
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rounds := callers / k
	if min := time.Duration(rounds) * latency; elapsed < min {
		t.Errorf("%d callers on %d slots took %v, want >= %v (%d rounds)", callers, k, elapsed, min, rounds)
	}
	slowest := slices.Max(took)
	if min := time.Duration(rounds) * latency; slowest < min {
		t.Errorf("slowest caller took %v, want >= %v: queueing must count in its latency", slowest, min)
	}
	if got := f.MaxInFlight(); got > k || got < 1 {
		t.Errorf("MaxInFlight = %d, want 1..%d", got, k)
	}
}

// Eight calls that would take an hour: two hold the slots and six queue. Cancelling ends
// all of them with the context's error, queued or in service.
func TestCapacityNeverExceededAndCancelReleasesEveryone(t *testing.T) {
	f := New(WithCapacity(2), WithLatency(Constant(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []error)
	go func() {
		errs, _ := callConcurrently(ctx, f, 8)
		done <- errs
	}()
	waitFor(t, "8 calls arrived and 2 are in service", func() bool { return f.Calls() == 8 && f.InFlight() == 2 })
	cancel()
	errs := <-done
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("call %d returned %v, want context.Canceled", i, err)
		}
	}
	if f.MaxInFlight() != 2 || f.InFlight() != 0 || f.Canceled() != 8 || f.Errors() != 0 {
		t.Errorf("max in flight %d, in flight %d, canceled %d, errors %d; want 2, 0, 8, 0",
			f.MaxInFlight(), f.InFlight(), f.Canceled(), f.Errors())
	}
}

func TestUnlimitedCapacityServesEveryCallerAtOnce(t *testing.T) {
	f := New(WithLatency(Constant(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { callConcurrently(ctx, f, 16); close(done) }()
	waitFor(t, "16 calls in service", func() bool { return f.InFlight() == 16 })
	cancel()
	<-done
	if f.MaxInFlight() != 16 {
		t.Errorf("MaxInFlight = %d, want 16", f.MaxInFlight())
	}
}

func TestDeadlineEndsALongCallWithItsError(t *testing.T) {
	f := New(WithLatency(Constant(time.Hour)))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := f.Invoke(ctx, body)
	if !errors.Is(err, context.DeadlineExceeded) || bench.Classify(err) != bench.ClassTimeout {
		t.Errorf("Invoke past its deadline = %v (class %q), want context.DeadlineExceeded (timeout)", err, bench.Classify(err))
	}
	// An already-ended context fails the call without serving it.
	if err := f.Invoke(ctx, body); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke with an expired context = %v, want context.DeadlineExceeded", err)
	}
	if f.Canceled() != 2 || f.MaxInFlight() != 1 {
		t.Errorf("canceled %d, max in flight %d; want 2 and 1", f.Canceled(), f.MaxInFlight())
	}
}

func TestErrorEveryInjectsExactlyCallsOverN(t *testing.T) {
	tests := []struct {
		name         string
		n, calls     int
		concurrently bool
	}{
		{"sequential 7 of 100", 7, 100, false},
		{"concurrent 3 of 200", 3, 200, true},
		{"every call", 1, 10, false},
		{"never reached", 50, 49, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(WithErrorEvery(tt.n, ErrThrottled))
			var errs []error
			if tt.concurrently {
				errs, _ = callConcurrently(context.Background(), f, tt.calls)
			} else {
				for range tt.calls {
					errs = append(errs, f.Invoke(context.Background(), body))
				}
			}
			failed := 0
			for i, err := range errs {
				switch {
				case err == nil:
				case errors.Is(err, ErrThrottled) && bench.Classify(err) == bench.ClassThrottled:
					failed++
				default:
					t.Fatalf("call %d returned %v, want nil or ErrThrottled", i, err)
				}
				if !tt.concurrently && (err != nil) != ((i+1)%tt.n == 0) {
					t.Errorf("call %d: error %v, want one exactly on multiples of %d", i+1, err, tt.n)
				}
			}
			want := tt.calls / tt.n
			if failed != want || f.Errors() != int64(want) {
				t.Errorf("%d calls, every %d: %d errors returned, Errors() = %d; want %d", tt.calls, tt.n, failed, f.Errors(), want)
			}
		})
	}
}

func errorPattern(f *Invoker, calls int) []int {
	var failed []int
	for i := range calls {
		if f.Invoke(context.Background(), body) != nil {
			failed = append(failed, i)
		}
	}
	return failed
}

func TestErrorRateIsSeededAndNearTheRate(t *testing.T) {
	const calls, rate = 4000, 0.25
	a := errorPattern(New(WithSeed(42), WithErrorRate(rate, nil)), calls)
	b := errorPattern(New(WithSeed(42), WithErrorRate(rate, nil)), calls)
	c := errorPattern(New(WithSeed(43), WithErrorRate(rate, nil)), calls)
	if !equal(a, b) {
		t.Error("the same seed gave different error patterns")
	}
	if equal(a, c) {
		t.Error("seeds 42 and 43 gave the same error pattern")
	}
	// Binomial(4000, 0.25) has sd 27; 800..1200 is over 7 sd either way.
	if n := len(a); n < 800 || n > 1200 {
		t.Errorf("%d of %d calls failed at rate %v, want about %d", n, calls, rate, int(calls*rate))
	}
	f := New(WithErrorRate(1, nil))
	if err := f.Invoke(context.Background(), body); !errors.Is(err, ErrServer) || bench.Classify(err) != bench.ClassServerError {
		t.Errorf("default injected error = %v (class %q), want ErrServer (server_error)", err, bench.Classify(err))
	}
	if n := len(errorPattern(New(WithErrorRate(0, nil)), 1000)); n != 0 {
		t.Errorf("rate 0 failed %d calls", n)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The latency draw for the n-th call depends only on the seed and n.
func TestLatencyDrawsAreSeeded(t *testing.T) {
	record := func(seed int64) []float64 {
		var qs []float64
		f := New(WithSeed(seed), WithLatency(func(q float64) time.Duration {
			qs = append(qs, q) // calls are sequential here, so no lock is needed
			return 0
		}))
		for range 1000 {
			if err := f.Invoke(context.Background(), body); err != nil {
				t.Fatal(err)
			}
		}
		return qs
	}
	a, b, c := record(7), record(7), record(8)
	sum, same := 0.0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v then %v with the same seed", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
		if a[i] <= 0 || a[i] >= 1 {
			t.Fatalf("draw %d = %v, want within (0, 1)", i, a[i])
		}
		sum += a[i]
	}
	if same > 0 {
		t.Errorf("seeds 7 and 8 agreed on %d of 1000 draws", same)
	}
	if mean := sum / 1000; mean < 0.45 || mean > 0.55 {
		t.Errorf("mean draw %v, want about 0.5 for uniform draws", mean)
	}
}

// Call 1 starts a 300 ms pause; call 2, with no latency of its own, arrives during it and
// must not finish before the pause ends.
func TestStallStopsTheWorld(t *testing.T) {
	const pause = 300 * time.Millisecond
	f := New(WithStall(1, pause))
	start := time.Now()
	first := make(chan time.Duration)
	go func() {
		_ = f.Invoke(context.Background(), body)
		first <- time.Since(start)
	}()
	waitFor(t, "the stalling call arrived", func() bool { return f.Calls() == 1 })
	if err := f.Invoke(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	if second := time.Since(start); second < pause {
		t.Errorf("call 2 during the pause finished after %v, want >= %v", second, pause)
	}
	if took := <-first; took < pause {
		t.Errorf("the stalling call took %v, want >= %v", took, pause)
	}
}

func TestStallIsInterruptible(t *testing.T) {
	f := New(WithStall(1, time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- f.Invoke(ctx, body) }()
	waitFor(t, "the stalling call is in service", func() bool { return f.InFlight() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("stalled call after cancel = %v, want context.Canceled", err)
	}
}

func TestStallOverlap(t *testing.T) {
	f := New(WithStall(1, 100))
	if got := f.stallOverlap(0, 50); got != 0 {
		t.Errorf("before any stall: overlap %v, want 0", got)
	}
	f.stallStart.Store(1000) // the pause is [1000, 1100)
	tests := []struct {
		start, end int64
		want       time.Duration
	}{
		{0, 999, 0},      // done before the pause
		{900, 1050, 100}, // in service when it began: its rest is pushed by the whole pause
		{1040, 1040, 60}, // arrived during the pause: waits for its end
		{1040, 1070, 60},
		{1100, 1200, 0}, // arrived after the pause
	}
	for _, tt := range tests {
		if got := f.stallOverlap(tt.start, tt.end); got != tt.want {
			t.Errorf("overlap of [%d, %d) = %v, want %v", tt.start, tt.end, got, tt.want)
		}
	}
}

func TestErrorsCarryTheirClass(t *testing.T) {
	tests := []struct {
		err  error
		want bench.ErrorClass
	}{
		{ErrThrottled, bench.ClassThrottled},
		{ErrModel, bench.ClassModelError},
		{ErrServer, bench.ClassServerError},
		{ErrClient, bench.ClassClientError},
		{ErrTimeout, bench.ClassTimeout},
		{NewError(bench.ClassOther), bench.ClassOther},
	}
	for _, tt := range tests {
		if got := bench.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if msg := NewError("x").Error(); msg != "benchtest: injected x error" {
		t.Errorf("message %q", msg)
	}
}

func BenchmarkInvoke(b *testing.B) {
	ctx := context.Background()
	b.Run("zero latency", func(b *testing.B) {
		f := New()
		b.ReportAllocs()
		for b.Loop() {
			_ = f.Invoke(ctx, body)
		}
	})
	b.Run("zero latency parallel", func(b *testing.B) {
		f := New()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = f.Invoke(ctx, body)
			}
		})
	})
	b.Run("capacity and errors", func(b *testing.B) {
		f := New(WithCapacity(4), WithErrorRate(0.1, nil), WithLatency(Normal(0, 0)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = f.Invoke(ctx, body)
			}
		})
	})
	b.Run("1us latency", func(b *testing.B) {
		f := New(WithLatency(Constant(time.Microsecond)))
		b.ReportAllocs()
		for b.Loop() {
			_ = f.Invoke(ctx, body)
		}
	})
}
