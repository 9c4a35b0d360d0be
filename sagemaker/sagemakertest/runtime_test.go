package sagemakertest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	rttypes "github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func invoke(ctx context.Context, rt *sagemakerruntime.Client, name string, body []byte) (*sagemakerruntime.InvokeEndpointOutput, error) {
	return rt.InvokeEndpoint(ctx, &sagemakerruntime.InvokeEndpointInput{
		EndpointName: aws.String(name), ContentType: aws.String("image/jpeg"), Body: body,
	})
}

func noRetry(o *sagemakerruntime.Options) { o.RetryMaxAttempts = 1 }

func TestInvokeDefaultHandlerClassifiesImage(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0.01))
	deploy(t, srv, "clf", "ml.c5.xlarge", 1, nil)
	out, err := invoke(ctxT(t), srv.RuntimeClient(), "clf", sampleJPEG(t))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sagemakertest.ImageClassifier(context.Background(), "clf", sampleJPEG(t), "image/jpeg")
	if !bytes.Equal(out.Body, want) {
		t.Errorf("body = %s, want %s", out.Body, want)
	}
	if aws.ToString(out.ContentType) != "application/json" || aws.ToString(out.InvokedProductionVariant) != "AllTraffic" {
		t.Errorf("content type %q, variant %q", aws.ToString(out.ContentType), aws.ToString(out.InvokedProductionVariant))
	}
}

func TestInvokeUnknownOrNotReadyEndpointIsValidationError(t *testing.T) {
	srv := newServer(t, sagemakertest.WithEndpointDelays(time.Hour, 0))
	createEndpoint(t, srv, "slow", "ml.c5.xlarge", 1, true, nil) // stays Creating
	rt := srv.RuntimeClient(noRetry)
	for _, name := range []string{"ghost", "slow"} {
		_, err := invoke(ctxT(t), rt, name, sampleJPEG(t))
		var ve *rttypes.ValidationError
		if !errors.As(err, &ve) || aws.ToString(ve.Message) != "Endpoint "+name+" of account 123456789012 not found." {
			t.Errorf("invoke %s: %v, want ValidationError not found", name, err)
		}
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
			t.Errorf("invoke %s: want HTTP 400, got %v", name, err)
		}
	}
}

func TestInvokePayloadOver6MBIs413(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "big", "ml.c5.xlarge", 1, nil)
	_, err := invoke(ctxT(t), srv.RuntimeClient(noRetry), "big", make([]byte, sagemakertest.MaxPayloadBytes+1))
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge || !strings.Contains(err.Error(), "6291456") {
		t.Errorf("7 MB body: %v, want HTTP 413 naming the limit", err)
	}
	if srv.Calls("InvokeEndpoint") != 1 {
		t.Errorf("Calls(InvokeEndpoint) = %d, want 1", srv.Calls("InvokeEndpoint"))
	}
}

func TestInvokeHandlerErrorIsModelError(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(
		func(ctx context.Context, ep string, body []byte, ct string) ([]byte, error) {
			if string(body) == "fail" {
				return nil, errors.New("CUDA out of memory")
			}
			return []byte(`{"echo":"` + string(body) + `"}`), nil
		}))
	deploy(t, srv, "custom", "ml.g4dn.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	out, err := invoke(ctxT(t), rt, "custom", []byte("hi"))
	if err != nil || string(out.Body) != `{"echo":"hi"}` {
		t.Fatalf("custom handler: %s, %v", out.Body, err)
	}
	_, err = invoke(ctxT(t), rt, "custom", []byte("fail"))
	var me *rttypes.ModelError
	if !errors.As(err, &me) {
		t.Fatalf("handler error: %v, want *types.ModelError", err)
	}
	if aws.ToInt32(me.OriginalStatusCode) != 500 || aws.ToString(me.OriginalMessage) != "CUDA out of memory" ||
		!strings.Contains(aws.ToString(me.LogStreamArn), "/aws/sagemaker/Endpoints/custom") {
		t.Errorf("ModelError = status %d msg %q log %q", aws.ToInt32(me.OriginalStatusCode), aws.ToString(me.OriginalMessage), aws.ToString(me.LogStreamArn))
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusFailedDependency {
		t.Errorf("want HTTP 424, got %v", err)
	}
}

func TestInvokeBadImageIsClientModelError(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "img", "ml.c5.xlarge", 1, nil)
	_, err := invoke(ctxT(t), srv.RuntimeClient(noRetry), "img", []byte("not a jpeg"))
	var me *rttypes.ModelError
	if !errors.As(err, &me) || aws.ToInt32(me.OriginalStatusCode) != 400 || !strings.Contains(aws.ToString(me.Message), "Received client error (400)") {
		t.Errorf("bad image: %v, want ModelError with original status 400", err)
	}
}

