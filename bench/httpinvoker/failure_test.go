package httpinvoker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench/httpinvoker"
)

// Tests that the built-in HTTP/1.1 client never hides a failure: no resend of a request
// the server may have started on, no stale connection failing a request, no framing error
// landing on the wrong request, no timeout that the dial escapes.

// A server that drops the connection while working on a request sent on a reused
// connection has started on it: resending it would hide the failure and run the model twice.
func TestDroppedRequestOnReusedConnectionFailsAndIsNotResent(t *testing.T) {
	s := scriptedServer(t, func(n int64) (string, bool) {
		if n == 2 {
			return "", true // read the request, work on it, then drop the connection
		}
		return okResponse, false
	})
	inv := newInvoker(t, s.url)
	if err := inv.Invoke(context.Background(), jpeg); err != nil {
		t.Fatal(err)
	}
	err := inv.Invoke(context.Background(), jpeg)
	if err == nil || !strings.Contains(err.Error(), "connection closed before the response") {
		t.Errorf("request dropped by the server: err %v, want the failure reported", err)
	}
	if n := s.reqs.Load(); n != 2 {
		t.Errorf("server handled %d requests for 2 Invokes, want 2 (nothing resent)", n)
	}
	if st := inv.Stats(); st.Resends != 0 {
		t.Errorf("Stats %+v, want no resend", st)
	}
}

// A full pool that sat idle past the server's keep-alive timeout (here: the server closes
// every idle connection, as its timeout does) must not fail requests: each connection is
// checked before use and a closed one dropped unused.
func TestStalePoolIsDiscardedWithoutFailingRequests(t *testing.T) {
	const n = 16
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	var served atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if served.Add(1) <= n {
			arrived.Done() // hold the first n requests until all are in flight: n connections
			<-all
		}
		io.WriteString(w, "ok")
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	inv := newInvoker(t, srv.URL, httpinvoker.WithConcurrency(n))
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := inv.Invoke(context.Background(), jpeg); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := inv.Stats(); got.Dials != n || conns.Load() != n {
		t.Fatalf("filling the pool: %+v and %d server connections, want %d", got, conns.Load(), n)
	}

	srv.CloseClientConnections() // the server's idle timeout, for all n at once
	failed := 0
	for i := range n {
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			failed++
			t.Logf("request %d: %v", i+1, err)
		}
	}
	if failed != 0 {
		t.Errorf("%d of %d sequential requests after the idle timeout failed, want 0", failed, n)
	}
	if got, want := inv.Stats(), (httpinvoker.Stats{Dials: n + 1, Discarded: n}); got != want {
		t.Errorf("Stats %+v, want %+v (all %d stale connections dropped unused, one new one)", got, want, n)
	}
}

// Two different Content-Length values: the request fails and its connection is closed,
// so the next request does not read the leftover bytes as its response (were the last
// length to win, the next request would read "ERRORHTTP/1.1 200 OK" as its status line).
func TestTwoContentLengthsFailThatRequestOnly(t *testing.T) {
	s := scriptedServer(t, func(n int64) (string, bool) {
		if n == 1 {
			return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\nhelloERROR", false
		}
		return okResponse, false
	})
	inv := newInvoker(t, s.url)
	if err := inv.Invoke(context.Background(), jpeg); err == nil || !strings.Contains(err.Error(), "Content-Length") {
		t.Errorf("two Content-Length values: err %v, want a Content-Length error", err)
	}
	if err := inv.Invoke(context.Background(), jpeg); err != nil {
		t.Errorf("the next request: %v, want success on a new connection", err)
	}
}

// Bytes past the end of a response answer no request: the connection is not reused (else
// the second request would read "EXTRAHTTP/1.1 ..." as its status line).
func TestBytesAfterAResponseAreNotTheNextResponse(t *testing.T) {
	s := scriptedServer(t, func(n int64) (string, bool) {
		if n == 1 {
			return okResponse + "EXTRA", false
		}
		return okResponse, false
	})
	inv := newInvoker(t, s.url)
	for i := range 3 {
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if got, want := inv.Stats(), (httpinvoker.Stats{Dials: 2, Discarded: 1}); got != want {
		t.Errorf("Stats %+v, want %+v", got, want)
	}
}

// "Connection: close, x-trace" is a token list that contains close, not a value to compare
// whole with "close".
func TestConnectionHeaderIsATokenList(t *testing.T) {
	for _, value := range []string{"close, x-trace", "x-trace ,CLOSE", "keep-alive, close"} {
		t.Run(value, func(t *testing.T) {
			s := scriptedServer(t, func(int64) (string, bool) {
				return "HTTP/1.1 200 OK\r\nConnection: " + value + "\r\nContent-Length: 2\r\n\r\nok", false
			})
			inv := newInvoker(t, s.url)
			for i := range 3 {
				if err := inv.Invoke(context.Background(), jpeg); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
			if n := s.conns.Load(); n != 3 {
				t.Errorf("3 responses with Connection: %s used %d connections, want 3", value, n)
			}
		})
	}
}

// blackHole returns the address of a listener whose accept queue is full: a SYN to it is
// dropped, so a dial waits until its own deadline, as for a black-holed address.
func blackHole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip("no raw socket:", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil { // room for one connection, never accepted
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	c, err := net.Dial("tcp", addr) // fills the queue
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c2, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
		c2.Close()
		t.Skip("this kernel accepts connections past a full queue; cannot black-hole a dial")
	}
	return addr
}

// WithTimeout bounds the whole request, the dial included, not only through the context
// (which would leave the dial to the dialer's own 10 s).
func TestWithTimeoutBoundsTheDial(t *testing.T) {
	addr := blackHole(t)
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		inv := newInvoker(t, "http://"+addr+"/invocations", append(opts, httpinvoker.WithTimeout(100*time.Millisecond))...)
		start := time.Now()
		err := inv.Invoke(context.Background(), jpeg)
		took := time.Since(start)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want one wrapping context.DeadlineExceeded", err)
		}
		// Not a timing assert on the timeout itself: the bound is 50 times the timeout,
		// and half the dialer's own 10 s that an unbounded dial would wait for.
		if took > 5*time.Second {
			t.Errorf("a 100ms timeout returned after %v: the dial was not bounded by it", took)
		}
	})
}

