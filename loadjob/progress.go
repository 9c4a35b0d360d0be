package loadjob

import (
	"context"
	"reflect"
	"strconv"
	"time"

	"github.com/sagebench/sagebench/bench"
)

// Progress is a load job's live figures, from the snapshots its shards upload once per
// bench.Config.Interval (barrier/progress/<i> under the job's prefix).
type Progress struct {
	// Shards holds each shard's latest snapshot, nil before its first.
	Shards []*bench.Snapshot
	// Total adds the shards' latest snapshots: Requests, Errors, Throughput, InFlight and
	// Backlog are sums; Elapsed is the longest; Warmup is true while any shard warms up.
	// P50 and P99 are the highest of the shards': percentiles of shards do not add, so
	// this is a bound for a live display, never the figure (the merged Result has that).
	Total bench.Snapshot
}

func progressKey(i int) string { return "progress/" + strconv.Itoa(i) }

// uploadProgress is a worker's bench.Config.Progress: each snapshot replaces the shard's
// object. bench calls it off the load's path, one call at a time.
func (b *barrier) uploadProgress(ctx context.Context, i int, logf func(string, ...any)) func(bench.Snapshot) {
	return func(s bench.Snapshot) {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := b.put(pctx, progressKey(i), s); err != nil {
			logf("shard %d: progress: %v", i, err)
		}
	}
}

// watchProgress reads the shards' snapshots every poll until ctx ends, and once more
// then (the job has ended: its last snapshots are in), and calls report whenever one
// changed.
func (b *barrier) watchProgress(ctx context.Context, n int, poll time.Duration, report func(Progress)) {
	latest := make([]*bench.Snapshot, n)
	t := time.NewTicker(poll)
	defer t.Stop()
	for last := false; !last; {
		select {
		case <-ctx.Done():
			last = true
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
		case <-t.C:
		}
		changed := false
		for i := range latest {
			var s bench.Snapshot
			found, err := b.get(ctx, progressKey(i), &s)
			if err != nil || !found {
				continue
			}
			if latest[i] == nil || !reflect.DeepEqual(*latest[i], s) {
				latest[i], changed = &s, true
			}
		}
		if changed {
			report(total(latest))
		}
	}
}

func total(shards []*bench.Snapshot) Progress {
	p := Progress{Shards: make([]*bench.Snapshot, len(shards))}
	for i, s := range shards {
		if s == nil {
			continue
		}
		c := *s
		p.Shards[i] = &c
		t := &p.Total
		t.Warmup = t.Warmup || s.Warmup
		t.Elapsed = max(t.Elapsed, s.Elapsed)
		t.Requests += s.Requests
		t.Errors += s.Errors
		for c, n := range s.ErrorsByClass {
			if t.ErrorsByClass == nil {
				t.ErrorsByClass = map[bench.ErrorClass]int64{}
			}
			t.ErrorsByClass[c] += n
		}
		t.Throughput += s.Throughput
		t.P50, t.P99 = max(t.P50, s.P50), max(t.P99, s.P99)
		t.InFlight += s.InFlight
		t.Backlog += s.Backlog
	}
	return p
}
