package sagemakertest

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

type injected struct {
	left int
	err  *APIError
}

// FailNext makes the next n calls of operation fail with err before they do
// anything. operation is a SageMaker API name ("CreateEndpoint") or
// "InvokeEndpoint". err may be an *APIError (see [ErrThrottling] and the
// others); any other error is sent as an InternalFailure (HTTP 500) carrying
// its text. Calls queue: FailNext("X", 1, a); FailNext("X", 1, b) fails the
// next call with a and the one after with b.
func (s *Server) FailNext(operation string, n int, err error) {
	if n <= 0 {
		return
	}
	var e *APIError
	if !errors.As(err, &e) {
		msg := "injected failure"
		if err != nil {
			msg = err.Error()
		}
		e = &APIError{"InternalFailure", msg, http.StatusInternalServerError}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[operation] = append(s.faults[operation], injected{n, e})
}

// takeFault consumes one injected failure of op, if any.
func (s *Server) takeFault(op string) *APIError {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	e := q[0].err
	if q[0].left--; q[0].left == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, op)
	} else {
		s.faults[op] = q
	}
	return e
}

// FailEndpoint makes the endpoint called name go to Failed with reason instead
// of InService at its next transition: its creation if it does not exist yet
// or is Creating, its next update otherwise (an update that fails rolls back
// and keeps serving, as in SageMaker).
func (s *Server) FailEndpoint(name, reason string) {
	if reason == "" {
		reason = "sagemakertest: injected failure"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failEP[name] = reason
}

// FailCompilation makes the compilation job called name end FAILED with
// reason, whether it has started yet or not.
func (s *Server) FailCompilation(name, reason string) {
	if reason == "" {
		reason = "sagemakertest: injected failure"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failJob[name] = reason
}

// ThrottleRuntime limits InvokeEndpoint to rps requests per second across all
// endpoints, with a burst of one second's worth; requests above the rate get
// ThrottlingException (HTTP 400) at once. rps <= 0 removes the limit.
func (s *Server) ThrottleRuntime(rps float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rps <= 0 {
		s.throttle = nil
		return
	}
	burst := max(rps, 1)
	s.throttle = &tokenBucket{rate: rps, burst: burst, tokens: burst, last: time.Now()}
}

func (s *Server) allowRuntime() bool {
	s.mu.Lock()
	b := s.throttle
	s.mu.Unlock()
	return b == nil || b.allow(time.Now())
}

// tokenBucket rejects rather than delays, which is what a throttling front
// end does; go.uber.org/ratelimit only delays, so it does not fit here.
type tokenBucket struct {
	mu                  sync.Mutex
	rate, burst, tokens float64
	last                time.Time
}

func (b *tokenBucket) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
