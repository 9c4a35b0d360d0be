package cwmetrics_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// newServer starts an emulator that outlives the test's other clean-ups, so endpoints are
// deleted before it closes.
func newServer(t testing.TB, opts ...sagemakertest.Option) *sagemakertest.Server {
	srv := sagemakertest.NewServer(opts...)
	t.Cleanup(func() {
		if left := srv.Leftovers(); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
		srv.Close()
	})
	return srv
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// deployed deploys an endpoint on instanceType in srv through sagemaker.Client, as a user
// would, and deletes it when the test ends.
func deployed(t testing.TB, srv *sagemakertest.Server, instanceType string) *sagemaker.Endpoint {
	t.Helper()
	ctx := ctxT(t)
	if err := srv.PutObject("models", "m/model.tar.gz", []byte("archive")); err != nil {
		t.Fatal(err)
	}
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.PollInterval = time.Millisecond
	})
	image, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: c.Region(), FrameworkVersion: "1.8.1", InstanceType: instanceType})
	if err != nil {
		t.Fatal(err)
	}
	name := sagemaker.UniqueName("cw")
	ep, err := c.Deploy(ctx, sagemaker.ModelSpec{
		Name: name, Image: image, ModelDataURL: "s3://models/m/model.tar.gz",
		RoleARN: "arn:aws:iam::123456789012:role/SageMakerRole",
	}, sagemaker.EndpointSpec{Name: name, InstanceType: instanceType, InstanceCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ep.Delete(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ep
}

func run(t testing.TB, inv bench.Invoker, n int64) *bench.Result {
	t.Helper()
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := bench.Run(ctxT(t), inv, bench.Config{Concurrency: 8, Requests: n, Payloads: []payload.Payload{img}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func noWait(o *cwmetrics.Options) { o.NoWait = true }

// fixedAnswer swaps the emulator's image preprocessing, tens of milliseconds of CPU a
// request under -race, for a fixed prediction: these tests read the metrics of the
// requests, not their answers, and the device time is held all the same.
var fixedAnswer = sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) {
	return []byte(`{"predictions":[{"class":1,"score":0.9}]}`), nil
})

// TestFetchIsWhatTheEmulatedEndpointDid loads a g4dn endpoint through the real runtime and
// reads its metrics through the real CloudWatch client: every request counted once, the
// model time no shorter than the device time, the server's time inside the client's.
func TestFetchIsWhatTheEmulatedEndpointDid(t *testing.T) {
	const device = 10 * time.Millisecond
	srv := newServer(t, sagemakertest.WithProfile("ml.g4dn.xlarge", false, sagemakertest.Profile{Workers: 4, DeviceTime: device}), fixedAnswer)
	ep := deployed(t, srv, "ml.g4dn.xlarge")
	res := run(t, ep.Invoker(), 200)

	m, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), ep.Name, sagemaker.VariantName, res.Start, res.End, noWait)
	if err != nil {
		t.Fatal(err)
	}
	if m.Invocations != res.Requests || m.Errors4XX+m.Errors5XX+m.ModelErrors != res.Errors {
		t.Errorf("server: %d invocations, %d/%d/%d errors; client: %d requests, %d errors",
			m.Invocations, m.Errors4XX, m.Errors5XX, m.ModelErrors, res.Requests, res.Errors)
	}
	if m.ModelLatency.Count != res.Requests || m.OverheadLatency.Count != res.Requests {
		t.Errorf("latency samples: model %d overhead %d, want %d", m.ModelLatency.Count, m.OverheadLatency.Count, res.Requests)
	}
	// The emulator ends a hold up to 2 ms early to make up for late timers.
	if l := m.ModelLatency; l.P50 < device-2*time.Millisecond || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > res.Latency.Max {
		t.Errorf("ModelLatency p50 %v p90 %v p99 %v: want ordered, >= the device time %v less 2 ms, <= the client's max %v",
			l.P50, l.P90, l.P99, device, res.Latency.Max)
	}
	// HdrHistogram keeps 3 significant digits: 0.1% plus rounding to the microsecond.
	if server := m.ModelLatency.Mean + m.OverheadLatency.Mean; server > res.Latency.Mean+res.Latency.Mean/1000+time.Microsecond {
		t.Errorf("server mean %v exceeds the client's mean latency %v", server, res.Latency.Mean)
	}
	gpu, ok := m.Utilization[cwmetrics.GPU]
	if !ok || gpu.Mean <= 0 || gpu.Max > 100 || gpu.Mean > gpu.Max {
		t.Errorf("GPU utilization %+v (published %v), want within (0, 100]", gpu, ok)
	}
	if _, ok := m.Utilization[cwmetrics.Memory]; ok {
		t.Error("the emulator publishes no MemoryUtilization, yet Fetch reports one")
	}
	if !m.Start.Equal(res.Start.Truncate(time.Minute)) || m.End.Sub(m.Start)%time.Minute != 0 || m.End.Before(res.End) {
		t.Errorf("queried %v to %v for a run of %v to %v: want whole minutes around it", m.Start, m.End, res.Start, res.End)
	}
	chk := cwmetrics.CrossCheck(cwmetrics.ClientFigures{Requests: res.Requests, Mean: res.Latency.Mean}, m,
		cwmetrics.Tolerance{Latency: 100}) // a busy machine's loopback time is not under test
	if len(chk.Warnings) != 0 || chk.Remainder < 0 {
		t.Errorf("cross-check of an honest run: remainder %v, warnings %q", chk.Remainder, chk.Warnings)
	}
}

// dropper claims to invoke but sends only three requests in four.
type dropper struct {
	inv bench.Invoker
	n   atomic.Int64
}

func (d *dropper) Invoke(ctx context.Context, p payload.Payload) error {
	if d.n.Add(1)%4 == 0 {
		return nil
	}
	return d.inv.Invoke(ctx, p)
}

func TestCrossCheckCatchesAClientThatDropsRequests(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0), fixedAnswer)
	ep := deployed(t, srv, "ml.c5.xlarge")
	res := run(t, &dropper{inv: ep.Invoker()}, 80)
	m, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), ep.Name, sagemaker.VariantName, res.Start, res.End, noWait)
	if err != nil {
		t.Fatal(err)
	}
	client := cwmetrics.ClientFigures{Requests: res.Requests, InFlight: int64(res.Concurrency), Mean: res.Latency.Mean}
	chk := cwmetrics.CrossCheck(client, m, cwmetrics.Tolerance{})
	if m.Invocations != 60 || len(chk.Warnings) == 0 || !strings.Contains(chk.Warnings[0], "20 requests never reached it") {
		t.Errorf("client sent 60 of its 80 requests; server counted %d; warnings %q", m.Invocations, chk.Warnings)
	}
}

