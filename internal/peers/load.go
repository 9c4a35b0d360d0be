package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/httpinvoker"
	"github.com/sagebench/sagebench/payload"
)

// loadResult is one run's figures as the peers command reports them for every tool.
type loadResult struct {
	Tool         string  `json:"tool"`
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	RPS          float64 `json:"rps"`
	P50us        float64 `json:"p50_us"`
	P99us        float64 `json:"p99_us"`
	Target       float64 `json:"target_rps,omitempty"`
	Missed       int64   `json:"missed,omitempty"`
	AllocsPerReq float64 `json:"allocs_per_request,omitempty"`
	HeapMiB      float64 `json:"heap_inuse_mib,omitempty"`
	// The built-in HTTP client's connection events (httpinvoker.Stats): a resend is a
	// request sent twice, which must stay rare enough not to matter.
	Dials     int64 `json:"dials,omitempty"`
	Discarded int64 `json:"discarded_connections,omitempty"`
	Resends   int64 `json:"resends,omitempty"`
}

// load is one sagebench run against url, printed as a JSON line on stdout and a
// human-readable line on stderr.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	url := fs.String("url", "", "URL to POST to")
	conc := fs.Int("c", 16, "concurrency (closed loop), or in-flight cap (open loop)")
	dur := fs.Duration("d", 10*time.Second, "measured duration")
	rate := fs.Float64("rate", 0, "open loop at this many requests/s (0: closed loop)")
	warmup := fs.Duration("warmup", 0, "warmup before the measured window")
	timeout := fs.Duration("timeout", 0, "per-request timeout (0: none)")
	bodyFile := fs.String("body", "", "file whose bytes are the request body")
	ctype := fs.String("type", "image/jpeg", "request content type")
	h2c := fs.Bool("h2c", false, "speak HTTP/2 cleartext")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Parse(args)
	if *url == "" || *bodyFile == "" {
		return fmt.Errorf("load: -url and -body are required")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	opts := []httpinvoker.Option{httpinvoker.WithConcurrency(*conc)}
	if *h2c {
		opts = append(opts, httpinvoker.WithHTTP2())
	}
	inv, err := httpinvoker.New(*url, opts...)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := bench.Config{
		Concurrency: *conc, Rate: *rate, Duration: *dur, Warmup: *warmup, Timeout: *timeout,
		Payloads: []payload.Payload{{Name: *bodyFile, ContentType: *ctype, Body: body}},
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := bench.Run(ctx, inv, cfg)
	runtime.ReadMemStats(&after)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	out := loadResult{
		Tool: "sagebench", Requests: res.Requests, Errors: res.Errors, RPS: res.Throughput,
		P50us: us(res.Latency.P50), P99us: us(res.Latency.P99), Target: *rate, Missed: res.Missed,
		HeapMiB: float64(after.HeapInuse) / (1 << 20),
	}
	st := inv.Stats()
	out.Dials, out.Discarded, out.Resends = st.Dials, st.Discarded, st.Resends
	if *warmup == 0 && res.Requests > 0 {
		out.AllocsPerReq = float64(after.Mallocs-before.Mallocs) / float64(res.Requests)
	}
	fmt.Fprintf(os.Stderr, "sagebench: %d requests, %d errors %v, %.1f req/s (achieved %.2f%% of target %.0f), p50 %v p99 %v, %.1f allocs/request, missed %d, warnings %q, connections %+v\n",
		res.Requests, res.Errors, res.ErrorsByClass, res.Throughput, pct(res.Throughput, *rate), *rate,
		res.Latency.P50, res.Latency.P99, out.AllocsPerReq, res.Missed, res.Warnings, st)
	return json.NewEncoder(os.Stdout).Encode(out)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func pct(got, target float64) float64 {
	if target == 0 {
		return 0
	}
	return 100 * got / target
}
