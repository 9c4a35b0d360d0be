package httpinvoker

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// DefaultConcurrency is the number of idle keep-alive connections kept per host when
// WithConcurrency is not given. It is well above the 2 of http.DefaultTransport, whose
// small pool makes a load generator open a new connection for most requests and measure
// TCP handshakes instead of the model.
const DefaultConcurrency = 128

// An Option configures an Invoker.
type Option func(*options) error

type options struct {
	concurrency int
	timeout     time.Duration
	http2       bool
	netHTTP     bool
	client      *http.Client
	check       func(status int, body []byte) error
	header      http.Header
	readyURL    string
}

// WithConcurrency sizes the connection pool for n concurrent requests: the transport keeps
// up to n idle connections to the server, so that every worker of a closed-loop run reuses
// its own keep-alive connection. Give at least the Concurrency of the run (for an open-loop
// run, the most requests expected in flight at once).
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("httpinvoker: concurrency %d: must be at least 1", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithTimeout bounds each request as a whole: opening a connection if it needs one, sending
// the request and reading the last byte of the response.
// A request that runs out of time fails with an error that wraps context.DeadlineExceeded, so
// bench classifies it as a timeout. Zero means no bound other than the context's.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("httpinvoker: timeout %v: must not be negative", d)
		}
		o.timeout = d
		return nil
	}
}

// WithHTTP2 speaks HTTP/2 instead of HTTP/1.1: cleartext HTTP/2 with prior knowledge (h2c)
// on http:// URLs, and HTTP/2 negotiated by ALPN on https:// URLs. All requests then share
// one connection per server, multiplexed, as gRPC-era model servers expect.
func WithHTTP2() Option {
	return func(o *options) error {
		o.http2 = true
		return nil
	}
}

// WithNetHTTP sends http:// requests through net/http's Transport instead of the Invoker's
// own HTTP/1.1 client (see the package documentation). The built-in client is much lighter,
// so keep it unless a server needs what it does not speak (e.g. a response framing other
// than Content-Length, chunked or connection close), or to compare the two.
func WithNetHTTP() Option {
	return func(o *options) error {
		o.netHTTP = true
		return nil
	}
}

// WithHTTPClient sends requests with c instead of a transport built for load. It cannot be
// combined with WithConcurrency or WithHTTP2, which configure the built-in transport. The
// Invoker does not change c; its Timeout and CheckRedirect apply as set.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("httpinvoker: WithHTTPClient(nil): need a client")
		}
		o.client = c
		return nil
	}
}

// WithCheck hands every successful (2xx) response to check, with its status code and the
// whole body. A non-nil error from check fails the request; bench classifies it as a model
// error unless the error chooses its own class with an ErrorClass() string method.
//
// The body slice is reused after check returns: check must not keep it. Without a check the
// body is read and discarded without copying it anywhere.
func WithCheck(check func(status int, body []byte) error) Option {
	return func(o *options) error {
		if check == nil {
			return fmt.Errorf("httpinvoker: WithCheck(nil): need a function")
		}
		o.check = check
		return nil
	}
}

// WithHeader adds a header to every request, e.g. "Accept" or
// "X-Amzn-SageMaker-Custom-Attributes". Content-Type comes from each payload and cannot be
// set here.
func WithHeader(key, value string) Option {
	return func(o *options) error {
		k := textproto.CanonicalMIMEHeaderKey(key)
		switch {
		case k == "":
			return fmt.Errorf("httpinvoker: WithHeader(%q, %q): empty header name", key, value)
		case k == "Content-Type":
			return fmt.Errorf("httpinvoker: WithHeader(%q): the content type comes from the payload", key)
		case k == "Content-Length" || k == "Host" || k == "Transfer-Encoding" || k == "Connection":
			return fmt.Errorf("httpinvoker: WithHeader(%q): set by the invoker itself", key)
		case strings.ContainsFunc(k, notToken):
			return fmt.Errorf("httpinvoker: WithHeader(%q): not a valid header name", key)
		case strings.ContainsAny(value, "\r\n\x00"):
			return fmt.Errorf("httpinvoker: WithHeader(%q, %q): line breaks are not allowed in a header value", key, value)
		}
		o.header.Add(k, value)
		return nil
	}
}

// notToken reports whether r may not appear in a header name (RFC 9110 token).
func notToken(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\\]{}`, r)
}

// WithReadyURL sets the URL that WaitReady polls. The server constructors (SageMaker,
// TorchServe, KServeV2) set it already; New leaves it unset.
func WithReadyURL(rawURL string) Option {
	return func(o *options) error {
		if _, err := parseHTTPURL(rawURL); err != nil {
			return fmt.Errorf("httpinvoker: readiness URL: %w", err)
		}
		o.readyURL = rawURL
		return nil
	}
}
