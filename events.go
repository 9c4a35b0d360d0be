package sagebench

import (
	"fmt"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/deliver"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/report"
)

// EventKind says what happened to a candidate or a compilation.
type EventKind string

// The events of a study, in the order a candidate meets them.
const (
	EventCompiling   EventKind = "compiling"  // a Neo job for Target was created
	EventCompiled    EventKind = "compiled"   // Target's job completed after Elapsed
	EventDeploying   EventKind = "deploying"  // the candidate's endpoint is being created
	EventWaitingSlot EventKind = "waiting"    // the account's endpoint limit was hit; Reason says so
	EventInService   EventKind = "in-service" // the endpoint is InService after Elapsed
	EventMeasuring   EventKind = "measuring"  // a live Snapshot of the load
	EventMeasured    EventKind = "measured"   // Result is the candidate's figure
	EventDeleted     EventKind = "deleted"    // the candidate's endpoint, config and model are gone
	// EventLoadStarting: the load is starting away from here (Study.LoadOn), before
	// EventMeasured; Reason says where: "3 x ml.c5.xlarge in eu-west-1".
	EventLoadStarting EventKind = "load-starting"
	// EventWaitingMetrics: waiting, Elapsed so far and Remaining to go, for CloudWatch to
	// hold the candidate's complete metrics (Study.ServerMetrics); its endpoint is gone.
	EventWaitingMetrics EventKind = "waiting-metrics"
	// EventServerMetrics: the candidate's server figures are in its Outcome, or Reason
	// says why they are n/a (Err is CloudWatch's error, for a log).
	EventServerMetrics EventKind = "server-metrics"
	EventSkipped       EventKind = "skipped"        // not measured in this run; Reason says why
	EventFailed        EventKind = "failed"         // Err says what failed (a candidate, or Target's compilation)
	EventTeardownError EventKind = "teardown-error" // a resource could not be deleted; Err says why
)

// Event is one step of a study, passed to Study.Events.
type Event struct {
	Kind      EventKind
	Candidate string     // empty for compilation events
	Target    neo.Target // compilation events
	// Elapsed is the time the step took: deploy to InService, a compilation, a load.
	Elapsed time.Duration
	// Remaining is the wait left, for EventWaitingMetrics.
	Remaining time.Duration
	Snapshot  *bench.Snapshot // EventMeasuring
	Result    *bench.Result   // EventMeasured
	Reason    string
	Err       error
	// RunID and JournalPath, in EventStarted: the run id that tags every resource of the run
	// and the journal's path ("" without one).
	RunID, JournalPath string
}

// String is a one-line description, as the examples print it.
func (e Event) String() string {
	switch e.Kind {
	case EventCompiling:
		return fmt.Sprintf("compiling for %s", e.Target)
	case EventCompiled:
		return fmt.Sprintf("compiled for %s in %v", e.Target, e.Elapsed.Round(time.Millisecond))
	case EventDeploying:
		return fmt.Sprintf("%s: deploying", e.Candidate)
	case EventWaitingSlot:
		return fmt.Sprintf("%s: waiting for an endpoint slot (%s)", e.Candidate, e.Reason)
	case EventInService:
		return fmt.Sprintf("%s: InService after %v", e.Candidate, e.Elapsed.Round(time.Millisecond))
	case EventMeasuring:
		s := e.Snapshot
		if s == nil || s.Warmup {
			return fmt.Sprintf("%s: warming up", e.Candidate)
		}
		return fmt.Sprintf("%s: %v %d requests, %.1f req/s, p99 %v, %s", e.Candidate, s.Elapsed.Round(time.Second),
			s.Requests, s.Throughput, s.P99.Round(time.Millisecond), errorsLine(s.Errors, s.Requests, s.ErrorsByClass))
	case EventLoadStarting:
		return fmt.Sprintf("%s: load starting on %s", e.Candidate, e.Reason)
	case EventMeasured:
		r := e.Result
		line := fmt.Sprintf("%s: %.1f req/s, p50 %v, p99 %v, %s", e.Candidate, r.Throughput,
			r.Latency.P50.Round(time.Millisecond), r.Latency.P99.Round(time.Millisecond),
			errorsLine(r.Errors, r.Requests, r.ErrorsByClass))
		if c, sample, ok := report.MainError(r); ok && sample != "" {
			line += fmt.Sprintf(": first %s: %q", c, truncateLine(sample, 120))
		}
		return line
	case EventDeleted:
		return fmt.Sprintf("%s: endpoint deleted", e.Candidate)
	case EventWaitingMetrics:
		return fmt.Sprintf("%s: waiting %v more for complete CloudWatch metrics (endpoint already deleted)",
			e.Candidate, e.Remaining.Round(time.Second))
	case EventServerMetrics:
		if e.Reason != "" {
			return fmt.Sprintf("%s: server-side figures n/a (%s)", e.Candidate, e.Reason)
		}
		return fmt.Sprintf("%s: server-side figures read from CloudWatch", e.Candidate)
	case EventSkipped:
		return fmt.Sprintf("%s: skipped (%s)", e.Candidate, e.Reason)
	case EventFailed:
		if e.Candidate == "" {
			return fmt.Sprintf("compiling for %s failed: %v", e.Target, e.Err)
		}
		return fmt.Sprintf("%s: failed: %v", e.Candidate, e.Err)
	case EventTeardownError:
		return fmt.Sprintf("teardown: %s: %v", e.Reason, e.Err)
	case EventStarted:
		return startedString(e)
	}
	return string(e.Kind)
}

// errorsLine says a run's errors so far: "0 errors", or "59 errors (100%, mostly
// client_error)" with the class that has the most (the first by name on a tie).
func errorsLine(errs, requests int64, classes map[bench.ErrorClass]int64) string {
	if errs == 0 {
		return "0 errors"
	}
	s := fmt.Sprintf("%d errors (%.1f%%", errs, 100*float64(errs)/float64(max(requests, errs)))
	if main, _, ok := report.MainError(&bench.Result{ErrorsByClass: classes}); ok {
		s += ", mostly " + string(main)
	}
	return s + ")"
}

// Bounds of Run's wait, after the teardown, for Study.Events to take the events still
// queued: a callback that has not returned for eventStall is stuck.
const (
	eventStall      = time.Second
	eventDrainLimit = 10 * time.Second
	maxSnapshots    = 1024 // EventMeasuring events waiting, at most
)

// emit queues e for Study.Events; it never blocks.
func (r *run) emit(e Event) {
	if r.events != nil {
		r.events.Push(e)
	}
}

// startEvents starts the delivery of Study.Events. A panic in it cancels the run, and
// Run re-raises it after the teardown.
func (r *run) startEvents() {
	if r.s.Events == nil {
		return
	}
	r.events = deliver.New(r.s.Events, deliver.Options[Event]{
		Droppable:    func(e Event) bool { return e.Kind == EventMeasuring },
		MaxDroppable: maxSnapshots,
		DropOnClose:  true, // after the teardown: a snapshot is stale, EventMeasured is not
		OnPanic:      r.catch1,
	})
}

// stopEvents waits, a bounded time, for Study.Events to take the events still queued.
func (r *run) stopEvents() {
	if r.events != nil {
		r.events.Close(eventStall, eventDrainLimit)
	}
}
