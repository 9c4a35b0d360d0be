package sagebench_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
)

func TestMeasuringEventSaysErrorsAndTheirMainClass(t *testing.T) {
	t.Parallel()
	e := sagebench.Event{Kind: sagebench.EventMeasuring, Candidate: "c5", Snapshot: &bench.Snapshot{
		Elapsed: 6 * time.Second, Requests: 59, Errors: 59,
		ErrorsByClass: map[bench.ErrorClass]int64{bench.ClassClientError: 50, bench.ClassTimeout: 9},
	}}
	assert.Equal(t, "c5: 6s 59 requests, 0.0 req/s, p99 0s, 59 errors (100.0%, mostly client_error)", e.String())

	e.Snapshot = &bench.Snapshot{Elapsed: 6 * time.Second, Requests: 59, Throughput: 9.8, P99: 40 * time.Millisecond}
	assert.Equal(t, "c5: 6s 59 requests, 9.8 req/s, p99 40ms, 0 errors", e.String())
}

func TestMeasuredEventQuotesTheMainError(t *testing.T) {
	t.Parallel()
	e := sagebench.Event{Kind: sagebench.EventMeasured, Candidate: "c5", Result: &bench.Result{
		Requests: 100, Errors: 7, Throughput: 15,
		ErrorsByClass: map[bench.ErrorClass]int64{bench.ClassModelError: 5, bench.ClassTimeout: 2},
		ErrorSamples: map[bench.ErrorClass]string{bench.ClassModelError: "model returned status 415:\nunsupported content type",
			bench.ClassTimeout: "context deadline exceeded"},
	}}
	assert.Equal(t, `c5: 15.0 req/s, p50 0s, p99 0s, 7 errors (7.0%, mostly model_error): first model_error: "model returned status 415: unsupported content type"`, e.String())
}
