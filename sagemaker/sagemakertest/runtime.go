package sagemakertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxPayloadBytes is SageMaker's limit on an InvokeEndpoint request body (6 MB).
const MaxPayloadBytes = 6 << 20

// pool is the serving side of an InService endpoint: its model workers as a
// counting semaphore, the scaled device time and what it serves.
type pool struct {
	slots    chan struct{}
	device   time.Duration
	variant  variant
	count    int     // instances
	weight   float64 // share of traffic
	image    string
	compiled bool
	profile  Profile
	sls      *serverlessPool // a serverless variant's containers (serverless.go); nil for instances
}

// newPool provisions a variant: its capacity is the profile's workers per
// instance times the instance count, so scaling out adds throughput.
func (s *Server) newPool(dv deployedVariant, compiled bool) *pool {
	if dv.v.ServerlessConfig != nil {
		return s.newServerlessPool(dv, compiled)
	}
	p := s.profileFor(dv.v.InstanceType, compiled)
	count := max(dv.v.InitialInstanceCount, 1)
	return &pool{
		slots:    make(chan struct{}, p.Workers*count),
		device:   time.Duration(float64(p.DeviceTime) * s.opts.timeScale),
		variant:  dv.v,
		count:    count,
		weight:   dv.v.weight(),
		image:    dv.container.Image,
		compiled: compiled,
		profile:  p,
	}
}

// serveInvoke emulates POST /endpoints/{name}/invocations.
func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request, name string) {
	const op = "InvokeEndpoint"
	arrived := time.Now()
	s.count(op)
	if e := s.takeFault(op); e != nil {
		writeRESTError(w, e, nil)
		return
	}
	if !s.allowRuntime() {
		writeRESTError(w, ErrThrottling(), nil)
		return
	}
	limit := s.opts.maxPayloadBytes
	if r.ContentLength > limit {
		writePayloadTooLarge(w, limit)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		writeRESTError(w, &APIError{"InternalFailure", "sagemakertest: reading request body: " + err.Error(), http.StatusInternalServerError}, nil)
		return
	}
	if int64(len(body)) > limit {
		writePayloadTooLarge(w, limit)
		return
	}

	inv, e := readInvocation(r, name)
	if e != nil {
		writeRESTError(w, e, nil)
		return
	}
	s.mu.Lock()
	var p *pool
	e = &APIError{"ValidationError", fmt.Sprintf("Endpoint %s of account %s not found.", name, AccountID), http.StatusBadRequest}
	if ep, ok := s.endpoints[name]; ok && ep.serving != nil {
		p, e = ep.pickLocked(inv.TargetVariant)
	}
	handler := s.opts.handler
	s.mu.Unlock()
	if e != nil {
		writeRESTError(w, e, nil)
		return
	}
	inv.Variant = p.variant.VariantName
	if handler == nil {
		handler = DefaultHandler
	}
	var respType string
	ctx := context.WithValue(context.WithValue(r.Context(), invocationKey{}, inv), responseTypeKey{}, &respType)
	if p.sls != nil { // serverless.go: 4 MB, MaxConcurrency, cold starts
		cold, ok := p.sls.admit(w, len(body), name, p.variant.VariantName)
		if !ok {
			return
		}
		defer p.sls.release()
		if cold && !p.sls.coldStart(ctx, name, p.variant.VariantName) {
			s.writeIfClosed(w)
			return
		}
	}
	rec := s.startInvocation(name, p, arrived)
	defer rec.finish()

	// A request abandoned while it queues is dropped; one that has a worker
	// keeps it for the whole device time even if its client gives up, as a
	// model server finishes what it started. Only Close cuts a hold short.
	select {
	case p.slots <- struct{}{}:
		rec.started = time.Now()
	case <-ctx.Done():
		s.writeIfClosed(w)
		return
	}
	aborted := false
	out, herr := s.hold(p, func() (out []byte, err error) {
		// A panicking handler is a crashed model worker: the container answers 500, and
		// the worker is freed (net/http would recover the panic but keep the slot). A
		// handler's http.ErrAbortHandler still aborts the connection, once it is freed.
		defer func() {
			if v := recover(); v != nil {
				aborted = v == http.ErrAbortHandler
				out, err = nil, &statusError{http.StatusInternalServerError, fmt.Sprintf("sagemakertest: the handler panicked: %v", v)}
			}
		}()
		return handler(ctx, name, body, r.Header.Get("Content-Type"))
	})
	rec.ended = time.Now()
	<-p.slots
	if aborted {
		panic(http.ErrAbortHandler)
	}
	// s.ctx is checked first: a canceled context closes its Done channel
	// before it cancels its children, so the request's own context may not
	// say so yet.
	if s.ctx.Err() != nil || ctx.Err() != nil {
		s.writeIfClosed(w)
		return
	}
	if herr != nil {
		rec.status = s.writeModelError(w, name, herr)
		return
	}
	if respType == "" {
		respType = inv.responseType()
	}
	w.Header().Set("Content-Type", respType)
	w.Header().Set("X-Amzn-Invoked-Production-Variant", inv.Variant)
	if inv.CustomAttributes != "" {
		w.Header().Set("X-Amzn-SageMaker-Custom-Attributes", inv.CustomAttributes)
	}
	_, _ = w.Write(out)
}

