package httpinvoker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/payload"
)

// The differential test: raw HTTP responses, well-formed and malformed, each sent over a
// real loopback connection to the built-in HTTP/1.1 client and to net/http's. Both must
// agree on whether the request succeeded and on what it got, or the difference is listed
// in h1Differs with the reason it is right.

// responses is the corpus, also the fuzz target's seed corpus.
var responses = []struct{ name, raw string }{
	{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
	{"content-length with spaces", "HTTP/1.1 200 OK\r\nContent-Length: \t 5  \r\n\r\nhello"},
	{"same content-length twice", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
	{"two different content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\nhelloERROR"},
	{"content-length spelled two ways", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\nhello"},
	{"content-length list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"},
	{"empty content-length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello"},
	{"negative content-length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello"},
	{"huge content-length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhello"},
	{"bytes after the body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"},
	{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
	{"chunked with extensions", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6;x;y=\"z\"\r\n world\r\n0;last\r\n\r\n"},
	{"chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-More: 1\r\n\r\n"},
	{"chunk size in upper case with zeros", "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n00A\r\n0123456789\r\n0\r\n\r\n"},
	{"chunk size with trailing space", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \t\r\nhello\r\n0\r\n\r\n"},
	{"chunk size with space before extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a\r\nhello\r\n0\r\n\r\n"},
	{"chunk size with garbage", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n"},
	{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
	{"chunk line with bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"},
	{"chunk data without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"},
	{"no last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
	{"truncated chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"},
	{"trailer without colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum abc\r\n\r\n"},
	{"truncated trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: abc\r\n"},
	{"gzip transfer-encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello"},
	{"gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
	{"two transfer-encodings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
	{"transfer-encoding and content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
	{"transfer-encoding on HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
	{"close-delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"},
	{"HTTP/1.0 close-delimited", "HTTP/1.0 200 OK\r\n\r\nuntil the end"},
	{"100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"103 with headers then 201", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nmade"},
	{"1xx with a content-length", "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"only a 1xx", "HTTP/1.1 100 Continue\r\n\r\n"},
	{"101 switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"},
	{"204 with a body", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"},
	{"304 with a body", "HTTP/1.1 304 Not Modified\r\n\r\nhello"},
	{"404 with a body", "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno model!"},
	{"500 chunked", "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4\r\noops\r\n0\r\n\r\n"},
	{"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"},
	{"HTTP/1.2", "HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello"},
	{"HTTP/1.x", "HTTP/1.x 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"four-digit status", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"status 099", "HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nok"},
	{"two spaces before the status", "HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n"},
	{"no response", ""},
	{"only a status line", "HTTP/1.1 200 OK\r\n"},
	{"folded header", "HTTP/1.1 200 OK\r\nX-Model: resnet\r\n 50\r\nContent-Length: 2\r\n\r\nok"},
	{"folded content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 0\r\n\r\nok"},
	{"header starting with a space", "HTTP/1.1 200 OK\r\n Content-Length: 2\r\n\r\nok"},
	{"space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"},
	{"header without a colon", "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok"},
	{"control byte in a value", "HTTP/1.1 200 OK\r\nX-Model: res\x01net\r\nContent-Length: 2\r\n\r\nok"},
	{"CR in a header line", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\r\n\r\nok"},
	{"8 KiB header", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\nContent-Length: 2\r\n\r\nok"},
	{"20 KiB header", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\nContent-Length: 2\r\n\r\nok"},
	{"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"},
	{"close in the header", "HTTP/1.1 200 OK\r\nContent-Len"},
	{"connection close, x-trace", "HTTP/1.1 200 OK\r\nConnection: close, x-trace\r\nContent-Length: 2\r\n\r\nok"},
}

// h1Differs lists where the built-in client deliberately differs from net/http, and why.
// In every case h1 fails a request that net/http reads as a response: h1 is never the
// more lenient of the two (the fuzz target checks that on arbitrary bytes).
var h1Differs = map[string]string{
	"HTTP/2.0 status line": "net/http accepts any HTTP/d.d version; a major version other " +
		"than 1 on an HTTP/1.1 connection is not HTTP/1.1 framing (RFC 9112 §2.3).",
	"status 099": "net/http accepts any 3 characters that parse as a number >= 0; " +
		"status codes are 100-599 (RFC 9110 §15), and h1 allows 100-999.",
	"two spaces before the status": "RFC 9112 §4: status-line = HTTP-version SP status-code; " +
		"net/http trims extra spaces.",
	"folded header": "obs-fold is deprecated (RFC 9112 §5.2); net/http joins the lines, h1 " +
		"rejects it rather than buffer field values. No model server folds.",
	"space before the colon": "RFC 9112 §5.1 forbids whitespace between field name and colon; " +
		"net/http keeps it as a different, unknown field, so its Content-Length is silently " +
		"ignored and the body read to the close: exactly the kind of framing confusion to refuse.",
	"transfer-encoding on HTTP/1.0": "net/http ignores Transfer-Encoding on HTTP/1.0 and hands " +
		"the chunked framing to the caller as the body; RFC 9112 §6.1 treats this framing " +
		"as faulty, and h1 fails the request.",
	"20 KiB header": "h1 reads a header line into its 16 KiB buffer (no allocation per " +
		"request); a longer line fails the request. net/http allows 10 MB of headers.",
	"101 switching protocols": "a 101 switches to a protocol the POST never asked for: net/http " +
		"returns it as a final response with the raw connection as its body; h1 fails the " +
		"request (both count it as a failure: a 101 is not 2xx).",
}

// result is what a benchmark sees of one exchange.
type result struct {
	kind   string // "ok": a complete 2xx response; "status": a complete other one; "fail"
	status int
	body   string
}

func (r result) String() string {
	if r.kind == "fail" {
		return "fail"
	}
	return fmt.Sprintf("%s %d %q", r.kind, r.status, r.body)
}

// answerServer answers every request with the bytes of its current answer, then closes the
// connection. One server serves a whole test or fuzz run: a listener per input would soon
// exhaust the ephemeral ports.
type answerServer struct {
	url    string
	answer atomic.Pointer[[]byte]
}

func newAnswerServer(t testing.TB) *answerServer {
	s := new(answerServer)
	s.url = scriptedServer(t, func(int64) (string, bool) { return string(*s.answer.Load()), true }).url
	return s
}

// servers are the two raw servers of a differential test, one per client.
type servers struct{ h1, net *answerServer }

func newServers(t testing.TB) servers { return servers{newAnswerServer(t), newAnswerServer(t)} }

// exchange sends raw to both clients; the net/http side only if h1 reported success,
// unless both is set.
func (s servers) exchange(t testing.TB, raw []byte, both bool) (got result, err error, want result, werr error) {
	s.h1.answer.Store(&raw)
	s.net.answer.Store(&raw)
	got, err = viaH1(t, s.h1.url)
	if both || got.kind == "ok" {
		want, werr = viaNetHTTP(s.net.url)
	}
	return got, err, want, werr
}

// exchangeTimeout bounds each exchange. The server always closes the connection after its
// answer, so no client may need it: hitting it is a hang.
const exchangeTimeout = 10 * time.Second

var tiny = payload.Payload{ContentType: "text/plain", Body: []byte("hello")}

// viaH1 sends one request through the Invoker's built-in client.
func viaH1(t testing.TB, url string) (result, error) {
	var got result
	inv, err := httpinvoker.New(url, httpinvoker.WithTimeout(exchangeTimeout),
		httpinvoker.WithCheck(func(status int, body []byte) error {
			got = result{"ok", status, string(body)}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer inv.CloseIdleConnections()
	err = inv.Invoke(context.Background(), tiny)
	var se *httpinvoker.StatusError
	switch {
	case err == nil:
		return got, nil
	case errors.As(err, &se):
		return result{kind: "status", status: se.StatusCode}, err
	}
	return result{kind: "fail"}, err
}

// viaNetHTTP sends one request through a plain net/http client.
func viaNetHTTP(url string) (result, error) {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: exchangeTimeout}
	resp, err := client.Post(url, tiny.ContentType, bytes.NewReader(tiny.Body))
	if err != nil {
		return result{kind: "fail"}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return result{kind: "fail"}, err
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return result{kind: "status", status: resp.StatusCode}, nil
	}
	return result{"ok", resp.StatusCode, string(body)}, nil
}

func TestH1AgreesWithNetHTTPOnRawResponses(t *testing.T) {
	seen := map[string]bool{}
	srv := newServers(t)
	for _, c := range responses {
		t.Run(c.name, func(t *testing.T) {
			seen[c.name] = true
			got, err, want, werr := srv.exchange(t, []byte(c.raw), true)
			t.Logf("h1: %v (err %v); net/http: %v (err %v)", got, err, want, werr)
			same := got.String() == want.String()
			reason, listed := h1Differs[c.name]
			switch {
			case same && listed:
				t.Errorf("h1 and net/http agree (%v), but h1Differs says: %s", got, reason)
			case !same && !listed:
				t.Errorf("h1: %v (err %v)\nnet/http: %v (err %v)\nand the difference is not listed in h1Differs", got, err, want, werr)
			case !same && got.kind != "fail":
				t.Errorf("h1: %v, net/http: %v: a listed difference must be h1 failing", got, want)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("h1 waited for the timeout on a closed connection: %v", err)
			}
		})
	}
	for name := range h1Differs {
		if !seen[name] {
			t.Errorf("h1Differs lists %q, which is not in the corpus", name)
		}
	}
}

// FuzzH1Response feeds arbitrary response bytes to both clients. h1 must never panic,
// never wait for its timeout on a connection the server closed, and never report success
// for a response that net/http rejects or reads differently.
func FuzzH1Response(f *testing.F) {
	for _, c := range responses {
		f.Add([]byte(c.raw))
	}
	srv := newServers(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err, want, werr := srv.exchange(t, raw, false)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("h1 waited for the timeout on a closed connection: %v", err)
		}
		if got.kind == "ok" && want.String() != got.String() {
			t.Fatalf("h1 reported success: %v\nnet/http: %v (err %v)", got, want, werr)
		}
	})
}
