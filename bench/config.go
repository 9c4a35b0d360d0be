package bench

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sagebench/sagebench/payload"
)

// Defaults applied by Run to zero fields of Config.
const (
	DefaultConcurrency     = 1
	DefaultOpenConcurrency = 64 // cap on requests in flight in open loop
	DefaultInterval        = time.Second
	DefaultDuration        = 10 * time.Second
)

// Limits Run enforces: a Config outside them is refused with an error.
const (
	// MinInterval is the narrowest Config.Interval Run accepts: a narrower one is almost
	// always a unit slip (Interval: 100 is 100 ns, not 100 ms).
	MinInterval = time.Millisecond
	// MinTimeout is the shortest Config.Timeout Run accepts: latencies are measured in
	// whole microseconds, and a shorter one is almost always a unit slip (Timeout: 100 is
	// 100 ns, not 100 ms) that would time every request out.
	MinTimeout = time.Microsecond
	// MaxSeriesLen bounds Result.Series: a run whose window would hold more intervals has
	// them widened to a multiple of Interval (Result.SeriesInterval says which).
	MaxSeriesLen = 100_000

	// MinRate is the lowest open-loop Rate Run accepts (one send in about 11.6 days): a
	// lower one cannot be scheduled in a time.Duration.
	MinRate = 1e-6
	// MaxConcurrency and MaxBacklogLen bound Config.Concurrency and Config.MaxBacklog,
	// whose memory Run allocates up front.
	MaxConcurrency = 1 << 20
	MaxBacklogLen  = 1 << 24
)

// Config says how Run drives load and for how long. The zero value of every field has a
// useful default; only Payloads is required.
type Config struct {
	// Concurrency is the number of workers. In closed loop (Rate == 0) each worker sends its
	// next request as soon as the last one returns, so Concurrency is the number of requests
	// in flight. In open loop it caps the requests in flight (default 64); sends due while
	// all workers are busy wait in a bounded backlog.
	Concurrency int

	// Rate > 0 selects open loop: requests are scheduled at this many per second whatever
	// the endpoint does, and each latency is counted from the request's intended send time,
	// so a stalled endpoint shows in the percentiles (no coordinated omission). A Result
	// warns when its window holds fewer than 10 sends (Rate x Duration: its throughput
	// then counts whole sends, not a rate) and when the load generator itself missed or
	// delayed more than ClientFaultThreshold of the sends.
	Rate float64

	// ClientRate, if > 0, caps each closed-loop worker at this many requests per second:
	// a worker sends its next request once the last has returned and at least 1/ClientRate
	// after its previous send, paced by a go.uber.org/ratelimit Limiter of its own, without
	// slack (a request that outlasted the pace is not made up for by a burst). Latency
	// still runs from the actual send. Concurrency x ClientRate is the most the run sends.
	//
	// Use it to model a known number of clients that each pace themselves (Locust's
	// constant_throughput, hey's -q), or to hold a closed loop below saturation. It is
	// still a closed loop: a slow endpoint slows its clients down, and the sends a stall
	// delays never show its wait in their latency (coordinated omission). To measure latency at a given arrival rate whatever the endpoint
	// does, use the open loop (Rate), which ClientRate cannot be combined with. When more
	// than 10% of the requests were sent late because the previous one outlasted
	// 1/ClientRate (Result.Overdue), the Result warns that the endpoint, not the cap, set
	// the pace. A window holding fewer than 10 sends (Concurrency x ClientRate x Duration)
	// warns that its throughput counts whole sends, each worker's first unpaced, as an open
	// loop's does. Little's law is not checked: the workers idle between sends by design.
	ClientRate float64

	// MaxBacklog bounds the sends that may wait for a free worker in open loop (default
	// 10 x Concurrency). A send due when the backlog is full is not queued: it is counted in
	// Result.Missed, so memory never grows with a slow endpoint.
	MaxBacklog int

	// Duration is the measured window. Requests, if > 0, stops the run after that many
	// measured requests instead. When both are zero Duration defaults to 10s; when both are
	// set the first reached wins.
	Duration time.Duration
	Requests int64

	// Warmup runs load for this long before the measured window; nothing it does is
	// counted in any figure.
	Warmup time.Duration

	// Timeout bounds each request (a context deadline passed to Invoke), at least MinTimeout. Zero leaves the
	// bound to the invoker: a per-request deadline costs three allocations per request.
	// A request that outlasts Timeout is a timeout error (ClassTimeout) whatever the
	// invoker returns, nil included. Run starts no goroutine to abandon it: an invoker
	// that ignores its context holds its worker until it returns, so the load never has
	// more than Concurrency requests in flight and no goroutine is left behind, and the
	// request's real latency, not Timeout, is what LatencyAll counts.
	Timeout time.Duration

	// Payloads are sent in turn, each worker starting at a different offset.
	Payloads []payload.Payload

	// BatchSize is the number of inferences in one request (default 1); it scales
	// Result.InferencesPerSecond, never Throughput.
	BatchSize int

	// Interval is the width of a Result.Series bucket and the cadence of Progress
	// (default 1s, at least MinInterval). A window of more than MaxSeriesLen intervals has
	// its series buckets widened to keep the series bounded.
	Interval time.Duration

	// Progress, if set, receives the figures so far once per Interval: every snapshot, in
	// order, one call at a time, on a goroutine of its own, so that a call that blocks or
	// is slow (a stuck terminal, a full channel) never delays the load or its figures.
	// While it falls behind, the snapshots wait, at most the latest 64 (the oldest are
	// dropped), and the Result warns when a call outlasted an Interval. After the end of
	// the run, Run waits for the snapshots still waiting while Progress keeps returning: it
	// gives up when a call has not returned for 1s, or 5s after the end, with a warning,
	// and the rest are never delivered (the call it gave up on may still be running after
	// Run returns). A panic in it is recovered: it is not called
	// again, and the Result says so. Under Sweep, the snapshots reach SweepConfig.Progress,
	// in order with the window events; SweepConfig.Base.Progress gets them, delivered the
	// same way, only when SweepConfig.Progress is not set.
	Progress func(Snapshot)
}

