package bench

import (
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// recorder is one worker's private tally. Nothing in it is shared on the hot path: the
// worker records into its own histograms and hands a finished interval to the collector
// only when its completions move on to the next interval.
type recorder struct {
	_ [64]byte // keep workers' hot fields on separate cache lines

	hist             *hdrhistogram.Histogram
	failHist         *hdrhistogram.Histogram // latency of failed requests; made on the first
	requests, errors int64
	overdue          int64 // requests sent late for their pace (ClientRate only)
	sumAllNS         int64 // latency of every measured request, failed ones included, in ns
	preNS            int64 // of sumAllNS, the part before the window (requests sent in the warmup)
	lastDone         time.Time
	classes          map[ErrorClass]int64
	samples          map[ErrorClass]string
	cut              time.Time // send time of the request in flight at the end, if any
	id, winIdx       int       // worker number; window of the totals above (Sweep only)

	cur  *intervalTally
	coll *collector
	// state is stateIdle or stateInvoke, set by the worker around each Invoke, or
	// stateGone once Run has abandoned a request that outlived the run's end by more than
	// abandonGrace: from then on the recorder is Run's, and the worker never touches it.
	state   atomic.Int32
	sending time.Time // send time of the request in Invoke, written before state
	counted bool      // whether that request, cut at the end, counts as unfinished

	_ [64]byte
}

// intervalTally is the part of one interval seen by one worker, or, in the collector, by
// all of them.
type intervalTally struct {
	idx              int
	requests, errors int64
	hist             *hdrhistogram.Histogram
	classes          map[ErrorClass]int64 // errors by class; nil until the first error
}

// addClass counts an error of class c (off the hot path: errors only).
func (t *intervalTally) addClass(c ErrorClass) {
	if t.classes == nil {
		t.classes = make(map[ErrorClass]int64)
	}
	t.classes[c]++
}

func (r *recorder) record(done time.Time, latency time.Duration, err error) {
	us := toUS(latency)
	idx := r.coll.index(done)
	if r.cur == nil || r.cur.idx != idx {
		r.flush()
		r.cur = r.coll.get(idx)
	}
	r.requests++
	r.cur.requests++
	r.sumAllNS += toNS(latency)
	if done.After(r.lastDone) {
		r.lastDone = done
	}
	if err != nil {
		r.errors++
		r.cur.errors++
		r.cur.addClass(r.recordError(err))
		if r.failHist == nil {
			r.failHist = newHist()
		}
		_ = r.failHist.RecordValue(us)
		return
	}
	// Values are clamped to the histograms' range by toUS, so neither can refuse one.
	_ = r.hist.RecordValue(us)
	_ = r.cur.hist.RecordValue(us)
}

func (r *recorder) recordError(err error) ErrorClass {
	class := Classify(err)
	if r.classes == nil {
		r.classes = make(map[ErrorClass]int64)
		r.samples = make(map[ErrorClass]string)
	}
	r.classes[class]++
	if _, ok := r.samples[class]; !ok {
		r.samples[class] = err.Error()
	}
	return class
}

// Recorder states.
const (
	stateIdle int32 = iota
	stateInvoke
	stateGone
)

// enter marks the worker inside Invoke with a request sent at sent.
func (r *recorder) enter(sent time.Time, counted bool) {
	r.sending, r.counted = sent, counted
	r.state.Store(stateInvoke)
}

// leave marks the worker out of Invoke; false means Run abandoned the request and the
// worker must return at once without touching the recorder.
func (r *recorder) leave() bool { return r.state.CompareAndSwap(stateInvoke, stateIdle) }

// busy reports whether the worker is inside Invoke.
func (r *recorder) busy() bool { return r.state.Load() == stateInvoke }

// flush hands the worker's current interval to the collector.
func (r *recorder) flush() {
	if r.cur != nil {
		r.coll.in <- r.cur
		r.cur = nil
	}
}

// collector gathers the workers' intervals into the Result's series and draws progress.
// It runs in its own goroutine; workers reach it only through the channel in.
type collector struct {
	base     time.Time // a wall-clock multiple of width, carrying a monotonic reading
	width    time.Duration
	start    time.Time // start of the measured window
	lag      int       // intervals after which an interval is considered complete
	in       chan *intervalTally
	pool     sync.Pool
	open     map[int]*intervalTally
	requests int64
	errors   int64
	classes  map[ErrorClass]int64 // errors by class so far, for Snapshot

	// The closed series, in buckets of swidth from sbase: a multiple of width, widened
	// (coarsen) when the series would pass MaxSeriesLen, so that memory stays bounded
	// however long a run lasts. Only the collector goroutine touches these; workers use
	// base and width, which never change.
	series      map[int]*Interval
	sbase       time.Time
	swidth      time.Duration
	closedBelow int // intervals below this index are in series
	maxLen      int // MaxSeriesLen (a test lowers it to prove the bound cheaply)
}

func newCollector(start time.Time, width, timeout time.Duration, workers int) *collector {
	// Truncate works on absolute time, so every machine cuts intervals at the same
	// wall-clock instants; subtracting the offset keeps start's monotonic reading.
	offset := start.Sub(start.Truncate(width))
	straggle := max(timeout, 10*time.Second)
	c := &collector{
		base:   start.Add(-offset),
		width:  width,
		start:  start,
		lag:    int(straggle/width) + 2,
		in:     make(chan *intervalTally, 4*workers),
		open:   make(map[int]*intervalTally),
		series: make(map[int]*Interval),
		sbase:  start.Add(-offset),
		swidth: width,
		maxLen: MaxSeriesLen,
	}
	c.pool.New = func() any { return &intervalTally{hist: newIntervalHist()} }
	return c
}

func (c *collector) index(t time.Time) int { return int(t.Sub(c.base) / c.width) }

// skey is the series bucket of time t.
func (c *collector) skey(t time.Time) int { return int(t.Sub(c.sbase) / c.swidth) }

// sstart is the start of interval idx (of width), which lies wholly in one series bucket.
func (c *collector) sstart(idx int) time.Time { return c.base.Add(time.Duration(idx) * c.width) }

func (c *collector) get(idx int) *intervalTally {
	t := c.pool.Get().(*intervalTally)
	t.idx = idx
	return t
}

// add folds a worker's interval into the collector and recycles it.
func (c *collector) add(t *intervalTally) {
	c.requests += t.requests
	c.errors += t.errors
	for k, n := range t.classes {
		if c.classes == nil {
			c.classes = make(map[ErrorClass]int64)
		}
		c.classes[k] += n
	}
	clear(t.classes)
	if t.idx < c.closedBelow {
		// A straggler for an interval already closed: rare (a request slower than the
		// lag), so merging into the closed bucket's histogram is fine.
		c.toSeries(t.idx, t.requests, t.errors, t.hist)
	} else {
		acc, ok := c.open[t.idx]
		if !ok {
			acc = &intervalTally{idx: t.idx, hist: newIntervalHist()}
			c.open[t.idx] = acc
		}
		acc.requests += t.requests
		acc.errors += t.errors
		acc.hist.Merge(t.hist)
	}
	t.requests, t.errors = 0, 0
	t.hist.Reset()
	c.pool.Put(t)
}

// closeBefore moves every open interval with index < idx into the series, dropping its
// full-size histogram for its compact encoding: memory stays flat however long the run.
func (c *collector) closeBefore(idx int) {
	c.closedBelow = max(c.closedBelow, idx)
	for i, acc := range c.open {
		if i >= idx {
			continue
		}
		c.toSeries(i, acc.requests, acc.errors, acc.hist)
		delete(c.open, i)
	}
	if len(c.series) > c.maxLen {
		c.coarsen(2)
	}
}

// toSeries folds the figures of interval idx into its series bucket.
func (c *collector) toSeries(idx int, requests, errors int64, h *hdrhistogram.Histogram) {
	key := c.skey(c.sstart(idx))
	iv, ok := c.series[key]
	if !ok {
		iv = &Interval{Start: c.sbase.Add(time.Duration(key) * c.swidth).Round(0)}
		c.series[key] = iv
	}
	iv.Requests += requests
	iv.Errors += errors
	if h == nil || h.TotalCount() == 0 {
		return
	}
	if old := iv.histogram(); old != nil {
		old.Merge(h)
		h = old
	}
	iv.setHistogram(h)
}

// result returns the series in order, each interval's width clipped to [start, end]. A
// window of more than MaxSeriesLen buckets (a Requests run of unknown length) has its
// buckets merged k at a time first, so the series stays bounded: c.swidth is then k
// times wider.
func (c *collector) result(end time.Time) []Interval {
	c.closeBefore(int(^uint(0) >> 1))
	if len(c.series) == 0 {
		return nil
	}
	if n := int64(end.Sub(c.start)/c.swidth) + 2; n > int64(c.maxLen) {
		c.coarsen((n + int64(c.maxLen) - 1) / int64(c.maxLen))
	}
	first, last := c.skey(c.start), c.skey(end)
	if !end.After(c.sbase.Add(time.Duration(last) * c.swidth)) {
		last-- // end falls exactly on a boundary: the next interval is empty
	}
	out := make([]Interval, 0, max(last-first+1, 0))
	for i := first; i <= last; i++ {
		lo := c.sbase.Add(time.Duration(i) * c.swidth)
		hi := lo.Add(c.swidth)
		iv, ok := c.series[i]
		if !ok {
			iv = &Interval{Start: lo.Round(0)}
		}
		iv.width = minTime(hi, end).Sub(maxTime(lo, c.start))
		out = append(out, *iv)
	}
	return out
}

// coarsen merges the series into buckets k times wider, aligned like the intervals to
// wall-clock multiples of their width, so every interval still falls in one bucket.
func (c *collector) coarsen(k int64) {
	width := c.swidth * time.Duration(k)
	base := c.start.Add(-c.start.Sub(c.start.Truncate(width)))
	merged := make(map[int]*Interval)
	for i, iv := range c.series {
		j := int(c.sbase.Add(time.Duration(i)*c.swidth).Sub(base) / width)
		acc, ok := merged[j]
		if !ok {
			acc = &Interval{Start: base.Add(time.Duration(j) * width).Round(0)}
			merged[j] = acc
		}
		acc.Requests += iv.Requests
		acc.Errors += iv.Errors
		h := acc.histogram()
		mergeHist(&h, iv.histogram(), newIntervalHist)
		acc.setHistogram(h)
	}
	c.series, c.sbase, c.swidth = merged, base, width
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
