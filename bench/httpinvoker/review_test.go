package httpinvoker_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench/httpinvoker"
)

// Adversarial review (issue 13).

// A server that received a request's head and the start of its body on a reused
// connection, worked on it for 300 ms and then crashed (reset the connection) has started
// on that request: the client's write of the rest of the body fails, but the failure is
// the request's. h1 resends it on a new connection (the write to a pooled connection
// failed), the second server process answers 200, and Invoke returns nil: the crash
// vanishes, the model ran twice, and the latency covers both attempts. net/http returns
// the error (bytes were written: it never resends).
func TestPartialWriteToAServerThatStartedIsNotResent(t *testing.T) {
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var reqs, started atomic.Int64
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					br := bufio.NewReader(c)
					for {
						req, err := http.ReadRequest(br)
						if err != nil {
							return
						}
						if reqs.Add(1) == 2 {
							// Start on the request: read its head and 64 KiB of its
							// body, work, then crash.
							started.Add(1)
							io.CopyN(io.Discard, req.Body, 64<<10)
							time.Sleep(300 * time.Millisecond)
							c.(*net.TCPConn).SetLinger(0)
							return
						}
						io.Copy(io.Discard, req.Body)
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					}
				}()
			}
		}()
		inv := newInvoker(t, "http://"+ln.Addr().String(), opts...)
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatal(err)
		}
		big := jpeg
		big.Body = make([]byte, 64<<20) // more than loopback socket buffers hold
		start := time.Now()
		err = inv.Invoke(context.Background(), big)
		t.Logf("err %v after %v; server saw %d requests; Stats %+v", err, time.Since(start), reqs.Load(), inv.Stats())
		if err == nil {
			t.Errorf("the server crashed 300 ms into the request, but Invoke returned nil (%d requests served for 2 Invokes, Stats %+v)",
				reqs.Load(), inv.Stats())
		}
	})
}

// A server that answers 200 before reading the request body and then closes: most of the
// 32 MiB payload never reached it, so the model cannot have run on the payload that was
// sent. h1 reads the early answer after its write failed and always counts a success;
// net/http usually reports the write's "connection reset by peer" (it returns the response
// only if its reader wins a race with the write error, so this runs for h1 only). An
// early error answer (413) is the
// request's result (TestEarlyAnswerToAnUnreadBodyIsReported); an early 2xx is not a
// success of the request that was benchmarked.
func TestEarly2xxToAnUnsentBodyIsNotASuccess(t *testing.T) {
	func(opts ...httpinvoker.Option) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
						return
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}()
			}
		}()
		big := jpeg
		big.Body = make([]byte, 32<<20)
		if err := newInvoker(t, "http://"+ln.Addr().String(), opts...).Invoke(context.Background(), big); err == nil {
			t.Errorf("the server answered 200 without reading the body and closed; Invoke returned nil, want the write error")
		}
	}()
}

// A payload's content type is copied into the request head unchecked: a CR or LF in it
// (payload.WithContentType and Payload.ContentType take any string) injects header
// fields, or a whole second request, into what h1 sends. The server then answers
// requests the run never made, and their responses land on later requests. net/http
// refuses to send the request ("invalid header field value for Content-Type").
func TestContentTypeWithALineBreakIsNotSent(t *testing.T) {
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		var injected atomic.Int64
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					br := bufio.NewReader(c)
					for {
						req, err := http.ReadRequest(br)
						if err != nil {
							return
						}
						if req.Header.Get("X-Injected") != "" {
							injected.Add(1)
						}
						io.Copy(io.Discard, req.Body)
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					}
				}()
			}
		}()
		p := jpeg
		p.ContentType = "image/jpeg\r\nX-Injected: 1"
		err = newInvoker(t, "http://"+ln.Addr().String(), opts...).Invoke(context.Background(), p)
		if err == nil || injected.Load() != 0 {
			t.Errorf("content type with CRLF: err %v, server saw %d requests with the injected header; want an error and nothing injected",
				err, injected.Load())
		}
	})
}
