package httpinvoker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/payload"
)

// A model container that follows the SageMaker hosting contract, run locally (here an
// httptest server), loaded by bench.Run through an httpinvoker.
func Example() {
	container := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ping":
			w.WriteHeader(http.StatusOK)
		case "/invocations":
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"label":"tabby cat","p":0.93}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer container.Close()

	ctx := context.Background()
	inv, err := httpinvoker.SageMaker(container.URL,
		httpinvoker.WithConcurrency(4),
		httpinvoker.WithTimeout(5*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inv.CloseIdleConnections()
	if err := inv.WaitReady(ctx); err != nil { // polls GET /ping until 200
		fmt.Println(err)
		return
	}
	img := payload.Payload{Name: "cat.jpg", ContentType: "application/x-image", Body: []byte("\xff\xd8...")}
	res, err := bench.Run(ctx, inv, bench.Config{Concurrency: 4, Requests: 200, Payloads: []payload.Payload{img}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("POST %s: %d requests, %d errors\n", inv.URL()[len(container.URL):], res.Requests, res.Errors)
	// Output: POST /invocations: 200 requests, 0 errors
}

// Reject responses that do not carry a label: they count as model errors in the Result.
func ExampleWithCheck() {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"error":"model not loaded"}`)
	}))
	defer server.Close()

	inv, err := httpinvoker.TorchServe(server.URL, "resnet50",
		httpinvoker.WithCheck(func(status int, body []byte) error {
			if len(body) < 9 || string(body[:9]) != `{"label":` {
				return fmt.Errorf("no label in %s", body)
			}
			return nil
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = inv.Invoke(context.Background(), payload.Payload{ContentType: "image/jpeg", Body: []byte("\xff\xd8")})
	var rejected *httpinvoker.CheckError
	if errors.As(err, &rejected) {
		fmt.Printf("%s: %v\n", bench.Classify(err), rejected.Err)
	}
	// Output: model_error: no label in {"error":"model not loaded"}
}

// After a run, Stats says whether any request was sent twice. A resend happens only when a
// request could not be written to a reused connection, so the server never saw it; a
// failure after the request was written is the request's error, never retried.
func ExampleInvoker_Stats() {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, `{"label":"tabby cat"}`)
	}))
	defer server.Close()

	inv, err := httpinvoker.SageMaker(server.URL, httpinvoker.WithConcurrency(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inv.CloseIdleConnections()
	for range 3 {
		if err := inv.Invoke(context.Background(), payload.Payload{ContentType: "image/jpeg", Body: []byte("\xff\xd8")}); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Printf("%+v\n", inv.Stats())
	// Output: {Dials:1 Discarded:0 Resends:0}
}
