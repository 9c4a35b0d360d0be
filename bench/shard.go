package bench

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Split divides cfg among n shards (machines, processes) that run side by side, so that
// together they drive the load cfg describes: Concurrency, Requests and MaxBacklog are
// split into whole parts whose remainders go one each to the first shards (10 workers on
// 3 shards are 4, 3 and 3), and Rate into n equal parts that sum to cfg.Rate. Duration,
// Warmup, Timeout, Interval, BatchSize and Payloads are every shard's. Progress is not
// copied: a shard reports its own.
//
// A closed loop of fewer workers than shards, or a Requests bound smaller than n, cannot
// be split without a shard that does nothing (or, with a zero field's default, one that
// does more than its share): Split refuses it.
func Split(cfg Config, n int) ([]Config, error) {
	if n < 1 || n > maxShards {
		return nil, fmt.Errorf("bench: cannot split a load over %d shards (1 to %d)", n, maxShards)
	}
	if _, err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	conc := cfg.Concurrency
	if conc == 0 && !cfg.openLoop() {
		conc = DefaultConcurrency
	}
	var errs []error
	if !cfg.openLoop() && conc < n {
		errs = append(errs, fmt.Errorf("concurrency %d is under %d shards: each shard needs a worker", conc, n))
	}
	if cfg.openLoop() && cfg.Concurrency > 0 && cfg.Concurrency < n {
		errs = append(errs, fmt.Errorf("concurrency %d is under %d shards: each shard needs a worker", cfg.Concurrency, n))
	}
	if cfg.Requests > 0 && cfg.Requests < int64(n) {
		errs = append(errs, fmt.Errorf("a bound of %d requests is under %d shards", cfg.Requests, n))
	}
	if cfg.MaxBacklog > 0 && cfg.MaxBacklog < n {
		errs = append(errs, fmt.Errorf("max backlog %d is under %d shards", cfg.MaxBacklog, n))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bench: cannot split: %w", errors.Join(errs...))
	}

	out := make([]Config, n)
	var rateSum float64
	for i := range out {
		c := cfg
		c.Progress = nil
		c.Payloads = slices.Clip(cfg.Payloads) // an append by one shard never reaches another's
		c.Concurrency = int(part(int64(conc), n, i))
		c.Requests = part(cfg.Requests, n, i)
		c.MaxBacklog = int(part(int64(cfg.MaxBacklog), n, i))
		if cfg.openLoop() {
			c.Rate = cfg.Rate / float64(n)
			if i == n-1 {
				// The last shard takes what float division left over, so that the
				// parts add up to the whole.
				c.Rate = cfg.Rate - rateSum
			}
			rateSum += c.Rate
		}
		out[i] = c
	}
	// A part Run would refuse (a rate under MinRate) would fail its machine once paid for.
	for i := range out {
		if _, err := out[i].withDefaults(); err != nil {
			return nil, fmt.Errorf("bench: cannot split: shard %d: %w", i, err)
		}
	}
	return out, nil
}

// maxShards bounds Split's n: more than the largest engine runs side by side (a
// Kubernetes Indexed Job's 100,000 completions; AWS Batch arrays stop at 10,000,
// Processing at 100 instances), and few enough that the parts fit in memory.
const maxShards = 100_000

// part is shard i's share of total over n shards: total/n, plus one for each of the
// first total%n shards.
func part(total int64, n, i int) int64 {
	p := total / int64(n)
	if int64(i) < total%int64(n) {
		p++
	}
	return p
}

// Shards is the merge of the Results of n shards that ran side by side (see Split).
type Shards struct {
	// Result is the exact merge of every shard that reported: counts and histograms add,
	// the window spans the earliest start to the latest end. When shards are missing it
	// describes the others only, and its Warnings say so.
	Result *Result
	// N is the number of shards the load was split into; Missing lists, in order, the
	// shards that never reported (failed, killed, or lost).
	N       int
	Missing []int
	// StartSkew is the latest shard's start minus the earliest's, as their clocks read
	// them; EndSkew the same for ends. They bound how far the shards were from loading
	// the same window (clock skew between machines included).
	StartSkew, EndSkew time.Duration
}

// Complete reports whether every shard reported.
func (s *Shards) Complete() bool { return len(s.Missing) == 0 }

// MergeShards merges the Results of shards that ran side by side: shards[i] is shard i's
// Result, nil (or a Result with a zero Start) for a shard that never reported. It
// refuses shards whose windows do not overlap (their sum would not describe one load)
// and a set where no shard reported.
// The merged Result warns when shards are missing, naming them, and when the shards'
// starts are more than a tenth of the window apart.
func MergeShards(shards []*Result) (*Shards, error) {
	out := &Shards{N: len(shards)}
	var got []*Result
	for i, r := range shards {
		if r == nil || r.Start.IsZero() { // zero Start: a Result that never ran ("{}")
			out.Missing = append(out.Missing, i)
			continue
		}
		got = append(got, r)
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("bench: none of %d shards reported", len(shards))
	}
	first, last := got[0], got[0]
	latestStart, earliestEnd := got[0].Start, got[0].End
	for _, r := range got[1:] {
		if r.Start.Before(first.Start) {
			first = r
		}
		if r.End.After(last.End) {
			last = r
		}
		if r.Start.After(latestStart) {
			latestStart = r.Start
		}
		if r.End.Before(earliestEnd) {
			earliestEnd = r.End
		}
	}
	if len(got) > 1 && !latestStart.Before(earliestEnd) {
		return nil, fmt.Errorf("bench: shard windows do not overlap (one ended at %v, another started at %v): they did not load together",
			earliestEnd.Format(time.RFC3339Nano), latestStart.Format(time.RFC3339Nano))
	}
	out.StartSkew = latestStart.Sub(first.Start)
	out.EndSkew = last.End.Sub(earliestEnd)

	m := &Result{}
	for i, r := range shards {
		if r == nil || r.Start.IsZero() {
			continue
		}
		if err := m.Merge(r); err != nil {
			return nil, fmt.Errorf("bench: merging shard %d: %w", i, err)
		}
	}
	m.Warnings = slices.Clone(m.Warnings)
	if !out.Complete() {
		m.Warnings = append(m.Warnings, missingWarning(out.Missing, out.N))
	}
	if w := m.Elapsed; w > 0 && out.StartSkew > w/10 {
		m.Warnings = append(m.Warnings, fmt.Sprintf(
			"shards started up to %v apart in a %v window: the merged throughput spans all of it", out.StartSkew, w))
	}
	out.Result = m
	return out, nil
}

// missingWarning says which shards are missing, so that an incomplete merge is never
// read as the whole.
func missingWarning(missing []int, n int) string {
	ids := make([]string, len(missing))
	for i, m := range missing {
		ids[i] = strconv.Itoa(m)
	}
	return fmt.Sprintf(incompletePrefix+"%d of %d shards never reported (shard %s); every figure is of the others only",
		len(missing), n, strings.Join(ids, ", "))
}

// incompletePrefix starts the warning of a merge that misses shards.
const incompletePrefix = "incomplete: "

// Incomplete returns the warning MergeShards put on r when some shards never reported, ""
// for a Result that measured the whole load. An incomplete Result's figures are of the
// shards that reported only: its throughput is not the endpoint's.
func (r *Result) Incomplete() string {
	for _, w := range r.Warnings {
		if strings.HasPrefix(w, incompletePrefix) {
			return w
		}
	}
	return ""
}