// A server that refuses a large body answers before it has read it and closes the
// connection: the client's write then fails, but the server's answer is the request's
// result. (net/http reports the write's "connection reset by peer" here instead, so this
// runs for h1 only.) The server's answer is returned, not the write error.
func TestEarlyAnswerToAnUnreadBodyIsReported(t *testing.T) {
	url := earlyAnswerServer(t, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!")
	huge := jpeg
	huge.Body = make([]byte, 32<<20) // far more than the socket buffers hold
	err := newInvoker(t, url).Invoke(context.Background(), huge)
	var se *httpinvoker.StatusError
	if !errors.As(err, &se) || se.StatusCode != 413 || se.Body != "too big!" {
		t.Errorf("err %v, want the server's 413 StatusError", err)
	}
}

// A server that answers 200 before reading the request body and then closes: most of the
// 32 MiB payload never reached it, so the model cannot have run on the payload that was
// sent, and an early 2xx is not a success of the request that was benchmarked (an early
// error answer is the request's result: TestEarlyAnswerToAnUnreadBodyIsReported). net/http
// usually reports the write's "connection reset by peer", but returns the response if its
// reader wins a race with the write error, so this runs for h1 only.
func TestEarly2xxToAnUnsentBodyIsNotASuccess(t *testing.T) {
	url := earlyAnswerServer(t, okResponse)
	big := jpeg
	big.Body = make([]byte, 32<<20)
	if err := newInvoker(t, url).Invoke(context.Background(), big); err == nil {
		t.Errorf("the server answered 200 without reading the body and closed; Invoke returned nil, want the write error")
	}
}

// A server that received a request's head and the start of its body on a reused
// connection, worked on it for 300 ms and then crashed (reset the connection) has started
// on that request: the client's write of the rest of the body fails, and the failure is
// the request's. Resending it on a new connection, where a second server process answers
// 200, would hide the crash, run the model twice and count both attempts in one latency.
func TestPartialWriteToAServerThatStartedIsNotResent(t *testing.T) {
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		var reqs atomic.Int64
		url := serveRaw(t, eachRequest(func(c net.Conn, req *http.Request) bool {
			if reqs.Add(1) == 2 {
				// Start on the request: read its head and 64 KiB of its body, work, then
				// crash. The 300 ms is the scenario (work under way), not synchronization.
				io.CopyN(io.Discard, req.Body, 64<<10)
				time.Sleep(300 * time.Millisecond)
				c.(*net.TCPConn).SetLinger(0)
				return false
			}
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, okResponse)
			return true
		}))
		inv := newInvoker(t, url, opts...)
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatal(err)
		}
		big := jpeg
		big.Body = make([]byte, 64<<20) // more than loopback socket buffers hold
		if err := inv.Invoke(context.Background(), big); err == nil {
			t.Errorf("the server crashed 300 ms into the request, but Invoke returned nil (%d requests served for 2 Invokes, Stats %+v)",
				reqs.Load(), inv.Stats())
		}
	})
}

// A payload's content type is copied into the request head: a CR or LF in it
// (payload.WithContentType and Payload.ContentType take any string) would inject header
// fields, or a whole second request, whose responses would land on later requests.
// Neither client sends it (net/http says "invalid header field value for Content-Type").
func TestContentTypeWithALineBreakIsNotSent(t *testing.T) {
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		var injected atomic.Int64
		url := serveRaw(t, eachRequest(func(c net.Conn, req *http.Request) bool {
			if req.Header.Get("X-Injected") != "" {
				injected.Add(1)
			}
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, okResponse)
			return true
		}))
		p := jpeg
		p.ContentType = "image/jpeg\r\nX-Injected: 1"
		err := newInvoker(t, url, opts...).Invoke(context.Background(), p)
		if err == nil || injected.Load() != 0 {
			t.Errorf("content type with CRLF: err %v, server saw %d requests with the injected header; want an error and nothing injected",
				err, injected.Load())
		}
	})
}
