package httpinvoker_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
)

// Tests of response framings that the built-in HTTP/1.1 client must handle as net/http does.

// invokeN sends n requests and returns the bodies the check saw.
func invokeN(t *testing.T, url string, n int, opts ...httpinvoker.Option) []string {
	t.Helper()
	var bodies []string
	inv := newInvoker(t, url, append(opts, httpinvoker.WithCheck(func(status int, body []byte) error {
		bodies = append(bodies, string(body))
		return nil
	}))...)
	for i := 0; i < n; i++ {
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	return bodies
}

func TestChunkedResponseIsReadAndConnectionReused(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		for _, part := range []string{`{"label":`, `"tabby cat"`, `}`} {
			io.WriteString(w, part)
			w.(http.Flusher).Flush() // each flush before the end forces a chunk
		}
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	bodies := invokeN(t, srv.URL, 3)
	if len(bodies) != 3 || bodies[2] != `{"label":"tabby cat"}` {
		t.Errorf("check saw %q, want the chunks joined, 3 times", bodies)
	}
	if conns.Load() != 1 {
		t.Errorf("3 chunked responses used %d connections, want 1", conns.Load())
	}
}

func TestConnectionCloseIsHonored(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	if bodies := invokeN(t, srv.URL, 3); strings.Join(bodies, ",") != "bye,bye,bye" {
		t.Errorf("check saw %q", bodies)
	}
	if conns.Load() != 3 {
		t.Errorf("3 responses with Connection: close used %d connections, want 3", conns.Load())
	}
}

func TestInterimResponsesAreSkipped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
	}))
	defer srv.Close()
	if bodies := invokeN(t, srv.URL, 2); strings.Join(bodies, ",") != "made,made" {
		t.Errorf("check saw %q, want the final response's body twice", bodies)
	}
}

func TestStaleKeepAliveConnectionIsReplaced(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	inv := newInvoker(t, srv.URL)
	for i := 0; i < 3; i++ {
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatalf("request %d after the server closed its idle connections: %v", i+1, err)
		}
		srv.CloseClientConnections() // as a server's keep-alive timeout does
	}
	if conns.Load() != 3 {
		t.Errorf("%d connections, want 3 (one per request)", conns.Load())
	}
	if got, want := inv.Stats(), (httpinvoker.Stats{Dials: 3, Discarded: 2}); got != want {
		t.Errorf("Stats %+v, want %+v (closed connections dropped before use, nothing resent)", got, want)
	}
}

func TestCloseDelimitedBodyIsReadToTheEnd(t *testing.T) {
	url := rawServer(t, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		if bodies := invokeN(t, url, 2, opts...); strings.Join(bodies, ",") != "until the end,until the end" {
			t.Errorf("check saw %q", bodies)
		}
	})
}

func TestMalformedResponsesFail(t *testing.T) {
	for _, c := range []struct{ name, response, want string }{
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", "malformed status line"},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line"},
		{"bad minor version", "HTTP/1.x 200 OK\r\nContent-Length: 0\r\n\r\n", "malformed status line"},
		{"four-digit status", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "malformed status line"},
		{"status without a space", "HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", "malformed status line"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "two different Content-Length"},
		{"two transfer encodings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "more than one Transfer-Encoding"},
		{"folded header", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 0\r\n\r\nok", "folded header line"},
		{"no colon", "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok", "malformed header line"},
		{"chunk end", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n", "malformed chunk end"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "malformed Content-Length"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "unexpected EOF"},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"},
		{"gzip framing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := rawServer(t, c.response)
			err := newInvoker(t, url).Invoke(context.Background(), jpeg)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), url) {
				t.Errorf("err %v, want one naming %s and saying %q", err, url, c.want)
			}
		})
	}
}

// Each request with its own context (as bench.Run makes when Config.Timeout is set) must
// still reuse the connection: the end of one request's context must not spoil the
// connection for the next.
func TestPerRequestContextsShareAConnection(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	inv := newInvoker(t, srv.URL)
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := inv.Invoke(ctx, jpeg)
		cancel()
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if conns.Load() != 1 {
		t.Errorf("5 requests with their own contexts used %d connections, want 1", conns.Load())
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		inv := newInvoker(t, srv.URL, opts...)
		if err := inv.Invoke(context.Background(), jpeg); err != nil { // warm a connection
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := inv.Invoke(ctx, jpeg)
		if got := bench.Classify(err); got != bench.ClassCanceled {
			t.Errorf("canceled before sending: class %q (err %v), want %q", got, err, bench.ClassCanceled)
		}
		if err := inv.Invoke(context.Background(), jpeg); err != nil {
			t.Fatalf("after a canceled request: %v", err)
		}
	})
	if hits.Load() != 4 {
		t.Errorf("server got %d requests, want 4 (none for the canceled ones)", hits.Load())
	}
}
