package httpinvoker_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
)

// stallingServer answers each request (headers and, if partial, the start of the body) and
// then stalls until the test ends or the client goes away. Nothing sleeps: the client's own
// deadline or cancellation is what ends each request.
func stallingServer(t *testing.T, partial bool, arrived chan<- struct{}) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if partial {
			w.Write([]byte(`{"label":`))
			w.(http.Flusher).Flush()
		}
		if arrived != nil {
			arrived <- struct{}{}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestTimeoutIsClassifiedAsTimeout(t *testing.T) {
	forEachClient(t, testTimeout)
}

func testTimeout(t *testing.T, opts ...httpinvoker.Option) {
	for _, c := range []struct {
		name    string
		partial bool
	}{
		{"waiting for headers", false},
		{"reading the body", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := stallingServer(t, c.partial, nil)
			inv := newInvoker(t, srv.URL, append(opts, httpinvoker.WithTimeout(50*time.Millisecond))...)
			err := inv.Invoke(context.Background(), jpeg)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v does not wrap context.DeadlineExceeded", err)
			}
			if got := bench.Classify(err); got != bench.ClassTimeout {
				t.Errorf("class %q (err %v), want %q", got, err, bench.ClassTimeout)
			}
		})
	}
}

func TestContextDeadlineIsTimeoutAndCancelIsCanceled(t *testing.T) {
	forEachClient(t, testContextEnds)
}

func testContextEnds(t *testing.T, opts ...httpinvoker.Option) {
	srv := stallingServer(t, true, nil)
	inv := newInvoker(t, srv.URL, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if got := bench.Classify(inv.Invoke(ctx, jpeg)); got != bench.ClassTimeout {
		t.Errorf("caller's deadline: class %q, want %q", got, bench.ClassTimeout)
	}

	arrived := make(chan struct{})
	srv = stallingServer(t, false, arrived)
	inv = newInvoker(t, srv.URL, append(opts, httpinvoker.WithTimeout(time.Hour))...)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	err := inv.Invoke(ctx, jpeg)
	if got := bench.Classify(err); got != bench.ClassCanceled {
		t.Errorf("canceled in flight: class %q (err %v), want %q", got, err, bench.ClassCanceled)
	}
}

func TestConnectionRefusedIsOther(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	forEachClient(t, func(t *testing.T, opts ...httpinvoker.Option) {
		err := newInvoker(t, url, opts...).Invoke(context.Background(), jpeg)
		if got := bench.Classify(err); err == nil || got != bench.ClassOther {
			t.Errorf("closed server: err %v class %q, want an error of class %q", err, got, bench.ClassOther)
		}
	})
}
