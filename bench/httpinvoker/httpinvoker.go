// Package httpinvoker drives load against any HTTP inference server: a SageMaker-compatible
// container on its own (POST /invocations, GET /ping), TorchServe, a KServe v2 server, or a
// raw URL. Its Invoker satisfies bench.Invoker, so bench.Run can load a model server running
// on a laptop or an EC2 instance exactly as it loads a SageMaker endpoint.
//
//	inv, err := httpinvoker.SageMaker("http://localhost:8080", httpinvoker.WithConcurrency(16))
//	if err != nil { ... }
//	if err := inv.WaitReady(ctx); err != nil { ... } // GET /ping until 200
//	res, err := bench.Run(ctx, inv, bench.Config{Concurrency: 16, Duration: time.Minute, Payloads: ps})
//
// Each request POSTs the payload's body with its content type, reads the whole response (a
// server that is still writing is still working) and fails with a *StatusError for any status
// other than 2xx.
//
// The client is built for load rather than for browsing. For http:// URLs the Invoker speaks
// HTTP/1.1 itself: one writev per request and buffered reads in the calling goroutine, on
// keep-alive connections pooled for the run's concurrency, with no allocation per request.
// That costs 3-5 times less client CPU per request than net/http, which matters when the
// load generator shares a machine with the server (see BENCHMARKS.md). It honors
// Content-Length, chunked and close-delimited responses, 1xx responses and
// "Connection: close", and rejects every response that net/http rejects. Before reusing a
// keep-alive connection it checks that the server has not closed it; a request is sent a
// second time only if writing it to a reused connection failed before its first byte, so
// the server cannot have started on it (Stats counts these). HTTPS, WithHTTP2 (h2c),
// WithNetHTTP and WithHTTPClient go through net/http instead, with a transport tuned the
// same way: no transparent compression, no proxy from the environment, no redirects
// followed.
//
// Options are functional, as in the rest of sagebench outside the AWS-client packages:
// WithX values of type Option, passed to New or a server constructor, which checks them and
// returns an error for an invalid one.
package httpinvoker

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sagebench/sagebench/payload"
)

// Invoker POSTs payloads to one URL. It is safe for concurrent use.
type Invoker struct {
	url      string
	readyURL string
	client   *http.Client
	timeout  time.Duration
	check    func(status int, body []byte) error
	extra    http.Header // from WithHeader
	h1       *h1         // nil: requests go through client

	// header caches the request header for the last content type seen. Runs almost always
	// send one content type, so the hot path reuses one read-only header map instead of
	// building a map per request; a new content type just replaces the cache.
	header atomic.Pointer[typedHeader]
}

type typedHeader struct {
	contentType string
	h           http.Header
}

// New returns an Invoker that POSTs each payload to rawURL, which must be an absolute http
// or https URL. It has no readiness URL unless WithReadyURL gives one. It returns an error
// if rawURL or an option's value is invalid (each With function says what it accepts).
func New(rawURL string, opts ...Option) (*Invoker, error) {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("httpinvoker: %w", err)
	}
	o, header, err := apply(opts)
	if err != nil {
		return nil, err
	}
	client := o.client
	if client == nil {
		client = newClient(o)
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", userAgent)
	}
	inv := &Invoker{
		url:      rawURL,
		readyURL: o.readyURL,
		client:   client,
		timeout:  o.timeout,
		check:    o.check,
		extra:    header,
	}
	if o.client == nil && !o.http2 && !o.netHTTP && u.Scheme == "http" && u.User == nil {
		inv.h1 = newH1(u, header, cmp.Or(o.concurrency, DefaultConcurrency))
	}
	return inv, nil
}

// userAgent identifies the load in the server's logs, unless WithHeader sets another.
const userAgent = "sagebench-httpinvoker"

// Stats counts what the built-in HTTP/1.1 client did besides sending each request once
// on a warm connection. Under net/http (https, WithHTTP2, WithNetHTTP, WithHTTPClient) it
// is all zeros.
type Stats struct {
	// Dials is the number of connections opened.
	Dials int64
	// Discarded is the number of keep-alive connections dropped instead of reused because
	// the server had closed them (e.g. its idle timeout) or had sent bytes that answer no
	// request. No request is lost or repeated: nothing had been sent on them.
	Discarded int64
	// Resends is the number of requests sent a second time, on a new connection, because
	// writing them to a reused connection failed before their first byte: the server
	// closed it after the check and before the request reached it, so it cannot have
	// started on the request. A request of which any byte was written is never resent.
	Resends int64
}

// Stats returns the counts since New. It is safe to call during a run.
func (inv *Invoker) Stats() Stats {
	if inv.h1 == nil {
		return Stats{}
	}
	return Stats{Dials: inv.h1.dials.Load(), Discarded: inv.h1.discarded.Load(), Resends: inv.h1.resends.Load()}
}

// URL returns the URL that Invoke POSTs to.
func (inv *Invoker) URL() string { return inv.url }

// ReadyURL returns the URL that WaitReady polls, or "" if there is none.
func (inv *Invoker) ReadyURL() string { return inv.readyURL }

