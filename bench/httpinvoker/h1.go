package httpinvoker

import (
	"bufio"
	"context"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
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
// It never accepts a response that net/http rejects (see response.go), and never sends a
// request twice unless the server cannot have started on it (see exchange.go).
type h1 struct {
	addr   string // host:port to dial
	prefix []byte // request line, Host, User-Agent and WithHeader headers
	dialer net.Dialer

	mu      sync.Mutex
	idle    []*h1conn // LIFO: the most recently used connection is the warmest
	maxIdle int

	// Rare events, counted for Stats: never touched on the path of a request that reuses
	// a healthy connection.
	dials, discarded, resends atomic.Int64
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

	// probe looks at the socket without blocking (see probe_unix.go): rc is nil where
	// the OS or the connection type does not allow it, and probeFn is bound once so
	// that a probe allocates nothing.
	rc       syscall.RawConn
	probeFn  func(fd uintptr) bool
	probeN   int
	probeErr error
	probeBuf [1]byte

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
