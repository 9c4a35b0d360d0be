package bench_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/bench/benchtest"
	"github.com/sagebench/sagebench/payload"
)

var rvPayloads = []payload.Payload{{Name: "x", Body: []byte("x")}}

func TestReviewOpenLoopLowRate(t *testing.T) {
	for _, rate := range []float64{0.5, 1, 3} {
		res, err := bench.Run(context.Background(), benchtest.New(), bench.Config{
			Rate: rate, Duration: time.Second, Payloads: rvPayloads, Interval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		want := int64(math.Ceil(rate))
		if res.Offered != want || res.Requests+res.Missed+res.Unfinished != res.Offered {
			t.Errorf("rate %v: offered %d (want %d) requests %d missed %d unfinished %d elapsed %v",
				rate, res.Offered, want, res.Requests, res.Missed, res.Unfinished, res.Elapsed)
		}
	}
}

func TestReviewOpenLoopRequestsExact(t *testing.T) {
	res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithLatency(benchtest.Constant(2*time.Millisecond))), bench.Config{
		Rate: 2000, Requests: 500, Concurrency: 4, Warmup: 50 * time.Millisecond, Payloads: rvPayloads})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("req %d missed %d unf %d off %d el %v thr %v", res.Requests, res.Missed, res.Unfinished, res.Offered, res.Elapsed, res.Throughput)
	if res.Requests+res.Missed+res.Unfinished != res.Offered {
		t.Errorf("sum mismatch")
	}
	if res.Requests != 500 {
		t.Errorf("requests %d, want 500", res.Requests)
	}
	// A Requests-bounded open loop has no rate invariant over Elapsed: its window runs on
	// until the last send completes (the backlog drains), which Result.Offered documents.
	if res.Offered < 500 {
		t.Errorf("offered %d < the 500 requests made", res.Offered)
	}
}

func TestReviewClosedRequestsExact(t *testing.T) {
	res, err := bench.Run(context.Background(), benchtest.New(), bench.Config{
		Concurrency: 7, Requests: 1001, Warmup: 20 * time.Millisecond, Payloads: rvPayloads})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1001 {
		t.Errorf("requests %d", res.Requests)
	}
}

func TestReviewSelfMerge(t *testing.T) {
	res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithErrorEvery(3, benchtest.NewError(bench.ClassTimeout))), bench.Config{
		Concurrency: 2, Duration: 100 * time.Millisecond, Payloads: rvPayloads, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n := res.Requests
	p50 := res.Latency.P50
	if err := res.Merge(res); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, v := range res.ErrorsByClass {
		sum += v
	}
	if res.Requests != 2*n || sum != res.Errors {
		t.Errorf("self-merge: requests %d (want %d), errors %d, by class %d", res.Requests, 2*n, res.Errors, sum)
	}
	if res.Latency.P50 != p50 {
		t.Errorf("p50 %v -> %v", p50, res.Latency.P50)
	}
}

func TestReviewJSONRoundTrip(t *testing.T) {
	res, _ := bench.Run(context.Background(), benchtest.New(benchtest.WithErrorEvery(5, benchtest.NewError(bench.ClassTimeout))), bench.Config{
		Rate: 500, Concurrency: 2, Duration: 200 * time.Millisecond, Payloads: rvPayloads, Interval: 50 * time.Millisecond})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back bench.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
	if back.PercentileAll(99) != res.PercentileAll(99) || back.Percentile(50) != res.Percentile(50) {
		t.Errorf("percentiles differ")
	}
	for i := range res.Series {
		x, y := res.Series[i], back.Series[i]
		if !x.Start.Equal(y.Start) || x.Requests != y.Requests || x.P99 != y.P99 || x.Throughput != y.Throughput {
			t.Errorf("series %d differ", i)
		}
	}
}

// An invoker that ignores ctx and hangs: Run must still return near the end.
func TestReviewHangingInvoker(t *testing.T) {
	inv := bench.InvokerFunc(func(ctx context.Context, p payload.Payload) error {
		time.Sleep(1500 * time.Millisecond)
		return nil
	})
	t0 := time.Now()
	res, err := bench.Run(context.Background(), inv, bench.Config{Concurrency: 2, Duration: 200 * time.Millisecond, Payloads: rvPayloads})
	el := time.Since(t0)
	t.Logf("returned after %v err %v unfinished %d req %d", el, err, res.Unfinished, res.Requests)
	if res.Unfinished != 2 {
		t.Errorf("unfinished %d, want 2", res.Unfinished)
	}
}

func TestReviewCancelRandom(t *testing.T) {
	for i := 0; i < 40; i++ {
		for _, rate := range []float64{0, 1000} {
			ctx, cancel := context.WithCancel(context.Background())
			d := time.Duration(i) * 500 * time.Microsecond
			canceled := make(chan time.Time, 1)
			time.AfterFunc(d, func() { canceled <- time.Now(); cancel() })
			t0 := time.Now()
			res, err := bench.Run(ctx, benchtest.New(benchtest.WithLatency(benchtest.Constant(300*time.Microsecond))), bench.Config{
				Rate: rate, Concurrency: 3, Duration: time.Hour, Payloads: rvPayloads, Interval: 10 * time.Millisecond})
			if err == nil || res == nil {
				t.Fatalf("rate %v cancel %v: err %v, end %v after start, missed %d", rate, d, err, res.End.Sub(t0), res.Missed)
			}
			// The window ends at the cancellation, not at the hour: measured from when the
			// cancel ran (a loaded machine runs the timer late), with a second for the
			// scheduler, which a 2-core machine shared by six test runs needs.
			at := <-canceled
			if res.End.Sub(at) > time.Second || len(res.Series) > int(res.End.Sub(t0)/(10*time.Millisecond))+2 {
				t.Errorf("rate %v cancel %v: end %v after the cancel, %d intervals", rate, d, res.End.Sub(at), len(res.Series))
			}
			if rate > 0 && res.Requests+res.Missed+res.Unfinished != res.Offered {
				t.Errorf("cancel %v: %d+%d+%d != %d", d, res.Requests, res.Missed, res.Unfinished, res.Offered)
			}
		}
	}
}

func TestReviewWarmupLongerThanDuration(t *testing.T) {
	for _, rate := range []float64{0, 200} {
		res, err := bench.Run(context.Background(), benchtest.New(benchtest.WithLatency(benchtest.Constant(time.Millisecond))), bench.Config{
			Rate: rate, Concurrency: 2, Warmup: 300 * time.Millisecond, Duration: 100 * time.Millisecond, Payloads: rvPayloads, Interval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Elapsed - 100*time.Millisecond; d < 0 || d > 0 {
			t.Errorf("rate %v elapsed %v", rate, res.Elapsed)
		}
		if rate > 0 && (res.Offered != 20 || res.Requests+res.Missed+res.Unfinished != res.Offered) {
			t.Errorf("offered %d req %d missed %d unf %d", res.Offered, res.Requests, res.Missed, res.Unfinished)
		}
		if rate == 0 && res.LittlesLaw != nil && !res.LittlesLaw.Holds {
			t.Errorf("little %v", res.LittlesLaw)
		}
	}
}

func TestReviewBadConfigs(t *testing.T) {
	for _, c := range []bench.Config{
		{Rate: math.NaN()}, {Rate: math.Inf(1)}, {Rate: -1}, {Concurrency: -1}, {Interval: 100},
	} {
		c.Payloads = rvPayloads
		if _, err := bench.Run(context.Background(), benchtest.New(), c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
