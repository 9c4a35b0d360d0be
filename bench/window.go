package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// windows cuts one continuous run into consecutive windows of equal length, as Sweep
// measures a step (and as Triton's perf_analyzer does): the load never stops between
// windows, so no window but the first repeats the cold start, and requests in flight at a
// window's end are not lost but complete, and count, in the next.
//
// A request belongs to the window in which it completes; a closed-loop request's time in
// flight is split between the windows it spans, so Little's law holds in every window.
// Each worker hands its tally to the collector when its completions move on to a later
// window; a window is emitted once every worker has handed it over, so a window's figures
// are final at most one request latency after its end.
type windows struct {
	width    time.Duration
	n        int                // windows in the run
	onWindow func(*Result) bool // true stops the run; called in order, from the collector
	in       chan *windowTally
	hists    sync.Pool

	// Open-loop counts per window, written by the pacer, read by the collector.
	missed, clientMiss, late []atomic.Int64

	// collector state
	pending  map[int]*windowTally
	reported []int // per worker: windows handed over so far
	next     int   // next window to emit
	enough   atomic.Bool
}

// windowTally is one worker's part of one window, or, in the collector, all of them.
type windowTally struct {
	worker, idx      int
	hist, failHist   *hdrhistogram.Histogram
	requests, errors int64
	overdue          int64
	sumAllNS, preNS  int64
	unfinished       int64
	classes          map[ErrorClass]int64
	samples          map[ErrorClass]string
}

// runWindows runs cfg's load continuously for n windows of cfg.Duration each (the warmup
// only before the first) and calls onWindow with each window's Result as it completes,
// until it returns true. It returns ctx's error if ctx ends first.
func runWindows(ctx context.Context, inv Invoker, cfg Config, n int, onWindow func(*Result) bool) error {
	return runScheduled(ctx, inv, cfg, n, nil, false, onWindow)
}

func (w *windows) start(r *run, k int) time.Time { return r.start.Add(time.Duration(k) * w.width) }

func (w *windows) index(r *run, t time.Time) int {
	return min(max(int(t.Sub(r.start)/w.width), 0), w.n-1)
}

// advance hands rec's tallies over for every window before the one of a completion at t1,
// of a request sent at t0 (zero in open loop, where no time in flight is kept).
func (r *run) advance(rec *recorder, t0, t1 time.Time) {
	w := r.win
	for k := w.index(r, t1); rec.winIdx < k; rec.winIdx++ {
		tl := rec.take(w)
		if !t0.IsZero() {
			tl.sumAllNS += overlapNS(t0, w.start(r, rec.winIdx), w.start(r, rec.winIdx+1))
		}
		w.in <- tl
	}
}

// overlapNS is the part of [t0, ∞) inside [lo, hi), in nanoseconds.
func overlapNS(t0, lo, hi time.Time) int64 {
	if !t0.Before(hi) {
		return 0
	}
	return toNS(hi.Sub(maxTime(t0, lo)))
}

// take moves rec's totals into a tally for its current window and resets them.
func (rec *recorder) take(w *windows) *windowTally {
	tl := &windowTally{worker: rec.id, idx: rec.winIdx, hist: rec.hist, failHist: rec.failHist,
		requests: rec.requests, errors: rec.errors, overdue: rec.overdue, sumAllNS: rec.sumAllNS, preNS: rec.preNS,
		classes: rec.classes, samples: rec.samples}
	rec.hist = w.hists.Get().(*hdrhistogram.Histogram)
	rec.failHist, rec.classes, rec.samples = nil, nil, nil
	rec.requests, rec.errors, rec.overdue, rec.sumAllNS, rec.preNS = 0, 0, 0, 0, 0
	return tl
}