// openLoop reports whether c paces requests at a fixed rate.
func (c Config) openLoop() bool { return c.Rate > 0 }

// Validate reports what Run would refuse in c, without running anything: a caller that
// must prepare before the load (deploy an endpoint) can refuse a bad configuration first.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if len(c.Payloads) == 0 {
		errs = append(errs, errors.New("no payloads"))
	}
	for i, p := range c.Payloads {
		if len(p.Body) == 0 {
			errs = append(errs, fmt.Errorf("payload %d (%q) has an empty body", i, p.Name))
		}
	}
	switch {
	case c.Concurrency < 0:
		errs = append(errs, fmt.Errorf("concurrency %d is negative", c.Concurrency))
	case c.Concurrency > MaxConcurrency:
		errs = append(errs, fmt.Errorf("concurrency %d is above %d", c.Concurrency, MaxConcurrency))
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		errs = append(errs, fmt.Errorf("rate %v is not a positive number", c.Rate))
	case c.Rate > 0 && c.Rate < MinRate:
		errs = append(errs, fmt.Errorf("rate %v is below %v requests/s", c.Rate, MinRate))
	case c.Rate > 1e9:
		errs = append(errs, fmt.Errorf("rate %v is above 1e9 requests/s", c.Rate))
	}
	switch {
	case c.ClientRate < 0 || math.IsNaN(c.ClientRate) || math.IsInf(c.ClientRate, 0):
		errs = append(errs, fmt.Errorf("client rate %v is not a positive number", c.ClientRate))
	case c.ClientRate > 0 && c.Rate > 0:
		errs = append(errs, fmt.Errorf("client rate %v caps closed-loop workers, and rate %v sets an open loop: set one of them", c.ClientRate, c.Rate))
	case c.ClientRate > 0 && c.ClientRate < MinRate:
		errs = append(errs, fmt.Errorf("client rate %v is below %v requests/s", c.ClientRate, MinRate))
	case c.ClientRate > 1e9:
		errs = append(errs, fmt.Errorf("client rate %v is above 1e9 requests/s", c.ClientRate))
	}
	if c.MaxBacklog < 0 || c.MaxBacklog > MaxBacklogLen {
		errs = append(errs, fmt.Errorf("max backlog %d is not in [0, %d]", c.MaxBacklog, MaxBacklogLen))
	}
	if c.Duration < 0 || c.Requests < 0 || c.Warmup < 0 || c.Timeout < 0 || c.Interval < 0 {
		errs = append(errs, errors.New("durations and request counts must not be negative"))
	}
	if c.Timeout > 0 && c.Timeout < MinTimeout {
		errs = append(errs, fmt.Errorf("timeout %v is under %v (did you mean %v?)",
			c.Timeout, MinTimeout, c.Timeout*time.Millisecond))
	}
	if c.Interval > 0 && c.Interval < MinInterval {
		errs = append(errs, fmt.Errorf("interval %v is under %v (did you mean %v?)",
			c.Interval, MinInterval, c.Interval*time.Millisecond))
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size %d is negative", c.BatchSize))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("bench: invalid config: %w", errors.Join(errs...))
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
		if c.openLoop() {
			c.Concurrency = DefaultOpenConcurrency
		}
	}
	if c.openLoop() && c.MaxBacklog == 0 {
		c.MaxBacklog = min(10*c.Concurrency, MaxBacklogLen)
	}
	if c.Duration == 0 && c.Requests == 0 {
		c.Duration = DefaultDuration
	}
	if c.BatchSize == 0 {
		c.BatchSize = 1
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if n := c.Duration / c.Interval; n > MaxSeriesLen {
		c.Interval *= (n + MaxSeriesLen - 1) / MaxSeriesLen
	}
	return c, nil
}
