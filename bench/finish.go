package bench

import (
	"fmt"
	"maps"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// collect folds the workers' intervals and draws progress until the workers are done.
func (r *run) collect(finished chan<- struct{}) {
	defer close(finished)
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	var wins chan *windowTally // nil unless windowed: never ready
	if r.win != nil {
		wins = r.win.in
	}
	for in := r.coll.in; in != nil || wins != nil; {
		select {
		case t, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			r.coll.add(t)
		case tl, ok := <-wins:
			if !ok {
				wins = nil
				continue
			}
			r.addWindow(tl)
		case now := <-tick.C:
			idx := r.coll.index(now)
			r.coll.closeBefore(idx - r.coll.lag)
			switch {
			case r.prog != nil:
				r.prog.Push(r.snapshot(now, idx))
			case r.cfg.Progress != nil:
				// A windowed run's Progress is Sweep's, which only queues the snapshot for
				// its own goroutine: called here, in order with the window events.
				r.cfg.Progress(r.snapshot(now, idx))
			}
		}
	}
}

// snapshot reports the run so far. The last interval's figures are provisional: a worker
// hands an interval over only when its next request completes.
func (r *run) snapshot(now time.Time, idx int) Snapshot {
	s := Snapshot{
		Warmup:   now.Before(r.start),
		Requests: r.coll.requests,
		Errors:   r.coll.errors,
	}
	if len(r.coll.classes) > 0 {
		s.ErrorsByClass = maps.Clone(r.coll.classes) // the snapshot leaves for another goroutine
	}
	if !s.Warmup {
		s.Elapsed = now.Sub(r.start)
	}
	if r.cfg.openLoop() || r.cfg.ClientRate > 0 || r.gate != nil { // a worker may be idle between requests
		for _, rec := range r.recs {
			if rec.busy() {
				s.InFlight++
			}
		}
		s.Backlog = len(r.backlog)
	} else {
		s.InFlight = int(r.alive.Load()) // a closed-loop worker is always in a request
	}
	if acc, ok := r.coll.open[idx-1]; ok {
		// The first interval of the window may have begun before it: its rate is over the
		// part the window covers, as in Result.Series.
		lo := r.coll.base.Add(time.Duration(idx-1) * r.cfg.Interval)
		if width := lo.Add(r.cfg.Interval).Sub(maxTime(lo, r.start)); width > 0 {
			s.Throughput = float64(acc.requests-acc.errors) / width.Seconds()
		}
		if acc.hist.TotalCount() > 0 {
			s.P50 = usToDuration(acc.hist.ValueAtPercentile(50))
			s.P99 = usToDuration(acc.hist.ValueAtPercentile(99))
		}
	}
	return s
}

// emptyResult is the valid, empty Result of a run that did not start.
func emptyResult(cfg Config, now time.Time) *Result {
	res := &Result{
		Start: now.Round(0), End: now.Round(0), Concurrency: cfg.Concurrency, Rate: cfg.Rate, ClientRate: cfg.ClientRate,
		BatchSize: cfg.BatchSize, SeriesInterval: cfg.Interval, hist: newHist(),
	}
	res.summarize()
	res.warn(true)
	return res
}

// result assembles the Result once every worker and the collector are done.
func (r *run) result() (*Result, error) {
	res := &Result{
		Start:          r.start.Round(0),
		Concurrency:    r.cfg.Concurrency,
		Rate:           r.cfg.Rate,
		ClientRate:     r.cfg.ClientRate,
		BatchSize:      r.cfg.BatchSize,
		SeriesInterval: r.cfg.Interval,
		hist:           newHist(),
	}
	var lastDone time.Time
	var fail *hdrhistogram.Histogram
	for _, rec := range r.recs {
		res.Requests += rec.requests
		res.Errors += rec.errors
		res.Overdue += rec.overdue
		res.busyNS += rec.sumAllNS - rec.preNS
		res.hist.Merge(rec.hist)
		mergeHist(&fail, rec.failHist, newHist)
		res.addErrors(rec.classes, rec.samples)
		if rec.lastDone.After(lastDone) {
			lastDone = rec.lastDone
		}
	}

	end := r.end
	canceled := !r.canceledAt.IsZero()
	cutShort := canceled && (end.IsZero() || r.canceledAt.Before(end))
	switch {
	case cutShort:
		end = r.canceledAt
	case r.quotaReached.Load() && !lastDone.IsZero():
		end = lastDone // the Requests quota ended the run when its last request returned
	}
	if end.Before(r.start) {
		end = r.start
	}

	// Requests in flight or queued at the end: counted, and in LatencyAll at their age.
	// A send of the warmup still in the backlog is not the window's: open loop measures
	// sends by their intended time, as openWorker does for the one it holds.
	var pending []time.Time
	for _, at := range r.queued {
		if !at.Before(r.start) {
			pending = append(pending, at)
		}
	}
	for _, rec := range r.recs {
		if !rec.cut.IsZero() {
			pending = append(pending, rec.cut)
		}
	}
	for _, sent := range pending {
		if !sent.Before(end) || !end.After(r.start) {
			continue
		}
		res.Unfinished++
		res.busyNS += toNS(end.Sub(maxTime(sent, r.start)))
		if fail == nil {
			fail = newHist()
		}
		_ = fail.RecordValue(toUS(end.Sub(sent)))
	}
	res.failHist = fail

	if r.cfg.openLoop() {
		p := &r.pacer
		if !r.quotaReached.Load() { // after the quota no send is due: there is nothing to settle
			p.settle(end)
		}
		res.Offered = p.offered(end)
		res.Missed, res.ClientMissed, res.ClientLate = p.missed, p.clientMiss, p.late
		res.MaxBacklog = p.maxDepth
		if r.cfg.Requests > 0 {
			res.Offered = res.Requests + res.Missed + res.Unfinished
		}
	}

	res.End = end.Round(0)
	res.Elapsed = res.End.Sub(res.Start)
	res.Series = r.coll.result(end)
	res.SeriesInterval = r.coll.swidth
	res.summarize()
	res.warn(cutShort)
	r.warnRun(res)
	if cutShort {
		return res, r.parent.Err()
	}
	return res, nil
}

// warnRun adds the warnings about the run itself, rather than its figures.
func (r *run) warnRun(res *Result) {
	if r.abandoned > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"%d requests were still in Invoke %v after the run ended and were abandoned (counted unfinished): the invoker ignores its context, and they may still be running",
			r.abandoned, abandonGrace))
	}
	if st := r.progStats; r.prog != nil {
		switch {
		case st.Abandoned:
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"Progress was stuck or fell behind when the run ended (its slowest call took %v): Run returned without waiting for it, and %d snapshots were never delivered",
				st.Slowest.Round(time.Millisecond), st.Undelivered))
		case st.Slowest > r.cfg.Interval:
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"Progress took up to %v, over the %v interval: its snapshots arrived late (%d dropped), the load did not wait for it",
				st.Slowest.Round(time.Millisecond), r.cfg.Interval, st.Dropped))
		}
		if st.Panic != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("Progress panicked: %v; it was not called again", st.Panic))
		}
	}
}