// hold runs work and returns no earlier than the device time after the
// request got its worker. Measuring from that moment, with the work inside
// the window, keeps the emulated throughput calibrated on a slow CPU as long
// as the work is shorter than the device time.
//
// Timers wake late (0.5-1 ms on a virtual machine, 8% of inf1's 13 ms), so
// the wait is shortened by the lateness observed so far: an integral
// controller that drives the mean lateness to zero.
func (s *Server) hold(p *pool, work func() ([]byte, error)) ([]byte, error) {
	deadline := time.Now().Add(p.device)
	out, err := work()
	if p.device <= 0 {
		return out, err
	}
	if wait := time.Until(deadline) - time.Duration(s.timerSlack.Load()); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return out, err
		}
	}
	// Each sample is clamped so that a goroutine descheduled on a busy CPU
	// does not teach the controller to end holds early.
	late := min(max(time.Since(deadline), -maxSlack), maxSlack)
	slack := s.timerSlack.Add(int64(late) / 16)
	if slack < 0 || slack > int64(maxSlack) {
		s.timerSlack.Store(min(max(slack, 0), int64(maxSlack)))
	}
	return out, err
}

// maxSlack bounds the timer-lateness compensation.
const maxSlack = 2 * time.Millisecond

// writeIfClosed answers a request cut short by Close; one whose client went
// away needs no answer.
func (s *Server) writeIfClosed(w http.ResponseWriter) {
	if s.ctx.Err() != nil {
		writeRESTError(w, &APIError{"ServiceUnavailable", "sagemakertest: server closed", http.StatusServiceUnavailable}, nil)
	}
}

// writeRESTError writes e in the REST-JSON shape of the runtime API; extra
// adds members of a modelled error such as ModelError.
func writeRESTError(w http.ResponseWriter, e *APIError, extra map[string]any) {
	body := map[string]any{"Message": e.Message}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.WriteHeader(e.StatusCode)
	_ = json.NewEncoder(w).Encode(body)
}

// writePayloadTooLarge answers an oversized body the way the SageMaker
// runtime front end does: HTTP 413 without an error code, so the SDK reports
// it by status.
func writePayloadTooLarge(w http.ResponseWriter, limit int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": fmt.Sprintf("HTTP content length exceeded %d bytes.", limit)})
}

// writeModelError reports a handler error as SageMaker reports an error from
// the model container: HTTP 424 ModelError carrying the container's status,
// which it returns.
func (s *Server) writeModelError(w http.ResponseWriter, name string, err error) int {
	status := http.StatusInternalServerError
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		status = sc.StatusCode()
	}
	kind := "server"
	if status < 500 {
		kind = "client"
	}
	region := s.opts.region
	msg := fmt.Sprintf("Received %s error (%d) from primary with message %q. See https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#logEventViewer:group=/aws/sagemaker/Endpoints/%s in account %s for more information.",
		kind, status, err.Error(), region, region, name, AccountID)
	writeRESTError(w, &APIError{"ModelError", msg, http.StatusFailedDependency}, map[string]any{
		"OriginalStatusCode": status,
		"OriginalMessage":    err.Error(),
		"LogStreamArn":       fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/aws/sagemaker/Endpoints/%s", region, AccountID, name),
	})
	return status
}
