package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshotThroughputOfAPartialFirstInterval(t *testing.T) {
	// The window starts 750 ms into a 1 s interval: 25 requests in its last 250 ms are
	// 100 req/s, not the 25 req/s that dividing by the full Interval made.
	cfg, err := Config{Concurrency: 1, Duration: time.Minute, Payloads: onePayload}.withDefaults()
	require.NoError(t, err)
	r := newRun(context.Background(), sleeper(0), cfg)
	defer r.stop()
	base := r.coll.base
	r.start = base.Add(750 * time.Millisecond)
	r.coll.start = r.start
	idx := r.coll.index(r.start)
	acc := r.coll.get(idx)
	acc.requests = 25
	r.coll.open[idx] = acc
	s := r.snapshot(base.Add(time.Second+time.Millisecond), idx+1)
	assert.InDelta(t, 100, s.Throughput, 0.01)
}

func TestRunBoundsTheSeriesForAnyRunLength(t *testing.T) {
	t.Parallel()
	cfg, err := Config{Duration: 24 * time.Hour, Interval: time.Millisecond, Payloads: onePayload}.withDefaults()
	require.NoError(t, err)
	assert.LessOrEqual(t, cfg.Duration/cfg.Interval, time.Duration(MaxSeriesLen), "interval %v", cfg.Interval)

	// A Requests run has no known length: its series is coarsened at the end instead. The
	// bound is lowered from MaxSeriesLen to 1000 (the field that holds it): the code is the
	// same, and a series of 75,000 intervals cost 3 s of CPU under -race.
	start := time.Unix(1_700_000_000, 0)
	c := newCollector(start, time.Millisecond, 0, 1)
	require.Equal(t, MaxSeriesLen, c.maxLen)
	c.maxLen = 1000
	for i := 0; i < 3*c.maxLen; i += 30 {
		tl := c.get(c.index(start) + i)
		tl.requests = 1
		_ = tl.hist.RecordValue(1000)
		c.add(tl)
	}
	end := start.Add(time.Duration(3*c.maxLen) * time.Millisecond)
	series := c.result(end)
	assert.LessOrEqual(t, len(series), c.maxLen)
	var sum int64
	for _, iv := range series {
		sum += iv.Requests
	}
	assert.Equal(t, int64(3*c.maxLen/30), sum, "coarsening keeps every request")
	assert.Equal(t, 4*time.Millisecond, c.swidth)
}

func TestOpenLoopBacklogExistsBeforeAnyGoroutineStarts(t *testing.T) {
	// run used to make the backlog after starting the collector, whose snapshots read it:
	// a data race -race reported with a small Interval and a Progress callback. Whatever
	// goroutines read must exist when newRun returns.
	cfg, err := Config{Rate: 10, Payloads: onePayload}.withDefaults()
	require.NoError(t, err)
	r := newRun(context.Background(), sleeper(0), cfg)
	defer r.stop()
	require.NotNil(t, r.backlog)
	assert.Equal(t, cfg.MaxBacklog, cap(r.backlog))
}

func TestCollectorMemoryStaysBoundedInALongRun(t *testing.T) {
	t.Parallel()
	// A Requests run has no known length: one non-empty interval after another, for one
	// and a half times the bound past the collector's lag. The closed series is widened as
	// it goes, so it never holds more than the bound. The bound is lowered from
	// MaxSeriesLen to 2000 (the field that holds it), and the intervals are 100 ms wide so
	// that the lag (10 s) is 102 of them: the code is the same, and 150,000 intervals of
	// 1 ms cost 15 s of CPU under -race.
	const width = 100 * time.Millisecond
	start := time.Unix(1_700_000_000, 0)
	c := newCollector(start, width, 0, 1)
	require.Equal(t, MaxSeriesLen, c.maxLen)
	c.maxLen = 2000
	n := c.lag + c.maxLen + c.maxLen/2
	peak := 0
	for i := range n {
		tl := c.get(c.index(start) + i)
		tl.requests = 1
		c.add(tl)
		if i%20 == 19 {
			c.closeBefore(c.index(start) + i - c.lag)
			peak = max(peak, len(c.series))
		}
	}
	assert.Greater(t, peak, c.maxLen/2, "the series filled up during the run")
	assert.LessOrEqual(t, peak, c.maxLen)
	series := c.result(start.Add(time.Duration(n) * width))
	assert.LessOrEqual(t, len(series), c.maxLen)
	var sum int64
	for _, iv := range series {
		sum += iv.Requests
	}
	assert.Equal(t, int64(n), sum)
}
