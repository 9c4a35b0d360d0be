package httpinvoker

import (
	"bufio"
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// h1 is the Invoker's own HTTP/1.1 client for plain http:// URLs, used unless an option asks
// for net/http (WithHTTP2, WithHTTPClient; https and URLs with a user go through net/http).
//
// Why not net/http: its client hands every request from the caller to a writer goroutine and
// the response from a reader goroutine back to the caller, and allocates ~50 objects on the
// way. On a small machine that shares its cores with the server under test, that CPU is taken
// from the server and shows as a lower request rate: measured against one loopback server on
// two cores, net/http's client reached 60% of wrk's rate. h1 does one write (writev of a
// reused header buffer and the payload) and buffered reads of the response in the calling
// goroutine, on a pooled keep-alive connection, and allocates nothing per request.
//
// It speaks exactly the subset a benchmark needs: POST with a Content-Length body; responses
// framed by Content-Length, chunked encoding or connection close; 1xx responses skipped;
// "Connection: close" honored. Anything else fails the request and drops the connection.
type h1 struct {
	addr   string // host:port to dial
	prefix []byte // request line, Host, User-Agent and WithHeader headers
	dialer net.Dialer

	mu      sync.Mutex
	idle    []*h1conn // LIFO: the most recently used connection is the warmest
	maxIdle int
}

func newH1(u *url.URL, extra http.Header, maxIdle int) *h1 {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	p := []byte("POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		for _, v := range extra[k] {
			p = append(p, k+": "+v+"\r\n"...)
		}
	}
	return &h1{
		addr:    addr,
		prefix:  p,
		dialer:  net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
		maxIdle: maxIdle,
	}
}

// h1conn is one keep-alive connection and the buffers it reuses for every request on it.
type h1conn struct {
	nc   net.Conn
	br   *bufio.Reader
	head []byte
	bufs [2][]byte
	out  net.Buffers

	// Cancellation: an AfterFunc on the Done channel of a request's context sets a past
	// deadline, which unblocks the request's reads and writes. Requests of one run share a
	// context, so the registration is kept across requests while the Done channel stays the
	// same, instead of registering (and allocating) once per request. The callback acts only
	// if a request of that context is in flight on the connection: busy says which.
	watched <-chan struct{}
	stop    func() bool
	mu      sync.Mutex
	busy    <-chan struct{}
	reused  bool
}

// aLongTimeAgo is a deadline that has passed, to make blocked I/O return at once.
var aLongTimeAgo = time.Unix(1, 0)

// start marks the connection busy with a request of ctx until deadline dl (zero: none). It
// returns ctx's error if ctx is already done, in which case the request must not be sent.
func (c *h1conn) start(ctx context.Context, dl time.Time) error {
	done := ctx.Done()
	if done != c.watched {
		if c.stop != nil {
			c.stop() // a callback that ran already found the connection idle: harmless
		}
		c.watched, c.stop = done, nil
		if done != nil {
			c.stop = context.AfterFunc(ctx, func() { c.interrupt(done) })
		}
	}
	c.mu.Lock()
	c.busy = done
	c.nc.SetDeadline(dl)
	c.mu.Unlock()
	// Checked after busy is set: a cancellation either happened before (seen here) or
	// its callback runs after and finds the request in flight.
	return ctx.Err()
}

func (c *h1conn) interrupt(done <-chan struct{}) {
	c.mu.Lock()
	if c.busy == done {
		c.nc.SetDeadline(aLongTimeAgo)
	}
	c.mu.Unlock()
}

// finish marks the connection idle again.
func (c *h1conn) finish() {
	c.mu.Lock()
	c.busy = nil
	c.mu.Unlock()
}

func (c *h1conn) close() {
	if c.stop != nil {
		c.stop()
	}
	c.nc.Close()
}

func (h *h1) get(ctx context.Context) (*h1conn, error) {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		c := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return c, nil
	}
	h.mu.Unlock()
	nc, err := h.dialer.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, err
	}
	return &h1conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), head: make([]byte, 0, 512)}, nil
}

func (h *h1) put(c *h1conn) {
	c.reused = true
	h.mu.Lock()
	if len(h.idle) < h.maxIdle {
		h.idle = append(h.idle, c)
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	c.close()
}

func (h *h1) closeIdle() {
	h.mu.Lock()
	idle := h.idle
	h.idle = nil
	h.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
}

// errStale is a reused connection that the server had closed before the request: nothing
// of a response arrived, so the request is sent again once on a new connection.
var errStale = errors.New("httpinvoker: keep-alive connection closed by the server")

// do sends one request, with deadline dl (zero: none), and reads the response into sink
// (see response.go).
func (h *h1) do(ctx context.Context, dl time.Time, contentType string, body []byte, sink *bodySink) (status int, err error) {
	for attempt := 0; ; attempt++ {
		status, err = h.try(ctx, dl, contentType, body, sink)
		if err != errStale || attempt > 0 {
			return status, err
		}
		sink.reset()
	}
}

func (h *h1) try(ctx context.Context, dl time.Time, contentType string, body []byte, sink *bodySink) (int, error) {
	c, err := h.get(ctx)
	if err != nil {
		return 0, err
	}
	if err := c.start(ctx, dl); err != nil {
		c.finish()
		h.put(c)
		return 0, err
	}
	c.head = append(c.head[:0], h.prefix...)
	if contentType != "" {
		c.head = append(c.head, "Content-Type: "...)
		c.head = append(c.head, contentType...)
		c.head = append(c.head, "\r\n"...)
	}
	c.head = append(c.head, "Content-Length: "...)
	c.head = strconv.AppendInt(c.head, int64(len(body)), 10)
	c.head = append(c.head, "\r\n\r\n"...)
	c.bufs = [2][]byte{c.head, body}
	c.out = c.bufs[:]
	if _, err := c.out.WriteTo(c.nc); err != nil {
		c.finish()
		c.close()
		if c.reused && !isTimeout(err) {
			return 0, errStale
		}
		return 0, err
	}
	status, keep, err := readResponse(c.br, sink)
	c.finish()
	if err != nil {
		c.close()
		if c.reused && status == 0 && errors.Is(err, errNoResponse) {
			return 0, errStale
		}
		return status, err
	}
	if keep {
		h.put(c)
	} else {
		c.close()
	}
	return status, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
