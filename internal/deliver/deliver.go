// Package deliver hands values to a user callback in order, one call at a time, on a
// goroutine of its own, so that a callback that blocks (a stuck terminal, a full
// channel) can never hold the code that produces the values: a load, a teardown, the
// return of a run whose endpoint is billed by the hour.
//
//	q := deliver.New(fn, deliver.Options[Event]{})
//	q.Push(e) // never blocks
//	...
//	st := q.Close(time.Second, 10*time.Second) // waits for a callback that keeps returning
package deliver

import (
	"sync"
	"time"
)

// Options tune a Queue. The zero value keeps every value.
type Options[T any] struct {
	// Droppable, if set, reports whether a value may be dropped: when MaxDroppable
	// droppable values are already waiting, pushing another drops the oldest of them, so
	// that a stuck callback cannot make the queue grow without bound. Live figures that
	// the next one supersedes are droppable; a value said once (an endpoint deleted) is not.
	Droppable    func(T) bool
	MaxDroppable int
	// DropOnClose drops the droppable values still waiting when Close is called: once
	// the producer is done, live figures are stale, and delivering them first could use
	// up Close's wait before the values that are said once.
	DropOnClose bool
	// OnPanic, if set, is called on the delivering goroutine with what the callback
	// panicked with. The callback is not called again.
	OnPanic func(any)
}

// Stats says how a Queue's delivery went, once it is closed.
type Stats struct {
	Delivered int // calls that returned
	Dropped   int // droppable values dropped because too many were waiting
	// Abandoned is set when Close stopped waiting for a callback that did not return;
	// Undelivered values were then never passed to it.
	Abandoned   bool
	Undelivered int
	// Slowest is the longest call, counting one still running when Close gave up.
	Slowest time.Duration
	// Panic is what the callback panicked with, if it did.
	Panic any
}

// Queue calls a callback with every value pushed, in the order pushed, never two calls
// at once, on a goroutine of its own.
type Queue[T any] struct {
	fn   func(T)
	opts Options[T]

	mu        sync.Mutex
	cond      *sync.Cond
	pending   []T
	droppable int // droppable values in pending
	closed    bool
	abandoned bool
	calling   time.Time // when the call in progress started; zero between calls
	stats     Stats

	returned chan struct{} // a send (never blocking) each time a call returns
	done     chan struct{} // closed when the delivering goroutine has returned
}

// New starts the goroutine that calls fn. Close must be called to stop it.
func New[T any](fn func(T), opts Options[T]) *Queue[T] {
	q := &Queue[T]{fn: fn, opts: opts, returned: make(chan struct{}, 1), done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.deliver()
	return q
}

// Push queues v for the callback and returns at once. After Close, or once the callback
// has panicked, v is dropped.
func (q *Queue[T]) Push(v T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.stats.Panic != nil {
		return
	}
	if q.opts.Droppable != nil && q.opts.Droppable(v) {
		if q.opts.MaxDroppable > 0 && q.droppable >= q.opts.MaxDroppable {
			for i, old := range q.pending {
				if q.opts.Droppable(old) {
					q.pending = append(q.pending[:i], q.pending[i+1:]...)
					q.droppable--
					q.stats.Dropped++
					break
				}
			}
		}
		q.droppable++
	}
	q.pending = append(q.pending, v)
	q.cond.Signal()
}

func (q *Queue[T]) deliver() {
	defer close(q.done)
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for len(q.pending) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.pending) == 0 || q.abandoned || q.stats.Panic != nil {
			q.stats.Undelivered += len(q.pending)
			q.pending = nil
			return
		}
		v := q.pending[0]
		var zero T
		q.pending[0] = zero // let a delivered value be collected
		q.pending = q.pending[1:]
		if q.opts.Droppable != nil && q.opts.Droppable(v) {
			q.droppable--
		}
		q.calling = time.Now()
		q.mu.Unlock()
		p, panicked := q.call(v)
		q.mu.Lock()
		q.stats.Slowest = max(q.stats.Slowest, time.Since(q.calling))
		q.calling = time.Time{}
		q.stats.Delivered++
		select {
		case q.returned <- struct{}{}:
		default:
		}
		if panicked {
			q.stats.Panic = p
			if q.opts.OnPanic != nil {
				q.mu.Unlock()
				q.opts.OnPanic(p)
				q.mu.Lock()
			}
		}
	}
}

// call calls the callback, recovering its panic: left alone it would kill the process
// from this goroutine, past every defer of the code that must clean up.
func (q *Queue[T]) call(v T) (p any, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			p, panicked = r, true
		}
	}()
	q.fn(v)
	return nil, false
}

// Close stops accepting values and waits for those already queued to be delivered, as
// long as the callback keeps returning: it gives up when no call has returned for stall,
// or limit after Close was called, whichever comes first (with Options.DropOnClose, the
// droppable values are dropped first). Then the values still queued are
// dropped (Stats.Undelivered) and a call still running is left to return on its own; the
// callback is never called again. Close returns at once if the queue is already drained.
func (q *Queue[T]) Close(stall, limit time.Duration) Stats {
	q.mu.Lock()
	q.closed = true
	if q.opts.DropOnClose && q.droppable > 0 {
		kept := q.pending[:0]
		for _, v := range q.pending {
			if q.opts.Droppable(v) {
				q.stats.Dropped++
			} else {
				kept = append(kept, v)
			}
		}
		clear(q.pending[len(kept):]) // let the dropped values be collected
		q.pending, q.droppable = kept, 0
	}
	q.cond.Signal()
	q.mu.Unlock()

	total := time.NewTimer(limit)
	defer total.Stop()
	quiet := time.NewTimer(stall)
	defer quiet.Stop()
	for {
		select {
		case <-q.done:
			q.mu.Lock()
			defer q.mu.Unlock()
			return q.stats
		case <-q.returned:
			quiet.Reset(stall)
		case <-quiet.C:
			return q.abandon()
		case <-total.C:
			return q.abandon()
		}
	}
}

// abandon stops the delivery at the callback's next return.
func (q *Queue[T]) abandon() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.abandoned = true
	st := q.stats
	select {
	case <-q.done: // it returned after all
		return st
	default:
	}
	st.Abandoned = true
	st.Undelivered += len(q.pending)
	if !q.calling.IsZero() {
		st.Slowest = max(st.Slowest, time.Since(q.calling))
	}
	return st
}