func TestInjectedRuntimeFaultsAndThrottling(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }))
	deploy(t, srv, "thr", "ml.inf1.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	ctx := ctxT(t)

	srv.FailNext("InvokeEndpoint", 1, sagemakertest.ErrServiceUnavailable())
	_, err := invoke(ctx, rt, "thr", []byte("x"))
	var su *rttypes.ServiceUnavailable
	if !errors.As(err, &su) {
		t.Errorf("injected ServiceUnavailable: %v", err)
	}

	srv.ThrottleRuntime(5)
	start := time.Now()
	var ok, throttled atomic.Int64
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			_, err := invoke(ctx, rt, "thr", []byte("x"))
			switch {
			case err == nil:
				ok.Add(1)
			case errorCode(err) == "ThrottlingException":
				throttled.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	// Burst of 5 plus 5 per second elapsed.
	if maxOK := 5 + int64(5*elapsed) + 1; ok.Load() > maxOK || ok.Load() < 5 || throttled.Load() == 0 {
		t.Errorf("at 5 rps over %.2fs: %d ok, %d throttled; want 5..%d ok and the rest throttled", elapsed, ok.Load(), throttled.Load(), maxOK)
	}
	srv.ThrottleRuntime(0)
	if _, err := invoke(ctx, rt, "thr", []byte("x")); err != nil {
		t.Errorf("after removing the throttle: %v", err)
	}
}

// runClosedLoop drives clients concurrent closed-loop invokers and returns
// the requests per second completed during window, after a warmup that lets
// connections open and the queue fill.
func runClosedLoop(t testing.TB, rt *sagemakerruntime.Client, name string, body []byte, clients int, warmup, window time.Duration) float64 {
	t.Helper()
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	from, to := start.Add(warmup), start.Add(warmup+window)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(to) {
				if _, err := invoke(context.Background(), rt, name, body); err != nil {
					t.Errorf("invoke: %v", err)
					return
				}
				if now := time.Now(); now.After(from) && now.Before(to) {
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / window.Seconds()
}

func cheapHandler(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }

func TestSixteenClientsReachCalibratedThroughput(t *testing.T) {
	// A cheap handler isolates the emulated device: workers, queue and hold.
	// Each profile runs at a time scale that puts it near 130 TPS (c5 20x
	// faster, inf1 2x slower), enough requests for a precise figure yet little
	// CPU for the SDK under -race on a loaded machine. The tolerance (25% below, 10% above) does not flake on two
	// busy cores, yet a wrong worker count (3 or 5 instead of 4) or a hold
	// that ignores the device time fails it.
	neo := map[string]string{sagemakertest.CompiledEnv: "true"}
	for _, c := range []struct {
		name, instanceType string
		env                map[string]string
		scale, study       float64
	}{
		{"c5", "ml.c5.xlarge", nil, 0.05, 5.9},
		{"c5neo", "ml.c5.xlarge", neo, 0.1, 12.9},
		{"g4dn", "ml.g4dn.xlarge", nil, 0.5, 74.7},
		{"g4dnneo", "ml.g4dn.xlarge", neo, 1, 140.4},
		{"inf1neo", "ml.inf1.xlarge", neo, 2, 304.3},
	} {
		srv := newServer(t, sagemakertest.WithHandler(cheapHandler), sagemakertest.WithTimeScale(c.scale))
		deploy(t, srv, c.name, c.instanceType, 1, c.env)
		want := c.study / c.scale
		got := bestOf(t, 3, want*0.75, want*1.1, func() float64 {
			return runClosedLoop(t, srv.RuntimeClient(), c.name, []byte("x"), 16, 200*time.Millisecond, 1200*time.Millisecond)
		})
		t.Logf("%s at scale %v: %.1f TPS (want %.1f)", c.name, c.scale, got, want)
		if got < want*0.75 || got > want*1.1 {
			t.Errorf("%s: %.1f TPS with 16 clients, want %.1f (25%% below to 10%% above)", c.name, got, want)
		}
	}
}

func TestDefaultHandlerWorkFitsInsideDeviceTime(t *testing.T) {
	// With the real preprocessing (about 5 ms per image, 60 ms under -race,
	// several times that on a loaded machine), c5 holds each of its 4 workers
	// 678 ms: 16 requests from 16 clients take 4 rounds, 2.7 s, 5.9 TPS.
	srv := newServer(t)
	deploy(t, srv, "c5", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient()
	body := sampleJPEG(t)
	got := bestOf(t, 3, 5.9*0.75, 5.9*1.1, func() float64 {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range 16 {
			wg.Go(func() {
				for next.Add(1) <= 16 {
					if _, err := invoke(context.Background(), rt, "c5", body); err != nil {
						t.Errorf("invoke: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		return 16 / time.Since(start).Seconds()
	})
	t.Logf("c5 with the default handler: %.2f TPS (want 5.9)", got)
	if got < 5.9*0.75 || got > 5.9*1.1 {
		t.Errorf("%.2f TPS, want 5.9 (25%% below to 10%% above)", got)
	}
}

func TestInstanceCountMultipliesWorkers(t *testing.T) {
	// A cheap handler isolates the queueing: 2 instances x 4 workers of 20 ms
	// each serve 400 requests per second.
	srv := newServer(t, sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }),
		sagemakertest.WithProfile("ml.m5.large", false, sagemakertest.Profile{Workers: 4, DeviceTime: 20 * time.Millisecond}))
	deploy(t, srv, "two", "ml.m5.large", 2, nil)
	got := bestOf(t, 3, 300, 440, func() float64 {
		return runClosedLoop(t, srv.RuntimeClient(), "two", []byte("x"), 16, 200*time.Millisecond, 1200*time.Millisecond)
	})
	t.Logf("2 x 4 workers x 20ms: %.1f TPS (want 400)", got)
	if got < 300 || got > 440 {
		t.Errorf("%.1f TPS, want 400 (2 instances x 4 workers / 20 ms), within 25%% below and 10%% above", got)
	}
}

func TestProfilesMatchTheStudy(t *testing.T) {
	want := map[string]float64{
		"ml.c5.xlarge/false": 5.9, "ml.c5.xlarge/true": 12.9, "ml.g4dn.xlarge/false": 74.7,
		"ml.g4dn.xlarge/true": 140.4, "ml.inf1.xlarge/true": 304.3,
	}
	got := map[string]float64{}
	for _, e := range sagemakertest.Profiles() {
		k := e.InstanceType + "/" + map[bool]string{true: "true", false: "false"}[e.Compiled]
		got[k] = e.Throughput()
		if e.Source == "" || e.Workers < 1 {
			t.Errorf("%s: incomplete profile %+v", k, e.Profile)
		}
	}
	for k, w := range want {
		if g := got[k]; g < w*0.995 || g > w*1.005 {
			t.Errorf("%s: profile throughput %.2f, want %.1f within 0.5%%", k, g, w)
		}
	}
	if _, ok := got["ml.inf1.xlarge/false"]; !ok {
		t.Error("no profile for uncompiled inf1")
	}
	srv := newServer(t, sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 1, DeviceTime: time.Second}))
	if p := srv.ProfileFor("ml.c5.xlarge", false); p.Workers != 1 {
		t.Errorf("WithProfile override not applied: %+v", p)
	}
}

func TestCompiledDetection(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "plain", "ml.inf1.xlarge", 1, nil)
	deploy(t, srv, "flagged", "ml.inf1.xlarge", 1, map[string]string{sagemakertest.CompiledEnv: "true"})
	for _, ep := range srv.Endpoints() {
		if want := ep.Name == "flagged"; ep.Compiled != want {
			t.Errorf("%s: Compiled = %v, want %v", ep.Name, ep.Compiled, want)
		}
	}
}

func TestCloseAbortsHeldInvocations(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithHandler(cheapHandler),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 1, DeviceTime: time.Hour}))
	deploy(t, srv, "stuck", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	errs := make(chan error, 2)
	for range 2 { // one held by the worker, one queued behind it
		go func() {
			_, err := invoke(context.Background(), rt, "stuck", []byte("x"))
			errs <- err
		}()
	}
	for srv.Calls("InvokeEndpoint") < 2 {
		time.Sleep(time.Millisecond) // polling until both requests arrived
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with an invocation held for an hour")
	}
	for range 2 {
		if err := <-errs; err == nil {
			t.Error("an invocation cut short by Close succeeded")
		}
	}
}

func TestInvocationsContinueWhileUpdating(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(cheapHandler),
		sagemakertest.WithEndpointDelays(50*time.Millisecond, 0))
	deploy(t, srv, "live", "ml.c5.xlarge", 1, nil)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	srv.FailEndpoint("live", "update fails")
	if _, err := sm.UpdateEndpoint(ctx, &sagemaker.UpdateEndpointInput{EndpointName: aws.String("live"), EndpointConfigName: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := invoke(ctx, srv.RuntimeClient(noRetry), "live", []byte("x")); err != nil {
		t.Errorf("invoke while Updating: %v", err)
	}
	out := waitInService(t, srv, "live")
	if !strings.Contains(aws.ToString(out.FailureReason), "update fails") {
		t.Errorf("failed update: FailureReason %q, want the injected reason after rollback to InService", aws.ToString(out.FailureReason))
	}
	if _, err := invoke(ctx, srv.RuntimeClient(noRetry), "live", []byte("x")); err != nil {
		t.Errorf("invoke after rolled-back update: %v", err)
	}
}

// A handler that panics is a model worker that crashed: the runtime answers ModelError
// with the container's 500, and the worker serves the next request (the endpoint's only
// worker was held forever before). A handler's http.ErrAbortHandler still drops the
// connection, and frees the worker too.
func TestInvokeHandlerPanicIsModelErrorAndFreesTheWorker(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, sagemakertest.WithTimeScale(0),
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 1, DeviceTime: time.Millisecond}),
		sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) {
			switch calls.Add(1) {
			case 1:
				panic("boom")
			case 2:
				panic(http.ErrAbortHandler) // net/http's way to drop the connection
			}
			return []byte("{}"), nil
		}))
	deploy(t, srv, "clf", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	_, err := invoke(ctxT(t), rt, "clf", []byte("x"))
	var me *rttypes.ModelError
	if !errors.As(err, &me) || aws.ToInt32(me.OriginalStatusCode) != 500 {
		t.Errorf("panicking handler: %v, want ModelError with status 500", err)
	}
	if _, err := invoke(ctxT(t), rt, "clf", []byte("x")); err == nil || errors.As(err, &me) {
		t.Errorf("a handler's ErrAbortHandler: %v, want the connection dropped", err)
	}
	if _, err := invoke(ctxT(t), rt, "clf", []byte("x")); err != nil {
		t.Errorf("the next request: %v", err)
	}
}

