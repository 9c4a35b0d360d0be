package httpinvoker_test

import (
	"bytes"
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
	"testing"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/payload"
)

var jpeg = payload.Payload{Name: "test.jpg", ContentType: "image/jpeg", Body: bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 7000)}

// clients are the two ways an http:// URL can be sent: the Invoker's own HTTP/1.1 client
// and net/http. Behavior tests run against both.
var clients = []struct {
	name string
	opts []httpinvoker.Option
}{
	{"h1", nil},
	{"net-http", []httpinvoker.Option{httpinvoker.WithNetHTTP()}},
}

// forEachClient runs f as a subtest once per client, with that client's options.
func forEachClient(t *testing.T, f func(t *testing.T, opts ...httpinvoker.Option)) {
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) { f(t, c.opts...) })
	}
}

func newInvoker(t *testing.T, url string, opts ...httpinvoker.Option) *httpinvoker.Invoker {
	t.Helper()
	inv, err := httpinvoker.New(url, opts...)
	if err != nil {
		t.Fatalf("New(%q): %v", url, err)
	}
	t.Cleanup(inv.CloseIdleConnections)
	return inv
}

func TestInvokeMapsStatusToBenchClass(t *testing.T) {
	cases := []struct {
		code  int
		class bench.ErrorClass
	}{
		{200, ""},
		{204, ""},
		{400, bench.ClassClientError},
		{404, bench.ClassClientError},
		{413, bench.ClassClientError},
		{424, bench.ClassClientError},
		{429, bench.ClassThrottled},
		{500, bench.ClassServerError},
		{503, bench.ClassThrottled},
	}
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		for _, c := range cases {
			t.Run(fmt.Sprint(c.code), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					w.WriteHeader(c.code)
					fmt.Fprintf(w, "  status %d from model  \n", c.code)
				}))
				defer srv.Close()
				err := newInvoker(t, srv.URL, opts...).Invoke(context.Background(), jpeg)
				if got := bench.Classify(err); got != c.class {
					t.Fatalf("status %d: class %q (err %v), want %q", c.code, got, err, c.class)
				}
				if c.class == "" {
					return
				}
				var se *httpinvoker.StatusError
				if !errors.As(err, &se) {
					t.Fatalf("status %d: error %T %v is not a *StatusError", c.code, err, err)
				}
				wantBody := fmt.Sprintf("status %d from model", c.code)
				if se.StatusCode != c.code || se.Body != wantBody || se.Method != "POST" || se.URL != srv.URL {
					t.Fatalf("StatusError = %+v, want code %d, body %q, POST %s", se, c.code, wantBody, srv.URL)
				}
				if !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), wantBody) {
					t.Fatalf("message %q should name the URL and quote the body", err)
				}
			})
		}
	})
}

func TestInvokeSendsBodyWithContentTypeAndHeaders(t *testing.T) {
	forEachClient(t, testSendsBody)
}

func testSendsBody(t *testing.T, opts ...httpinvoker.Option) {
	type seen struct {
		method, path, contentType, accept, acceptEncoding, userAgent string
		length                                                       int64
		body                                                         []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), r.Header.Get("Accept"),
			r.Header.Get("Accept-Encoding"), r.Header.Get("User-Agent"), r.ContentLength, body}
	}))
	defer srv.Close()
	inv := newInvoker(t, srv.URL+"/score?v=2", append(opts, httpinvoker.WithHeader("accept", "application/json"))...)
	if err := inv.Invoke(context.Background(), jpeg); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.method != "POST" || s.path != "/score?v=2" || s.contentType != "image/jpeg" || s.accept != "application/json" ||
		s.userAgent != "sagebench-httpinvoker" {
		t.Errorf("request = %s %s type %q accept %q agent %q, want POST /score?v=2 type image/jpeg accept application/json agent sagebench-httpinvoker",
			s.method, s.path, s.contentType, s.accept, s.userAgent)
	}
	if s.length != int64(len(jpeg.Body)) || !bytes.Equal(s.body, jpeg.Body) {
		t.Errorf("server got Content-Length %d and %d body bytes, want the %d payload bytes", s.length, len(s.body), len(jpeg.Body))
	}
	if s.acceptEncoding != "" {
		t.Errorf("Accept-Encoding = %q, want none (transparent compression must be off)", s.acceptEncoding)
	}

	// A second payload type must not reuse the first one's header.
	csv := payload.Payload{Name: "row", ContentType: "text/csv", Body: []byte("1,2,3")}
	if err := inv.Invoke(context.Background(), csv); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.contentType != "text/csv" || string(s.body) != "1,2,3" {
		t.Errorf("second payload sent as %q %q, want text/csv 1,2,3", s.contentType, s.body)
	}
}