// CloseIdleConnections closes the keep-alive connections that no request is using, e.g.
// between two runs that must not share warm connections, or when the Invoker is dropped.
func (inv *Invoker) CloseIdleConnections() {
	if inv.h1 != nil {
		inv.h1.closeIdle()
	}
	inv.client.CloseIdleConnections()
}

// Invoke POSTs p.Body to the Invoker's URL with Content-Type p.ContentType and reads the
// whole response. It returns nil for a 2xx response (that the check, if any, accepts), a
// *StatusError for any other status, a *CheckError if the check rejects the response, and
// an error wrapping context.DeadlineExceeded or context.Canceled when time runs out or ctx
// is canceled.
func (inv *Invoker) Invoke(ctx context.Context, p payload.Payload) error {
	if inv.h1 != nil {
		return inv.invokeH1(ctx, p)
	}
	if inv.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, inv.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inv.url, bytes.NewReader(p.Body))
	if err != nil {
		return fmt.Errorf("httpinvoker: POST %s: %w", inv.url, err)
	}
	req.Header = inv.headerFor(p.ContentType)
	resp, err := inv.client.Do(req)
	if err != nil {
		return contextual(ctx, fmt.Errorf("httpinvoker: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(http.MethodPost, inv.url, resp)
	}
	if inv.check == nil {
		// io.Discard reads through a pooled buffer: no allocation per request.
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return contextual(ctx, fmt.Errorf("httpinvoker: POST %s: reading response: %w", inv.url, err))
		}
		return nil
	}
	return inv.runCheck(ctx, resp)
}

func (inv *Invoker) invokeH1(ctx context.Context, p payload.Payload) error {
	// The timeout is a connection deadline rather than a derived context: no timer, no
	// allocation.
	dl, _ := ctx.Deadline()
	if inv.timeout > 0 {
		if own := time.Now().Add(inv.timeout); dl.IsZero() || own.Before(dl) {
			dl = own
		}
	}
	var sink bodySink
	if inv.check != nil {
		sink = bodySink{buf: bodyPool.Get().(*bytes.Buffer), all: true}
		sink.buf.Reset()
		defer func() {
			if sink.buf.Cap() <= maxPooledBody {
				bodyPool.Put(sink.buf)
			}
		}()
	}
	status, err := inv.h1.do(ctx, dl, p.ContentType, p.Body, &sink)
	if err != nil {
		err = fmt.Errorf("httpinvoker: POST %s: %w", inv.url, err)
		// A deadline that passed (the invoker's timeout, or the context's a moment before
		// its own timer marks it done) is a timeout, whatever the context says yet.
		if ctx.Err() == nil && !dl.IsZero() && isTimeout(err) && !time.Now().Before(dl) {
			return fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
		return contextual(ctx, err)
	}
	if status < 200 || status > 299 {
		var body []byte
		if sink.buf != nil {
			body = sink.buf.Bytes()[:min(sink.buf.Len(), maxErrorBody)]
		}
		return &StatusError{Method: http.MethodPost, URL: inv.url, StatusCode: status, Body: string(bytes.TrimSpace(body))}
	}
	if inv.check != nil {
		if err := inv.check(status, sink.buf.Bytes()); err != nil {
			return &CheckError{URL: inv.url, StatusCode: status, Err: err}
		}
	}
	return nil
}

// headerFor returns the shared, read-only request header for contentType. The transport
// only reads a request's header (RoundTripper must not modify the request), so concurrent
// requests may share one map.
func (inv *Invoker) headerFor(contentType string) http.Header {
	if th := inv.header.Load(); th != nil && th.contentType == contentType {
		return th.h
	}
	h := inv.extra.Clone()
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	inv.header.Store(&typedHeader{contentType: contentType, h: h})
	return h
}

// bodyPool holds buffers for responses handed to a check, so a long run reuses a few
// buffers instead of allocating one per response.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer returned to bodyPool; one huge response must not pin
// its buffer for the rest of the run.
const maxPooledBody = 4 << 20

func (inv *Invoker) runCheck(ctx context.Context, resp *http.Response) error {
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodyPool.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > 0 && resp.ContentLength <= maxPooledBody {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return contextual(ctx, fmt.Errorf("httpinvoker: POST %s: reading response: %w", inv.url, err))
	}
	if err := inv.check(resp.StatusCode, buf.Bytes()); err != nil {
		return &CheckError{URL: inv.url, StatusCode: resp.StatusCode, Err: err}
	}
	return nil
}

// statusError keeps the start of the body for the message and discards the rest, so the
// connection can be reused for the next request even after an error.
func statusError(method, url string, resp *http.Response) error {
	var head [maxErrorBody]byte
	n, _ := io.ReadFull(resp.Body, head[:])
	_, _ = io.Copy(io.Discard, resp.Body)
	return &StatusError{Method: method, URL: url, StatusCode: resp.StatusCode, Body: string(bytes.TrimSpace(head[:n]))}
}

// contextual makes sure that a request that failed because ctx ended says so in a way
// errors.Is sees: net/http reports some of these failures (e.g. a read cut short while
// the body streams in) without wrapping the context's error, and bench tells a timeout
// from a cancellation only through it.
func contextual(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	cerr := ctx.Err()
	if cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}