// finishWindows hands over, once the workers are done, every window up to the end of a
// run that reached it, with the requests unfinished at the end in the last window.
func (r *run) finishWindows(natural bool) {
	w := r.win
	defer close(w.in)
	if !natural {
		return // canceled, or stopped once onWindow had enough: no later window is needed
	}
	for _, rec := range r.recs {
		for ; rec.winIdx < w.n; rec.winIdx++ {
			tl := rec.take(w)
			if !rec.cut.IsZero() && !r.cfg.openLoop() {
				tl.sumAllNS += overlapNS(rec.cut, w.start(r, rec.winIdx), w.start(r, rec.winIdx+1))
			}
			if rec.winIdx == w.n-1 && !rec.cut.IsZero() && rec.cut.Before(r.end) {
				tl.unfinished++
				tl.failHist = recordInto(tl.failHist, r.end.Sub(rec.cut))
			}
			w.in <- tl
		}
	}
	if len(r.queued) > 0 {
		tl := &windowTally{worker: -1, idx: w.n - 1}
		for _, at := range r.queued {
			if at.Before(r.end) && !at.Before(r.start) {
				tl.unfinished++
				tl.failHist = recordInto(tl.failHist, r.end.Sub(at))
			}
		}
		w.in <- tl
	}
}

func recordInto(h *hdrhistogram.Histogram, d time.Duration) *hdrhistogram.Histogram {
	if h == nil {
		h = newHist()
	}
	_ = h.RecordValue(toUS(d))
	return h
}

// add folds a worker's tally into its window and emits every window now complete.
func (r *run) addWindow(tl *windowTally) {
	w := r.win
	acc, ok := w.pending[tl.idx]
	if !ok {
		acc = &windowTally{idx: tl.idx, hist: newHist()}
		w.pending[tl.idx] = acc
	}
	acc.requests += tl.requests
	acc.errors += tl.errors
	acc.overdue += tl.overdue
	acc.sumAllNS += tl.sumAllNS
	acc.preNS += tl.preNS
	acc.unfinished += tl.unfinished
	if tl.hist != nil {
		acc.hist.Merge(tl.hist)
		tl.hist.Reset()
		w.hists.Put(tl.hist)
	}
	mergeHist(&acc.failHist, tl.failHist, newHist)
	res := Result{ErrorsByClass: acc.classes, ErrorSamples: acc.samples}
	res.addErrors(tl.classes, tl.samples)
	acc.classes, acc.samples = res.ErrorsByClass, res.ErrorSamples
	if tl.worker >= 0 {
		w.reported[tl.worker] = tl.idx + 1
	}
	for w.next < w.n && !w.enough.Load() && minInt(w.reported) > w.next {
		if w.onWindow(r.windowResult(w.pending[w.next])) {
			w.enough.Store(true)
			r.stop()
		}
		delete(w.pending, w.next)
		w.next++
	}
}

func minInt(xs []int) int {
	m := int(^uint(0) >> 1)
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

// windowResult makes the Result of window acc.idx.
func (r *run) windowResult(acc *windowTally) *Result {
	w := r.win
	if acc == nil {
		acc = &windowTally{idx: w.next, hist: newHist()}
	}
	lo, hi := w.start(r, acc.idx), w.start(r, acc.idx+1)
	res := &Result{
		Start: lo.Round(0), End: hi.Round(0), Elapsed: w.width,
		Concurrency: r.cfg.Concurrency, Rate: r.cfg.Rate, ClientRate: r.cfg.ClientRate, BatchSize: r.cfg.BatchSize,
		SeriesInterval: r.cfg.Interval,
		Requests:       acc.requests, Errors: acc.errors, Unfinished: acc.unfinished, Overdue: acc.overdue,
		ErrorsByClass: acc.classes, ErrorSamples: acc.samples,
		hist: acc.hist, failHist: acc.failHist, busyNS: acc.sumAllNS - acc.preNS,
	}
	if r.cfg.openLoop() {
		p := &r.pacer
		res.Offered = p.measuredIn(p.before(lo), p.before(hi))
		res.Missed = w.missed[acc.idx].Load()
		res.ClientMissed = w.clientMiss[acc.idx].Load()
		res.ClientLate = w.late[acc.idx].Load()
	}
	res.summarize()
	res.warn(false)
	return res
}
