package bench

import (
	"time"
)

// collect folds the workers' intervals and draws progress until the workers are done.
func (r *run) collect(finished chan<- struct{}) {
	defer close(finished)
	tick := time.NewTicker(r.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case t, ok := <-r.coll.in:
			if !ok {
				return
			}
			r.coll.add(t)
		case now := <-tick.C:
			idx := r.coll.index(now)
			r.coll.closeBefore(idx - r.coll.lag)
			if r.cfg.Progress != nil {
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
	if !s.Warmup {
		s.Elapsed = now.Sub(r.start)
	}
	if r.cfg.openLoop() {
		for _, rec := range r.recs {
			if rec.busy.Load() {
				s.InFlight++
			}
		}
	} else {
		s.InFlight = int(r.alive.Load()) // a closed-loop worker is always in a request
	}
	if r.backlog != nil {
		s.Backlog = len(r.backlog)
	}
	if acc, ok := r.coll.open[idx-1]; ok {
		s.Throughput = float64(acc.requests-acc.errors) / r.cfg.Interval.Seconds()
		if acc.hist.TotalCount() > 0 {
			s.P50 = usToDuration(acc.hist.ValueAtPercentile(50))
			s.P99 = usToDuration(acc.hist.ValueAtPercentile(99))
		}
	}
	return s
}

// result assembles the Result once every worker and the collector are done.
func (r *run) result() (*Result, error) {
	res := &Result{
		Start:          r.start.Round(0),
		Concurrency:    r.cfg.Concurrency,
		Rate:           r.cfg.Rate,
		BatchSize:      r.cfg.BatchSize,
		SeriesInterval: r.cfg.Interval,
		Missed:         r.missed,
		MaxBacklog:     r.maxDepth,
		hist:           newHist(),
	}
	var lastDone time.Time
	for _, rec := range r.recs {
		res.Requests += rec.requests
		res.Errors += rec.errors
		res.sumAllUS += rec.sumAllUS
		res.hist.Merge(rec.hist)
		res.addErrors(rec.classes, rec.samples)
		if rec.lastDone.After(lastDone) {
			lastDone = rec.lastDone
		}
	}

	end := r.end
	canceled := r.canceledAt.Load()
	cutShort := canceled != nil && (end.IsZero() || canceled.Before(end))
	switch {
	case cutShort:
		end = *canceled
	case r.quotaReached.Load() && !lastDone.IsZero():
		end = lastDone // the Requests quota ended the run when its last request returned
	}
	if end.Before(r.start) {
		end = r.start
	}
	res.End = end.Round(0)
	res.Elapsed = res.End.Sub(res.Start)
	res.Series = r.coll.result(end)
	res.summarize()
	res.warn(cutShort)
	if cutShort {
		return res, r.parent.Err()
	}
	return res, nil
}