// RuntimeClient reads every answer of a few KB in full, retries off: the SDK's request
// body race (internal/reqbody) failed about 1 in 100 of them with "use of closed network
// connection" on a 200, and flaked the tests of large answers.
func TestRuntimeClientReadsEveryLargeAnswerInFull(t *testing.T) {
	t.Parallel()
	answer := bytes.Repeat([]byte("x"), 64<<10)
	srv := newServer(t, sagemakertest.WithTimeScale(0),
		sagemakertest.WithHandler(func(context.Context, string, []byte, string) ([]byte, error) { return answer, nil }))
	deploy(t, srv, "big", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	failed := 0
	for range 1000 {
		if _, err := invoke(ctxT(t), rt, "big", []byte("small request")); err != nil {
			if failed++; failed == 1 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of 1000 requests failed", failed)
	}
}

// bestOf measures a throughput up to n times and returns the first figure within [lo, hi],
// or the last one. The emulator's figures come from real clients on a machine that may
// be busy with other work: a starved client reads low now and then, so one attempt in n
// must land within bounds. An emulator that is wrong (a worker too many or too few, a
// hold that ignores the device time) misses them on every attempt.
func bestOf(t *testing.T, n int, lo, hi float64, measure func() float64) float64 {
	t.Helper()
	var got float64
	for i := range n {
		if got = measure(); got >= lo && got <= hi {
			return got
		}
		t.Logf("attempt %d of %d: %.1f, outside [%.1f, %.1f]", i+1, n, got, lo, hi)
	}
	return got
}
