package sagemaker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Compile-time proof that the runtime invoker is a bench.Invoker, without the sagemaker
// package importing bench.
var _ bench.Invoker = (*sagemaker.RuntimeInvoker)(nil)

type statusErr int

func (s statusErr) Error() string   { return fmt.Sprintf("model failed with %d", int(s)) }
func (s statusErr) StatusCode() int { return int(s) }

// deployed starts an emulator with handler h, deploys an endpoint and returns it.
func deployed(t *testing.T, h sagemakertest.Handler, optFns ...func(*sagemaker.Options)) (*sagemakertest.Server, *sagemaker.Endpoint) {
	t.Helper()
	srv, _ := newEnv(t, []sagemakertest.Option{sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(h)})
	c := newClient(t, srv, optFns...)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ep.Delete(context.WithoutCancel(context.Background())); err != nil {
			t.Error(err)
		}
	})
	return srv, ep
}

var jpeg = payload.Payload{Name: "x", ContentType: "application/x-image", Body: []byte("\xff\xd8\xff fake")}

func TestInvokeSendsContentTypeAndChecksResponse(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var gotType, gotBody string
	h := func(_ context.Context, _ string, body []byte, ct string) ([]byte, error) {
		mu.Lock()
		gotType, gotBody = ct, string(body)
		mu.Unlock()
		return []byte(`{"predictions":[{"class":281}]}`), nil
	}
	_, ep := deployed(t, h)
	var seen string
	inv := ep.Invoker(checkResponse(func(body []byte, ct string) error {
		seen = ct + " " + string(body)
		return nil
	}))
	if err := inv.Invoke(context.Background(), jpeg); err != nil {
		t.Fatal(err)
	}
	if gotType != "application/x-image" || gotBody != string(jpeg.Body) {
		t.Errorf("model got %q %q", gotType, gotBody)
	}
	if seen != `application/json {"predictions":[{"class":281}]}` {
		t.Errorf("check saw %q", seen)
	}

	bad := ep.Invoker(checkResponse(func(body []byte, _ string) error {
		return errors.New("no class 999 in answer")
	}))
	err := bad.Invoke(context.Background(), jpeg)
	var ce *sagemaker.CheckError
	if !errors.As(err, &ce) || bench.Classify(err) != bench.ClassModelError || !strings.Contains(err.Error(), "no class 999") {
		t.Fatalf("err = %v (class %q); want a CheckError classed model_error", err, bench.Classify(err))
	}
}

func TestInvokeErrorsClassifyForBench(t *testing.T) {
	t.Parallel()
	h := func(_ context.Context, _ string, body []byte, _ string) ([]byte, error) {
		if string(body) == "crash" {
			return nil, statusErr(503)
		}
		return []byte("{}"), nil
	}
	srv, ep := deployed(t, h)
	inv := ep.Invoker()
	ctx := context.Background()

	// The model's own status is in the message. A model server's 503 inside a ModelError
	// is its queue-full back pressure (TorchServe, MMS): bench counts it as throttled.
	err := inv.Invoke(ctx, payload.Payload{ContentType: "text/plain", Body: []byte("crash")})
	var ie *sagemaker.InvokeError
	if !errors.As(err, &ie) || ie.ModelStatus != 503 || !strings.Contains(err.Error(), "model returned status 503") {
		t.Fatalf("err = %v; want an InvokeError with model status 503 in its message", err)
	}
	if c := bench.Classify(err); c != bench.ClassThrottled {
		t.Errorf("model error with model status 503 classed %q, want throttled", c)
	}

	srv.FailNext("InvokeEndpoint", 1, sagemakertest.ErrThrottling())
	before := srv.Calls("InvokeEndpoint")
	err = inv.Invoke(ctx, jpeg)
	if c := bench.Classify(err); c != bench.ClassThrottled {
		t.Errorf("throttling classed %q (%v)", c, err)
	}
	if n := srv.Calls("InvokeEndpoint") - before; n != 1 {
		t.Errorf("a throttled request was sent %d times; retries must be off by default", n)
	}

	srv.FailNext("InvokeEndpoint", 1, sagemakertest.ErrInternalFailure())
	if c := bench.Classify(inv.Invoke(ctx, jpeg)); c != bench.ClassServerError {
		t.Errorf("internal failure classed %q", c)
	}

	c := newClient(t, srv)
	if cl := bench.Classify(c.Invoker("no-such-endpoint").Invoke(ctx, jpeg)); cl != bench.ClassClientError {
		t.Errorf("unknown endpoint classed %q", cl)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if cl := bench.Classify(inv.Invoke(cctx, jpeg)); cl != bench.ClassCanceled {
		t.Errorf("cancelled request classed %q", cl)
	}
}

func TestInvokeRetriesOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	h := func(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }
	srv, ep := deployed(t, h)
	c := newClient(t, srv, func(o *sagemaker.Options) { o.RuntimeMaxAttempts = 3 })
	srv.FailNext("InvokeEndpoint", 1, sagemakertest.ErrThrottling())
	before := srv.Calls("InvokeEndpoint")
	if err := c.Invoker(ep.Name).Invoke(context.Background(), jpeg); err != nil {
		t.Fatalf("with 3 attempts a single throttle should be retried away: %v", err)
	}
	if n := srv.Calls("InvokeEndpoint") - before; n != 2 {
		t.Errorf("sent %d times, want 2 (one throttled, one retried)", n)
	}
}