// countConns counts the TCP connections a test server accepts. A client that left part of
// a response unread cannot put its connection back in the pool, so a reused connection is
// the proof that the whole body was read.
func countConns(srv *httptest.Server) *atomic.Int64 {
	var n atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

func TestInvokeReadsWholeBodySoConnectionIsReused(t *testing.T) {
	forEachClient(t, testReadsWholeBody)
}

func testReadsWholeBody(t *testing.T, opts ...httpinvoker.Option) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, far beyond any read-ahead
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
		w.Write(big)
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()

	var checked int
	withCheck := newInvoker(t, srv.URL+"/ok", append(opts, httpinvoker.WithCheck(func(status int, body []byte) error {
		if status != 200 || !bytes.Equal(body, big) {
			return fmt.Errorf("status %d, %d bytes", status, len(body))
		}
		checked++
		return nil
	}))...)
	for _, inv := range []*httpinvoker.Invoker{
		newInvoker(t, srv.URL+"/ok", opts...),
		newInvoker(t, srv.URL+"/fail", opts...), // an error body must be drained too
		withCheck,
	} {
		before := conns.Load()
		for i := 0; i < 5; i++ {
			err := inv.Invoke(context.Background(), jpeg)
			if inv.URL() == srv.URL+"/fail" {
				var se *httpinvoker.StatusError
				if !errors.As(err, &se) || se.StatusCode != 500 || len(se.Body) != 512 {
					t.Fatalf("%s: err %v, want a 500 StatusError keeping 512 body bytes", inv.URL(), err)
				}
			} else if err != nil {
				t.Fatalf("%s: %v", inv.URL(), err)
			}
		}
		if n := conns.Load() - before; n != 1 {
			t.Errorf("%s: 5 sequential requests opened %d connections, want 1 (body not read to the end?)", inv.URL(), n)
		}
	}
	if checked != 5 {
		t.Errorf("check accepted %d responses, want 5", checked)
	}
}

func TestConcurrentInvokesKeepOneConnectionEach(t *testing.T) {
	forEachClient(t, testConcurrent)
}

func testConcurrent(t *testing.T, opts ...httpinvoker.Option) {
	const workers, perWorker = 32, 20
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"label":"tabby"}`))
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	inv := newInvoker(t, srv.URL, append(opts, httpinvoker.WithConcurrency(workers))...)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				errs <- inv.Invoke(context.Background(), jpeg)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A few more than one per worker is normal: a request that waits for a connection both
	// dials and takes the first one freed, and the dial's connection then joins the pool.
	// With http.DefaultTransport (2 idle connections per host) the count is in the hundreds.
	if n := conns.Load(); n > 2*workers {
		t.Errorf("%d workers x %d requests opened %d connections, want at most %d", workers, perWorker, n, 2*workers)
	}
}

func TestCheckRejectionIsModelErrorUnlessItSaysOtherwise(t *testing.T) {
	forEachClient(t, testCheckRejection)
}

func testCheckRejection(t *testing.T, opts ...httpinvoker.Option) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"error":"NaN logits"}`))
	}))
	defer srv.Close()
	var gotStatus int
	var gotBody string
	reject := newInvoker(t, srv.URL, append(opts, httpinvoker.WithCheck(func(status int, body []byte) error {
		gotStatus, gotBody = status, string(body)
		return errors.New("no label")
	}))...)
	err := reject.Invoke(context.Background(), jpeg)
	if gotStatus != 200 || gotBody != `{"error":"NaN logits"}` {
		t.Errorf("check saw %d %q, want 200 and the body", gotStatus, gotBody)
	}
	var ce *httpinvoker.CheckError
	if !errors.As(err, &ce) || ce.StatusCode != 200 || ce.Err.Error() != "no label" {
		t.Fatalf("err = %v, want a *CheckError wrapping the check's error", err)
	}
	if c := bench.Classify(err); c != bench.ClassModelError {
		t.Errorf("class %q, want %q", c, bench.ClassModelError)
	}

	throttled := newInvoker(t, srv.URL, append(opts, httpinvoker.WithCheck(func(int, []byte) error {
		return classed{string(bench.ClassThrottled)}
	}))...)
	if c := bench.Classify(throttled.Invoke(context.Background(), jpeg)); c != bench.ClassThrottled {
		t.Errorf("check error with ErrorClass %q classified %q", bench.ClassThrottled, c)
	}
}

type classed struct{ class string }

func (c classed) Error() string      { return "classed " + c.class }
func (c classed) ErrorClass() string { return c.class }

func TestRedirectIsAStatusErrorNotFollowed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		hits.Store(0)
		err := newInvoker(t, srv.URL, opts...).Invoke(context.Background(), jpeg)
		var se *httpinvoker.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 1 {
			t.Fatalf("err %v after %d requests, want a 307 StatusError after 1", err, hits.Load())
		}
	})
}

func TestHTTP2OptionSpeaksH2C(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, r.Proto)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	for _, c := range []struct {
		opts  []httpinvoker.Option
		proto string
	}{
		{nil, "HTTP/1.1"},
		{[]httpinvoker.Option{httpinvoker.WithHTTP2()}, "HTTP/2.0"},
	} {
		var proto string
		inv := newInvoker(t, srv.URL, append(c.opts, httpinvoker.WithCheck(func(_ int, b []byte) error {
			proto = string(b)
			return nil
		}))...)
		if err := inv.Invoke(context.Background(), jpeg); err != nil || proto != c.proto {
			t.Errorf("server saw %q (err %v), want %q", proto, err, c.proto)
		}
	}
}

func TestWithHTTPClientIsUsedAndExclusive(t *testing.T) {
	var used atomic.Bool
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})}
	inv := newInvoker(t, "http://model.invalid/invocations", httpinvoker.WithHTTPClient(client))
	if err := inv.Invoke(context.Background(), jpeg); err != nil || !used.Load() {
		t.Fatalf("Invoke = %v, custom client used %v; want nil, true", err, used.Load())
	}
	_, err := httpinvoker.New("http://x/", httpinvoker.WithHTTPClient(client), httpinvoker.WithConcurrency(8))
	if err == nil || !strings.Contains(err.Error(), "WithHTTPClient") {
		t.Fatalf("WithHTTPClient+WithConcurrency: err %v, want a conflict error", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
