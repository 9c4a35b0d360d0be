package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
)

// container is a SageMaker-contract model server with `workers` model workers, each taking
// `service` per request: it saturates at workers/service requests per second, so a sweep
// finds its knee at `workers` clients. /ping answers 503 until it has been asked twice, as a
// container still loading its model does.
func container(t *testing.T, workers int, service time.Duration) *httptest.Server {
	slots := make(chan struct{}, workers)
	var pings atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		if pings.Add(1) <= 2 {
			http.Error(w, "loading", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("POST /invocations", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-image" {
			http.Error(w, "want application/x-image", http.StatusUnsupportedMediaType)
			return
		}
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		// The emulated model's work: hold the worker, as inference would.
		timer := time.NewTimer(service)
		defer timer.Stop()
		select {
		case <-timer.C:
			_, _ = w.Write([]byte(`{"top5":[281,282,285,287,728]}`))
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunFindsTheKneeAndPricesItAsAWhatIf(t *testing.T) {
	srv := container(t, 2, 20*time.Millisecond) // 100 req/s at most
	o := defaultOptions()
	o.url, o.levels, o.slo = srv.URL, "1,2,4,8", "p99=500ms"
	o.window, o.warmup, o.maxWindows = 300*time.Millisecond, 100*time.Millisecond, 4
	o.out = t.TempDir()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &stderr), stderr.String())
	t.Logf("stderr:\n%s\nstdout:\n%s", &stderr, &stdout)

	assert.Contains(t, stderr.String(), "waiting for "+srv.URL+"/ping")
	assert.Contains(t, stdout.String(), "WHAT-IF PRICE")
	assert.Contains(t, stdout.String(), "What-if:")
	for _, f := range []string{"report.md", "results.csv", "results.json", "sweep_throughput.svg"} {
		assert.FileExists(t, filepath.Join(o.out, f))
	}

	b, err := os.ReadFile(filepath.Join(o.out, "results.json"))
	require.NoError(t, err)
	var doc struct {
		Rows []struct {
			InstanceType  string   `json:"instance_type"`
			TPS           float64  `json:"throughput_rps"`
			USDPerHour    *float64 `json:"usd_per_hour"`
			USDPerMillion *float64 `json:"usd_per_million"`
		} `json:"rows"`
		Sweeps []struct {
			Knee  int `json:"knee"`
			Steps []struct {
				Concurrency int     `json:"concurrency"`
				TPS         float64 `json:"throughput_rps"`
			} `json:"steps"`
		} `json:"sweeps"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Sweeps, 1)
	sw := doc.Sweeps[0]
	require.GreaterOrEqual(t, sw.Knee, 0)
	// The knee is where throughput stops growing: at the server's 2 workers, or a level
	// later when two clients leave the workers idle for each round trip or a busy machine
	// blurs a step. Never at one client, and never above the capacity.
	knee := sw.Steps[sw.Knee]
	assert.GreaterOrEqual(t, knee.Concurrency, 2)
	assert.InDelta(t, 100, knee.TPS, 30, "the knee is at the server's capacity, 2/20ms")
	for _, st := range sw.Steps {
		assert.LessOrEqual(t, st.TPS, 110.0, "no step beats the capacity: %d workers", st.Concurrency)
	}
	assert.InDelta(t, 50, sw.Steps[0].TPS, 20, "one client: 1/20ms")

	require.Len(t, doc.Rows, 1)
	row := doc.Rows[0]
	assert.Equal(t, "ml.g4dn.xlarge", row.InstanceType)
	assert.InDelta(t, 100, row.TPS, 30, "the peak is the server's capacity")
	want, err := cost.Lookup("us-east-1", "ml.g4dn.xlarge")
	require.NoError(t, err)
	require.NotNil(t, row.USDPerHour)
	require.NotNil(t, row.USDPerMillion)
	assert.InDelta(t, want.USDPerHour, *row.USDPerHour, 1e-9)
	assert.InEpsilon(t, want.USDPerHour/(row.TPS*3600)*1e6, *row.USDPerMillion, 1e-3)
}

func TestRunGivesUpOnAServerThatNeverGetsReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "still loading", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	o := defaultOptions()
	o.url, o.readyTimeout, o.out = srv.URL, 300*time.Millisecond, t.TempDir()
	err := run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "not ready")
	assert.NoFileExists(t, filepath.Join(o.out, "report.md"))
}

func TestRunRejectsBadFlags(t *testing.T) {
	for name, edit := range map[string]func(*options){
		"mode":           func(o *options) { o.mode = "grpc" },
		"torchserve":     func(o *options) { o.mode = "torchserve" },
		"kserve payload": func(o *options) { o.mode, o.model = "kserve", "resnet" },
		"levels":         func(o *options) { o.levels = "1,two" },
		"rates":          func(o *options) { o.rates = "-5" },
		"slo":            func(o *options) { o.slo = "fast" },
		"instance":       func(o *options) { o.instance = "ml.g9.xlarge" },
		"prices":         func(o *options) { o.prices = "cheapest" },
		"window":         func(o *options) { o.window = 0 },
	} {
		o := defaultOptions()
		o.url = "http://127.0.0.1:1" // never dialed: every case fails before
		edit(&o)
		assert.Error(t, run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{}), name)
	}
}

func TestParseSLO(t *testing.T) {
	s, err := parseSLOFlag("p99.9=1.5s")
	require.NoError(t, err)
	assert.Equal(t, 99.9, s.Percentile)
	assert.Equal(t, 1500*time.Millisecond, s.Max)
	cfg, err := sweepConfig(func() options { o := defaultOptions(); o.slo = "none"; o.rates = "5,10"; return o }())
	require.NoError(t, err)
	assert.Nil(t, cfg.SLO)
	assert.Equal(t, []float64{5, 10}, cfg.Rates)
	assert.Empty(t, cfg.Levels)
}