func TestFetchWithoutPermissionSaysWhy(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	srv.FailNext("GetMetricData", 10, sagemakertest.ErrAccessDenied())
	now := time.Now()
	m, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), "ep", "AllTraffic", now.Add(-time.Minute), now, noWait)
	if m != nil || err == nil {
		t.Fatalf("Fetch without permission: %+v, %v", m, err)
	}
	if r := cwmetrics.Reason(err); r != "no CloudWatch access: cloudwatch:GetMetricData denied" {
		t.Errorf("Reason = %q", r)
	}
	if !strings.Contains(err.Error(), "endpoint ep variant AllTraffic") {
		t.Errorf("error does not say which endpoint: %v", err)
	}
}

func TestFetchSkipsANilOptFn(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	now := time.Now()
	if _, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), "ep", "AllTraffic", now.Add(-time.Minute), now, nil, noWait); err != nil {
		t.Fatalf("Fetch with a nil optFn: %v", err)
	}
}

// TestFetchWaitIsBoundedReportsProgressAndStops waits for metrics of a window that ended
// just now with the default delay: the first progress report says how long is left, and
// cancelling stops the wait at once with the context's error.
func TestFetchWaitIsBoundedReportsProgressAndStops(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	now := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	ctx, cancel := context.WithCancel(ctxT(t))
	var got []cwmetrics.Progress
	_, err := cwmetrics.Fetch(ctx, srv.CloudWatchClient(), "ep", "AllTraffic", now.Add(-time.Minute), now, func(o *cwmetrics.Options) {
		o.Now = func() time.Time { return now }
		o.Progress = func(p cwmetrics.Progress) { got = append(got, p); cancel() }
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch canceled while waiting: %v", err)
	}
	// The window ends at 12:00:30, its last minute at 12:01; complete 3 minutes later.
	if len(got) != 1 || got[0].Remaining != 30*time.Second+cwmetrics.DefaultDelay || got[0].Endpoint != "ep" {
		t.Errorf("progress %+v, want one report with 3m30s remaining", got)
	}
	if srv.Calls("cloudwatch:GetMetricData") != 0 {
		t.Error("Fetch read before the metrics were complete")
	}
}

func TestFetchRejectsBadInput(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	now := time.Now()
	for _, tc := range []struct {
		name       string
		ep         string
		start, end time.Time
		delay      time.Duration
		want       string
	}{
		{"empty window", "ep", now, now, 0, "is empty"},
		{"no endpoint", "", now.Add(-time.Minute), now, 0, "must both be named"},
		{"delay too long", "ep", now.Add(-time.Minute), now, time.Hour, "outside 0 to 15m0s"},
		{"too old", "ep", now.Add(-500 * 24 * time.Hour), now, 0, "older than the 455 days"},
	} {
		_, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), tc.ep, "AllTraffic", tc.start, tc.end, func(o *cwmetrics.Options) {
			o.Delay, o.NoWait = tc.delay, true
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if n := srv.Calls("cloudwatch:GetMetricData"); n != 0 {
		t.Errorf("bad input reached CloudWatch %d times", n)
	}
}

// TestFetchRidesOutAThrottle relies on the SDK's retryer, not a loop of its own: one
// ThrottlingException is retried and the figures still arrive.
func TestFetchRidesOutAThrottle(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	ep := deployed(t, srv, "ml.c5.xlarge")
	res := run(t, ep.Invoker(), 8)
	srv.FailNext("GetMetricData", 1, sagemakertest.ErrThrottling())
	m, err := cwmetrics.Fetch(ctxT(t), srv.CloudWatchClient(), ep.Name, sagemaker.VariantName, res.Start, res.End, noWait)
	if err != nil || m.Invocations != 8 {
		t.Fatalf("after one throttle: %+v, %v", m, err)
	}
	if n := srv.Calls("cloudwatch:GetMetricData"); n != 2 {
		t.Errorf("%d GetMetricData calls, want the throttled one and its retry", n)
	}
}
