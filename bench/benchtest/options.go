package benchtest

import (
	"math"
	"time"
)

// Option configures an Invoker made by New. Out-of-range values are clamped or ignored as
// each option says, never a panic: a test double should not be the thing that fails.
type Option func(*options)

type options struct {
	latency   Distribution
	seed      uint64
	rate      float64
	rateErr   error
	every     int64
	everyErr  error
	capacity  int
	stallCall int64
	stallFor  time.Duration
}

// WithLatency holds each call for a duration drawn from d (after any wait for capacity).
// The default is no latency at all. A nil d means no latency.
func WithLatency(d Distribution) Option {
	return func(o *options) { o.latency = d }
}

// WithSeed seeds the draws of latency and of WithErrorRate. The draws for the n-th call
// depend only on the seed and n, so a run is reproducible given the order in which calls
// arrive, however many goroutines make them. The default seed is 1.
func WithSeed(seed int64) Option {
	return func(o *options) { o.seed = uint64(seed) }
}

// WithErrorRate makes a fraction rate of calls (drawn with the seed) fail with err, or with
// ErrServer if err is nil. rate is clamped to [0, 1].
func WithErrorRate(rate float64, err error) Option {
	return func(o *options) {
		o.rate = 0
		if !math.IsNaN(rate) {
			o.rate = min(max(rate, 0), 1)
		}
		o.rateErr = orDefault(err)
	}
}

// WithErrorEvery makes every n-th call (calls n, 2n, 3n, ... in arrival order) fail with
// err, or with ErrServer if err is nil, so c calls see exactly c/n errors. n <= 0 disables it.
func WithErrorEvery(n int, err error) Option {
	return func(o *options) {
		o.every = int64(max(n, 0))
		o.everyErr = orDefault(err)
	}
}

// WithCapacity serves at most k calls at once, like an endpoint with k model workers: the
// others queue in arrival order, and the wait counts in their latency. Throughput is then
// capped at k divided by the mean latency, so a concurrency sweep against the fake finds a
// real knee at k. k <= 0 means no limit (the default).
func WithCapacity(k int) Option {
	return func(o *options) { o.capacity = max(k, 0) }
}

// WithStall makes the fake stop the world once, as a garbage-collection pause or a model
// reload does: when call number n (1 for the first call) arrives, it is held for d instead
// of its latency, and every call in service or arriving before the pause ends also waits it
// out, finishing no earlier than the pause's end plus whatever service time it had left.
//
// That is the server a coordinated-omission test needs: a closed loop of c workers sees at
// most c slow calls during the pause (the workers are stuck, so nothing else is sent), while
// an open loop keeps sending on schedule and every request scheduled inside the pause is
// late, which a correct recorder counts from its intended send time. n <= 0 or d <= 0
// disables it.
func WithStall(n int64, d time.Duration) Option {
	return func(o *options) {
		if n <= 0 || d <= 0 {
			o.stallCall, o.stallFor = 0, 0
			return
		}
		o.stallCall, o.stallFor = n, d
	}
}

func orDefault(err error) error {
	if err == nil {
		return ErrServer
	}
	return err
}