// recordRuntime captures the InvokeEndpoint input.
type recordRuntime struct {
	in *sagemakerruntime.InvokeEndpointInput
}

func (r *recordRuntime) InvokeEndpoint(_ context.Context, in *sagemakerruntime.InvokeEndpointInput, _ ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointOutput, error) {
	r.in = in
	return &sagemakerruntime.InvokeEndpointOutput{Body: []byte("ok")}, nil
}

func TestInvokerOptionsReachTheRequest(t *testing.T) {
	t.Parallel()
	rec := &recordRuntime{}
	c := sagemaker.NewClient(aws.Config{Region: "eu-west-1"}, func(o *sagemaker.Options) { o.Runtime = rec })
	inv := c.Invoker("ep", func(o *sagemaker.InvokerOptions) {
		o.Accept, o.TargetVariant, o.CustomAttributes = "application/json", "Blue", "trace=1"
	})
	if err := inv.Invoke(context.Background(), jpeg); err != nil {
		t.Fatal(err)
	}
	in := rec.in
	if aws.ToString(in.EndpointName) != "ep" || aws.ToString(in.ContentType) != "application/x-image" ||
		aws.ToString(in.Accept) != "application/json" || aws.ToString(in.TargetVariant) != "Blue" ||
		aws.ToString(in.CustomAttributes) != "trace=1" || string(in.Body) != string(jpeg.Body) {
		t.Fatalf("request = %+v", in)
	}
}

// The zero InvokerOptions send none of the optional fields: an empty Accept is no
// Accept header, not an empty one.
func TestInvokerZeroOptionsSendNoOptionalFields(t *testing.T) {
	t.Parallel()
	rec := &recordRuntime{}
	c := sagemaker.NewClient(aws.Config{Region: "eu-west-1"}, func(o *sagemaker.Options) { o.Runtime = rec })
	if err := c.Invoker("ep", func(o *sagemaker.InvokerOptions) { o.Accept = "" }).Invoke(context.Background(), jpeg); err != nil {
		t.Fatal(err)
	}
	if in := rec.in; in.Accept != nil || in.TargetVariant != nil || in.CustomAttributes != nil {
		t.Fatalf("request = %+v; want no Accept, TargetVariant or CustomAttributes", in)
	}
}

// checkResponse sets InvokerOptions.ResponseCheck.
func checkResponse(check func(body []byte, contentType string) error) func(*sagemaker.InvokerOptions) {
	return func(o *sagemaker.InvokerOptions) { o.ResponseCheck = check }
}

func TestBenchRunCountsThrottlingFromTheRuntime(t *testing.T) {
	t.Parallel()
	h := func(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }
	srv, ep := deployed(t, h)
	srv.ThrottleRuntime(20) // far below what 8 closed-loop workers send with no device time
	res, err := bench.Run(context.Background(), ep.Invoker(), bench.Config{
		Concurrency: 8, Requests: 300, Payloads: []payload.Payload{jpeg},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorsByClass[bench.ClassThrottled] == 0 || res.ErrorsByClass[bench.ClassThrottled] != res.Errors {
		t.Fatalf("errors %d by class %v; want all of them throttled", res.Errors, res.ErrorsByClass)
	}
}

func TestRuntimeMaxAttemptsWinsOverConfig(t *testing.T) {
	t.Parallel()
	h := func(context.Context, string, []byte, string) ([]byte, error) { return []byte("{}"), nil }
	srv, ep := deployed(t, h)
	// The emulator's aws.Config says RetryMaxAttempts 3; the option says 2.
	c := newClient(t, srv, func(o *sagemaker.Options) { o.RuntimeMaxAttempts = 2 })
	srv.FailNext("InvokeEndpoint", 2, sagemakertest.ErrThrottling())
	before := srv.Calls("InvokeEndpoint")
	err := c.Invoker(ep.Name).Invoke(context.Background(), jpeg)
	if bench.Classify(err) != bench.ClassThrottled {
		t.Fatalf("err = %v; want the second throttle, after 2 attempts", err)
	}
	if n := srv.Calls("InvokeEndpoint") - before; n != 2 {
		t.Errorf("sent %d times, want 2", n)
	}
}

// A large answer is read in full, whatever the timing of the HTTP transport: the SDK closes
// the request body as soon as the response headers arrive, and the body smithy-go wraps it
// in then answers the transport's final read (through WriteTo) with io.EOF as an error,
// so the transport closed the connection under the answer being read ("use of closed
// network connection" on a 200; aws/aws-sdk-go-v2#2737, which the SDK's retryer hides and
// the invoker's retries-off default does not). About 1 request in 100 failed so.
func TestInvokerReadsEveryLargeAnswerInFull(t *testing.T) {
	t.Parallel()
	answer := []byte(strings.Repeat("x", 64<<10))
	_, ep := deployed(t, func(context.Context, string, []byte, string) ([]byte, error) { return answer, nil })
	inv := ep.Invoker()
	p := payload.Payload{Name: "p", ContentType: "application/octet-stream", Body: []byte("small request")}
	failed := 0
	for range 1000 {
		if err := inv.Invoke(context.Background(), p); err != nil {
			if failed++; failed == 1 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of 1000 requests failed", failed)
	}
}
