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

// An Option configures an Invoker. Options only record what they are given: the constructor
// that applies them (New, SageMaker, TorchServe, KServeV2) checks the values and returns an
// error for one out of range, so a bad option never panics and never goes unnoticed.
type Option func(*options)

type options struct {
	concurrency    int
	concurrencySet bool
	timeout        time.Duration
	http2          bool
	netHTTP        bool
	client         *http.Client
	clientSet      bool
	check          func(status int, body []byte) error
	checkSet       bool
	headers        []headerField // in the order given
	readyURL       string
	readyURLSet    bool
}

type headerField struct{ key, value string }

// WithConcurrency sizes the connection pool for n concurrent requests: the transport keeps
// up to n idle connections to the server, so that every worker of a closed-loop run reuses
// its own keep-alive connection. Give at least the Concurrency of the run (for an open-loop
// run, the most requests expected in flight at once). n must be at least 1.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency, o.concurrencySet = n, true }
}

// WithTimeout bounds each request as a whole: opening a connection if it needs one, sending
// the request and reading the last byte of the response.
// A request that runs out of time fails with an error that wraps context.DeadlineExceeded, so
// bench classifies it as a timeout. Zero means no bound other than the context's; a negative
// d is an error.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithHTTP2 speaks HTTP/2 instead of HTTP/1.1: cleartext HTTP/2 with prior knowledge (h2c)
// on http:// URLs, and HTTP/2 negotiated by ALPN on https:// URLs. All requests then share
// one connection per server, multiplexed, as gRPC-era model servers expect.
func WithHTTP2() Option {
	return func(o *options) { o.http2 = true }
}

// WithNetHTTP sends http:// requests through net/http's Transport instead of the Invoker's
// own HTTP/1.1 client (see the package documentation). The built-in client is much lighter,
// so keep it unless a server needs what it does not speak (e.g. a response framing other
// than Content-Length, chunked or connection close), or to compare the two.
func WithNetHTTP() Option {
	return func(o *options) { o.netHTTP = true }
}

// WithHTTPClient sends requests with c instead of a transport built for load. It cannot be
// combined with WithConcurrency or WithHTTP2, which configure the built-in transport. The
// Invoker does not change c; its Timeout and CheckRedirect apply as set. A nil c is an error.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.client, o.clientSet = c, true }
}

// WithCheck hands every successful (2xx) response to check, with its status code and the
// whole body. A non-nil error from check fails the request; bench classifies it as a model
// error unless the error chooses its own class with an ErrorClass() string method. A nil
// check is an error.
//
// The body slice is reused after check returns: check must not keep it. Without a check the
// body is read and discarded without copying it anywhere.
func WithCheck(check func(status int, body []byte) error) Option {
	return func(o *options) { o.check, o.checkSet = check, true }
}

// WithHeader adds a header to every request, e.g. "Accept" or
// "X-Amzn-SageMaker-Custom-Attributes". Content-Type comes from each payload and cannot be
// set here, nor can the headers the invoker sets itself (Content-Length, Host,
// Transfer-Encoding, Connection); an invalid name or a value with a line break is an error.
func WithHeader(key, value string) Option {
	return func(o *options) { o.headers = append(o.headers, headerField{key, value}) }
}

// WithReadyURL sets the URL that WaitReady polls, an absolute http or https URL. The server
// constructors (SageMaker, TorchServe, KServeV2) set it already; New leaves it unset.
func WithReadyURL(rawURL string) Option {
	return func(o *options) { o.readyURL, o.readyURLSet = rawURL, true }
}

// apply applies opts in order, skipping nil ones, and checks the result: the values the
// options recorded and how they combine. The error names the option at fault.
func apply(opts []Option) (options, http.Header, error) {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	switch {
	case o.concurrencySet && o.concurrency < 1:
		return o, nil, fmt.Errorf("httpinvoker: concurrency %d: must be at least 1", o.concurrency)
	case o.timeout < 0:
		return o, nil, fmt.Errorf("httpinvoker: timeout %v: must not be negative", o.timeout)
	case o.clientSet && o.client == nil:
		return o, nil, fmt.Errorf("httpinvoker: WithHTTPClient(nil): need a client")
	case o.checkSet && o.check == nil:
		return o, nil, fmt.Errorf("httpinvoker: WithCheck(nil): need a function")
	case o.client != nil && (o.concurrencySet || o.http2):
		return o, nil, fmt.Errorf("httpinvoker: WithHTTPClient cannot be combined with WithConcurrency or WithHTTP2: configure the client's transport instead")
	}
	if o.readyURLSet {
		if _, err := parseHTTPURL(o.readyURL); err != nil {
			return o, nil, fmt.Errorf("httpinvoker: readiness URL: %w", err)
		}
	}
	header := http.Header{}
	for _, f := range o.headers {
		if err := checkHeader(f.key, f.value); err != nil {
			return o, nil, err
		}
		header.Add(textproto.CanonicalMIMEHeaderKey(f.key), f.value)
	}
	return o, header, nil
}

// checkHeader reports why WithHeader(key, value) cannot be sent, or nil.
func checkHeader(key, value string) error {
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
	return nil
}

// notToken reports whether r may not appear in a header name (RFC 9110 token).
func notToken(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\\]{}`, r)
}
