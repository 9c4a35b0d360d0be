package httpinvoker

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sagebench/sagebench/payload"
)

// The one case where h1 sends a request twice: writing it to a pooled connection failed,
// so the server cannot have started on it. The pooled connection here is one end of a pipe
// whose other end is closed (a pipe cannot be probed, so it is used and the write fails);
// the request must then go out once, on a new connection, and be counted.
func TestWriteFailureOnPooledConnectionIsResentOnce(t *testing.T) {
	var reqs atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		reqs.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	inv, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer inv.CloseIdleConnections()

	dead, peer := net.Pipe()
	peer.Close()
	c := &h1conn{nc: dead, br: bufio.NewReader(dead)}
	c.initProbe()
	inv.h1.put(c) // as a connection that served a request before

	p := payload.Payload{ContentType: "text/plain", Body: []byte("hello")}
	if err := inv.Invoke(context.Background(), p); err != nil {
		t.Fatalf("write failed on a pooled connection: %v, want the request resent and answered", err)
	}
	if n := reqs.Load(); n != 1 {
		t.Errorf("server handled %d requests, want 1", n)
	}
	if got, want := inv.Stats(), (Stats{Dials: 1, Resends: 1}); got != want {
		t.Errorf("Stats %+v, want %+v", got, want)
	}
}
