package httpinvoker_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench/httpinvoker"
)

func TestServerConstructorsFollowEachContract(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
	}))
	defer srv.Close()

	for _, c := range []struct {
		name        string
		make        func(base string) (*httpinvoker.Invoker, error)
		invoke, get string
	}{
		{"SageMaker", func(b string) (*httpinvoker.Invoker, error) { return httpinvoker.SageMaker(b) },
			"POST /invocations", "GET /ping"},
		{"SageMaker behind a prefix", func(b string) (*httpinvoker.Invoker, error) { return httpinvoker.SageMaker(b + "/team-a/") },
			"POST /team-a/invocations", "GET /team-a/ping"},
		{"TorchServe", func(b string) (*httpinvoker.Invoker, error) { return httpinvoker.TorchServe(b, "resnet-50") },
			"POST /predictions/resnet-50", "GET /ping"},
		{"TorchServe escapes the model", func(b string) (*httpinvoker.Invoker, error) { return httpinvoker.TorchServe(b, "my model") },
			"POST /predictions/my%20model", "GET /ping"},
		{"KServeV2", func(b string) (*httpinvoker.Invoker, error) { return httpinvoker.KServeV2(b, "resnet50") },
			"POST /v2/models/resnet50/infer", "GET /v2/models/resnet50/ready"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv, err := c.make(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer inv.CloseIdleConnections()
			mu.Lock()
			seen = nil
			mu.Unlock()
			if err := inv.WaitReady(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := inv.Invoke(context.Background(), jpeg); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 || seen[0] != c.get || seen[1] != c.invoke {
				t.Errorf("requests %q, want [%q %q]", seen, c.get, c.invoke)
			}
		})
	}
}

func TestConstructorsRejectBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		make func() (*httpinvoker.Invoker, error)
		want string // part of the error message
	}{
		{"empty URL", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("") }, "empty URL"},
		{"no scheme", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("localhost:8080/invocations") },
			`"localhost:8080/invocations": scheme "localhost" is not http or https`},
		{"ftp", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("ftp://host/x") }, `scheme "ftp"`},
		{"no host", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("http:///invocations") }, "no host"},
		{"fragment", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("http://h/x#top") }, "fragment"},
		{"bad escape", func() (*httpinvoker.Invoker, error) { return httpinvoker.New("http://h/%zz") }, "invalid URL escape"},
		{"base with query", func() (*httpinvoker.Invoker, error) { return httpinvoker.SageMaker("http://h/?a=1") }, "must not have a query"},
		{"empty model", func() (*httpinvoker.Invoker, error) { return httpinvoker.TorchServe("http://h", "") }, "empty model name"},
		{"model with slash", func() (*httpinvoker.Invoker, error) { return httpinvoker.KServeV2("http://h", "a/b") }, `model name "a/b"`},
		{"zero concurrency", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithConcurrency(0))
		}, "concurrency 0"},
		{"negative timeout", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithTimeout(-time.Second))
		}, "timeout -1s"},
		{"content type header", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHeader("content-type", "x"))
		}, "content type comes from the payload"},
		{"header name with a space", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHeader("X Model", "a"))
		}, "not a valid header name"},
		{"header value with a line break", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHeader("X-Model", "a\r\nEvil: 1"))
		}, "line breaks are not allowed"},
		{"host header", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHeader("host", "other"))
		}, "set by the invoker itself"},
		{"bad ready URL", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithReadyURL("h/ping"))
		}, "readiness URL"},
		{"nil client", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHTTPClient(nil))
		}, "WithHTTPClient(nil)"},
		{"nil check", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithCheck(nil))
		}, "WithCheck(nil)"},
		{"client and concurrency", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.New("http://h", httpinvoker.WithHTTPClient(&http.Client{}), httpinvoker.WithConcurrency(4))
		}, "cannot be combined"},
		{"SageMaker with zero concurrency", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.SageMaker("http://h", httpinvoker.WithConcurrency(0))
		}, "concurrency 0"},
		{"SageMaker with a bad ready URL", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.SageMaker("http://h", httpinvoker.WithReadyURL("h/ping"))
		}, "readiness URL"},
		{"TorchServe with a host header", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.TorchServe("http://h", "m", httpinvoker.WithHeader("Host", "other"))
		}, "set by the invoker itself"},
		{"KServeV2 with a negative timeout", func() (*httpinvoker.Invoker, error) {
			return httpinvoker.KServeV2("http://h", "m", httpinvoker.WithTimeout(-time.Second))
		}, "timeout -1s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv, err := c.make()
			if err == nil {
				t.Fatalf("got an Invoker for %s, want an error", inv.URL())
			}
			if !strings.HasPrefix(err.Error(), "httpinvoker: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it prefixed httpinvoker: and containing %q", err, c.want)
			}
		})
	}
}

func TestWaitReadyPollsUntilOK(t *testing.T) {
	const notReady = 3
	var mu sync.Mutex
	pings := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		pings++
		if pings <= notReady {
			http.Error(w, "loading model", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	inv, err := httpinvoker.SageMaker(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if pings != notReady+1 {
		t.Errorf("WaitReady returned after %d pings, want %d (ready on ping %d)", pings, notReady+1, notReady+1)
	}
}

func TestWaitReadyStopsWithContextAndSaysWhy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "loading model", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	inv, err := httpinvoker.TorchServe(srv.URL, "resnet50")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = inv.WaitReady(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want one wrapping context.DeadlineExceeded", err)
	}
	for _, want := range []string{srv.URL + "/ping", "503", "loading model"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should mention %q", err, want)
		}
	}
}

func TestWaitReadyNeedsAReadinessURL(t *testing.T) {
	inv, err := httpinvoker.New("http://127.0.0.1:1/score")
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.WaitReady(context.Background()); err == nil || !strings.Contains(err.Error(), "no readiness URL") {
		t.Fatalf("WaitReady without a readiness URL = %v, want an error saying so", err)
	}
	inv, err = httpinvoker.New("http://127.0.0.1:1/score", httpinvoker.WithReadyURL("http://127.0.0.1:1/health"))
	if err != nil || inv.ReadyURL() != "http://127.0.0.1:1/health" {
		t.Fatalf("WithReadyURL: %v, ReadyURL %q", err, inv.ReadyURL())
	}
}
