package httpinvoker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// One request of h1: take a connection, send, read the answer, and decide whether the
// connection may serve another request and whether the request may be sent again.
//
// The resend rule is net/http's for a POST: a request is sent a second time only if the
// server cannot have started on it, that is, only when not one byte of it was written. (A
// write that failed part-way may have delivered the head and part of the body to a server
// that started on it and then crashed: resending would hide the crash.) A load generator
// that resent a request after the server had it would count a failure (a crash, a dropped
// connection) as a success, run the model twice and report both attempts as one latency.
// So:
//
//   - A pooled connection is probed before use; one the server has closed (or that holds
//     bytes nobody asked for) is discarded and the next one tried, then a new one dialed.
//     Nothing was sent on it, so nothing is resent: this is what keeps a pool that sat
//     idle past the server's keep-alive timeout from failing requests.
//   - If writing the request to a pooled connection fails before its first byte (the
//     server closed it between the probe and the write), the request is sent again once,
//     on a new connection, and counted in Stats.Resends.
//   - Once the request was written, any failure is the request's: an EOF or reset before
//     the status line is returned, not resent.

// pop takes the most recently used idle connection, or nil.
func (h *h1) pop() *h1conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.idle)
	if n == 0 {
		return nil
	}
	c := h.idle[n-1]
	h.idle[n-1] = nil
	h.idle = h.idle[:n-1]
	return c
}

// get returns a connection marked busy with a request of ctx until dl: a pooled one that
// the probe found usable, else a new one.
func (h *h1) get(ctx context.Context, dl time.Time) (*h1conn, error) {
	for c := h.pop(); c != nil; c = h.pop() {
		if err := c.start(ctx, dl); err != nil {
			c.finish()
			h.put(c)
			return nil, err
		}
		if p := c.probe(); p == probeIdle || p == probeUnknown {
			return c, nil
		}
		c.finish()
		c.close()
		h.discarded.Add(1)
	}
	return h.dial(ctx, dl)
}

// dial opens a new connection, bounded by dl as well as by ctx: WithTimeout covers the
// whole request, connection set-up included.
func (h *h1) dial(ctx context.Context, dl time.Time) (*h1conn, error) {
	d := h.dialer
	d.Deadline = dl
	nc, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, err
	}
	h.dials.Add(1)
	c := &h1conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), head: make([]byte, 0, 512)}
	c.initProbe()
	if err := c.start(ctx, dl); err != nil {
		c.finish()
		c.close()
		return nil, err
	}
	return c, nil
}

// put returns c to the pool, unless bytes past the response are already buffered: they
// answer no request of ours, and reading them as the next response would pin that
// response's failure on the wrong request.
func (h *h1) put(c *h1conn) {
	if c.br.Buffered() > 0 {
		c.close()
		h.discarded.Add(1)
		return
	}
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

// do sends one request, with deadline dl (zero: none), and reads the response into sink
// (see response.go).
func (h *h1) do(ctx context.Context, dl time.Time, contentType string, body []byte, sink *bodySink) (int, error) {
	// The content type goes into the request head verbatim: a line break in it would
	// inject fields (or a request) that the run never meant to send. net/http refuses too.
	if strings.ContainsAny(contentType, "\r\n\x00") {
		return 0, fmt.Errorf("content type %q: line breaks are not allowed in a header value", contentType)
	}
	c, err := h.get(ctx, dl)
	if err != nil {
		return 0, err
	}
	status, resend, err := h.exchange(c, contentType, body, sink)
	if !resend {
		return status, err
	}
	h.resends.Add(1)
	sink.reset()
	if c, err = h.dial(ctx, dl); err != nil {
		return 0, err
	}
	status, _, err = h.exchange(c, contentType, body, sink)
	return status, err
}

// exchange sends the request on c and reads the response. resend is true only if writing
// to a pooled connection failed and the server sent nothing back: it cannot have started
// on the request.
func (h *h1) exchange(c *h1conn, contentType string, body []byte, sink *bodySink) (status int, resend bool, err error) {
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
	if n, werr := c.out.WriteTo(c.nc); werr != nil {
		defer c.close()
		defer c.finish()
		if isTimeout(werr) {
			return 0, false, werr
		}
		if c.probe() == probeData {
			// The server answered before it stopped reading, e.g. 413 for a body too
			// large: a refusal is the request's result. A success is not: the model
			// never had the whole input, so counting it would hide a failure.
			if status, _, err := readResponse(c.br, sink); err == nil {
				if status < 200 || status > 299 {
					return status, false, nil
				}
				return 0, false, fmt.Errorf("sending the request: the server answered %d before the body was sent: %w", status, werr)
			}
			return 0, false, fmt.Errorf("sending the request: %w", werr)
		}
		// Resend only if not one byte left: a server that had the head (and part of the
		// body) may have started on the request, as net/http assumes too.
		return 0, c.reused && n == 0, fmt.Errorf("sending the request: %w", werr)
	}
	status, keep, err := readResponse(c.br, sink)
	c.finish()
	if err != nil {
		c.close()
		if status == 0 && errors.Is(err, errNoResponse) && c.reused {
			err = fmt.Errorf("%w (on a reused connection, after the request was sent: not resent, the server may have started on it)", err)
		}
		return status, false, err
	}
	if keep {
		h.put(c)
	} else {
		c.close()
	}
	return status, false, nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
