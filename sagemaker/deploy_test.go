package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/modeltar"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const (
	testRole    = "arn:aws:iam::123456789012:role/SageMakerRole"
	testAccount = "123456789012"
	testBucket  = "sagemaker-eu-west-1-123456789012"
	testKey     = "resnet50/model.tar.gz"
)

// newEnv starts an emulator and a client for it that polls fast.
func newEnv(t testing.TB, srvOpts []sagemakertest.Option, optFns ...func(*sagemaker.Options)) (*sagemakertest.Server, *sagemaker.Client) {
	t.Helper()
	srv := sagemakertest.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	// The model archive specs points at, as a previous Upload would have left it.
	if err := srv.PutObject(testBucket, testKey, packTestModel(t)); err != nil {
		t.Fatal(err)
	}
	return srv, newClient(t, srv, optFns...)
}

// newClient returns a client for srv that polls fast.
func newClient(t testing.TB, srv *sagemakertest.Server, optFns ...func(*sagemaker.Options)) *sagemaker.Client {
	cfg := srv.Config()
	// Close the client's idle connections before the server closes (cleanups run last
	// first): http.Server.Shutdown waits up to 5s for a dialed connection that never
	// carried a request, as one left by a request cancelled at the end of bench.Run.
	if hc, ok := cfg.HTTPClient.(*http.Client); ok {
		t.Cleanup(hc.CloseIdleConnections)
	}
	fns := append([]func(*sagemaker.Options){func(o *sagemaker.Options) {
		o.PollInterval = 5 * time.Millisecond
		o.MaxPollInterval = 20 * time.Millisecond
		o.MaxWait = 20 * time.Second
		o.CleanupTimeout = 20 * time.Second
	}}, optFns...)
	return sagemaker.NewClient(cfg, fns...)
}

func specs(image string) (sagemaker.ModelSpec, sagemaker.EndpointSpec) {
	name := sagemaker.UniqueName("resnet50")
	return sagemaker.ModelSpec{
			Name:         name,
			Image:        image,
			ModelDataURL: "s3://sagemaker-eu-west-1-123456789012/resnet50/model.tar.gz",
			RoleARN:      testRole,
			Env:          sagemaker.PyTorchEnv("inference.py", "eu-west-1"),
		}, sagemaker.EndpointSpec{
			Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1,
		}
}

func packTestModel(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"model.pth":             strings.Repeat("\x00\x01weights", 4096),
		"code/inference.py":     "def model_fn(model_dir): ...\n",
		"code/requirements.txt": "pillow\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	_, err := modeltar.Pack(&buf, modeltar.Spec{
		ModelFiles: []string{filepath.Join(dir, "model.pth")},
		CodeDir:    filepath.Join(dir, "code"),
		EntryPoint: "inference.py",
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func assertNothingLeft(t *testing.T, srv *sagemakertest.Server) {
	t.Helper()
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("resources left behind: %v", left)
	}
}

func TestPackUploadDeployBenchDeleteLeavesNothing(t *testing.T) {
	t.Parallel()
	// A trivial handler keeps the test about this package, not about JPEG decoding.
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(echoType)})
	ctx := context.Background()

	archive := packTestModel(t)
	bucket := sagemaker.DefaultBucket(c.Region(), testAccount)
	if err := c.EnsureBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureBucket(ctx, bucket); err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "resnet50/v2/model.tar.gz", Body: bytes.NewReader(archive)})
	if err != nil {
		t.Fatal(err)
	}
	if uri != "s3://sagemaker-eu-west-1-123456789012/resnet50/v2/model.tar.gz" {
		t.Fatalf("uri = %s", uri)
	}
	var found bool
	for _, o := range srv.Objects() {
		found = found || o.URL() == uri && o.Size == int64(len(archive))
	}
	if !found {
		t.Fatalf("objects = %+v, want one of %d bytes at %s", srv.Objects(), len(archive), uri)
	}

	image, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: c.Region(), FrameworkVersion: "1.8.1", InstanceType: "ml.c5.xlarge"})
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs(image)
	m.ModelDataURL = uri
	e.InstanceCount = 2
	ep, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].Name != e.Name || eps[0].Status != "InService" || eps[0].InstanceType != "ml.c5.xlarge" || eps[0].InstanceCount != 2 {
		t.Fatalf("endpoints = %+v", eps)
	}
	if !strings.HasSuffix(ep.ARN, ":endpoint/"+e.Name) {
		t.Errorf("ARN = %s", ep.ARN)
	}
	api := srv.SageMakerClient()
	dm, err := api.DescribeModel(ctx, &sm.DescribeModelInput{ModelName: aws.String(m.Name)})
	if err != nil {
		t.Fatal(err)
	}
	pc := dm.PrimaryContainer
	if aws.ToString(pc.Image) != image || aws.ToString(pc.ModelDataUrl) != uri || aws.ToString(dm.ExecutionRoleArn) != testRole ||
		pc.Environment["SAGEMAKER_PROGRAM"] != "inference.py" || pc.Environment["SAGEMAKER_SUBMIT_DIRECTORY"] != "/opt/ml/model/code" {
		t.Errorf("model = image %s, data %s, role %s, env %v", aws.ToString(pc.Image), aws.ToString(pc.ModelDataUrl), aws.ToString(dm.ExecutionRoleArn), pc.Environment)
	}
	dc, err := api.DescribeEndpointConfig(ctx, &sm.DescribeEndpointConfigInput{EndpointConfigName: aws.String(e.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if v := dc.ProductionVariants; len(v) != 1 || aws.ToString(v[0].VariantName) != "AllTraffic" || aws.ToString(v[0].ModelName) != m.Name ||
		string(v[0].InstanceType) != "ml.c5.xlarge" || aws.ToInt32(v[0].InitialInstanceCount) != 2 {
		t.Errorf("endpoint config variants = %+v", v)
	}

	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := bench.Run(ctx, ep.Invoker(), bench.Config{
		Concurrency: 8, Requests: 400, Payloads: []payload.Payload{img},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 400 || res.Errors != 0 {
		t.Fatalf("bench: %d requests, %d errors (%v); want 400, 0", res.Requests, res.Errors, res.ErrorsByClass)
	}
	if got := srv.Calls("InvokeEndpoint"); got < 400 {
		t.Fatalf("emulator saw %d invocations, want at least 400", got)
	}

	if err := ep.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
	deletes := srv.Calls("DeleteEndpoint") + srv.Calls("DeleteEndpointConfig") + srv.Calls("DeleteModel")
	if err := ep.Delete(ctx); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if again := srv.Calls("DeleteEndpoint") + srv.Calls("DeleteEndpointConfig") + srv.Calls("DeleteModel"); again != deletes {
		t.Errorf("second Delete made %d more calls, want none", again-deletes)
	}
}

func echoType(_ context.Context, _ string, body []byte, contentType string) ([]byte, error) {
	return []byte(`{"content_type":"` + contentType + `"}`), nil
}

// cancelAt wraps the SageMaker API and cancels the deploy's context at one operation.
type cancelAt struct {
	sagemaker.API
	op     string
	mode   string // "before": cancel, then send; "lost": the server acts, the answer is lost; "after": cancel once answered
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAt) hit(ctx context.Context, op string, call func(context.Context) error) error {
	if op != c.op {
		return call(ctx)
	}
	fired := false
	c.once.Do(func() { fired = true })
	if !fired {
		return call(ctx)
	}
	switch c.mode {
	case "before":
		c.cancel()
		return call(ctx)
	case "lost":
		err := call(context.WithoutCancel(ctx))
		c.cancel()
		if err != nil {
			return err
		}
		return ctx.Err()
	default:
		err := call(ctx)
		c.cancel()
		return err
	}
}

func (c *cancelAt) CreateModel(ctx context.Context, in *sm.CreateModelInput, o ...func(*sm.Options)) (out *sm.CreateModelOutput, err error) {
	err = c.hit(ctx, "CreateModel", func(ctx context.Context) (e error) { out, e = c.API.CreateModel(ctx, in, o...); return e })
	return out, err
}

func (c *cancelAt) CreateEndpointConfig(ctx context.Context, in *sm.CreateEndpointConfigInput, o ...func(*sm.Options)) (out *sm.CreateEndpointConfigOutput, err error) {
	err = c.hit(ctx, "CreateEndpointConfig", func(ctx context.Context) (e error) { out, e = c.API.CreateEndpointConfig(ctx, in, o...); return e })
	return out, err
}

func (c *cancelAt) CreateEndpoint(ctx context.Context, in *sm.CreateEndpointInput, o ...func(*sm.Options)) (out *sm.CreateEndpointOutput, err error) {
	err = c.hit(ctx, "CreateEndpoint", func(ctx context.Context) (e error) { out, e = c.API.CreateEndpoint(ctx, in, o...); return e })
	return out, err
}

func (c *cancelAt) DescribeEndpoint(ctx context.Context, in *sm.DescribeEndpointInput, o ...func(*sm.Options)) (out *sm.DescribeEndpointOutput, err error) {
	err = c.hit(ctx, "DescribeEndpoint", func(ctx context.Context) (e error) { out, e = c.API.DescribeEndpoint(ctx, in, o...); return e })
	return out, err
}

func TestDeployCancelledAtEachStepLeavesNothing(t *testing.T) {
	t.Parallel()
	steps := []struct {
		op   string
		step sagemaker.DeployStep
	}{
		{"CreateModel", sagemaker.StepCreateModel},
		{"CreateEndpointConfig", sagemaker.StepCreateEndpointConfig},
		{"CreateEndpoint", sagemaker.StepCreateEndpoint},
		{"DescribeEndpoint", sagemaker.StepWait},
	}
	for _, st := range steps {
		for _, mode := range []string{"before", "lost", "after"} {
			t.Run(st.op+"/"+mode, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				srv, _ := newEnv(t, []sagemakertest.Option{sagemakertest.WithEndpointDelays(200*time.Millisecond, 10*time.Millisecond)})
				c := newClient(t, srv, func(o *sagemaker.Options) {
					o.SageMaker = &cancelAt{API: srv.SageMakerClient(), op: st.op, mode: mode, cancel: cancel}
				})
				m, e := specs("pytorch-inference:1.8.1-cpu-py3")
				ep, err := c.Deploy(ctx, m, e)
				if ep != nil || err == nil {
					t.Fatalf("Deploy = %v, %v; want an error", ep, err)
				}
				var de *sagemaker.DeployError
				if !errors.As(err, &de) || !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v; want a *DeployError wrapping context.Canceled", err)
				}
				wantStep := st.step
				if mode == "after" && st.step != sagemaker.StepWait {
					// The step succeeded; the next one finds the context cancelled.
					wantStep = map[sagemaker.DeployStep]sagemaker.DeployStep{
						sagemaker.StepCreateModel:          sagemaker.StepCreateEndpointConfig,
						sagemaker.StepCreateEndpointConfig: sagemaker.StepCreateEndpoint,
						sagemaker.StepCreateEndpoint:       sagemaker.StepWait,
					}[st.step]
				}
				if de.Step != wantStep || de.Cleanup != nil {
					t.Fatalf("step %q cleanup %v; want step %q and a clean cleanup (err: %v)", de.Step, de.Cleanup, wantStep, err)
				}
				assertNothingLeft(t, srv)
			})
		}
	}
}

// With the account's endpoint quota reached, a Deploy with WaitForSlot keeps its model
// and endpoint configuration and sends only CreateEndpoint again after each wait.
func TestDeployWaitingForSlotCreatesModelAndConfigOnce(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithMaxEndpoints(1)})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = "first", "first"
	first, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	m2, e2 := specs("pytorch-inference:1.8.1-cpu-py3")
	m2.Name, e2.Name = "second", "second"
	var refusals []int
	e2.WaitForSlot = func(ctx context.Context, n int, err error) error {
		refusals = append(refusals, n)
		if !strings.Contains(err.Error(), "ResourceLimitExceeded") {
			t.Errorf("WaitForSlot got %v", err)
		}
		if n == 2 { // free the slot
			return first.Delete(ctx)
		}
		return nil
	}
	second, err := c.Deploy(context.Background(), m2, e2)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Delete(context.Background())
	if got := srv.Calls("CreateModel"); got != 2 {
		t.Errorf("CreateModel called %d times, want 2 (one per Deploy)", got)
	}
	if got := srv.Calls("CreateEndpointConfig"); got != 2 {
		t.Errorf("CreateEndpointConfig called %d times, want 2", got)
	}
	if got := srv.Calls("DeleteModel"); got != 1 {
		t.Errorf("DeleteModel called %d times, want 1 (the first endpoint's)", got)
	}
	if len(refusals) < 2 || refusals[0] != 1 || refusals[1] != 2 {
		t.Errorf("refusals %v, want 1, 2, ...", refusals)
	}
}

// A WaitForSlot that gives up fails Deploy, which deletes the model and configuration.
func TestDeployWaitForSlotErrorDeletesWhatItCreated(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, []sagemakertest.Option{sagemakertest.WithMaxEndpoints(0)})
	srv.FailNext("CreateEndpoint", 1, sagemakertest.ErrResourceLimitExceeded())
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	stop := errors.New("gave up")
	e.WaitForSlot = func(context.Context, int, error) error { return stop }
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepCreateEndpoint || !errors.Is(err, stop) {
		t.Fatalf("err = %v, want a DeployError at create endpoint wrapping the WaitForSlot error", err)
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Errorf("left: %v", left)
	}
}

// InitialInstanceCount is an Integer (32-bit) on the API: a larger count is refused
// before any call instead of being truncated (1<<32+1 would deploy 1 instance).
func TestDeployRefusesAnInstanceCountOverTheAPIsBound(t *testing.T) {
	t.Parallel()
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	e.InstanceCount = 1<<32 + 1
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepValidate || !strings.Contains(err.Error(), "at most 2147483647") {
		t.Fatalf("err = %v, want a validation error naming the bound", err)
	}
	if n := srv.Calls("CreateModel"); n != 0 {
		t.Errorf("CreateModel called %d times", n)
	}
}

// A client in Options.Region sends its SageMaker, S3 and runtime calls there, not to
// cfg's region, and with BucketOwner every S3 call but CreateBucket names the owner.
func TestClientCallsItsRegion(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("us-east-2"))
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	cfg.Region = "us-east-1"
	owners := &ownerRecorder{base: cfg.HTTPClient.(*http.Client).Transport}
	cfg.HTTPClient = &http.Client{Transport: owners}
	c := sagemaker.NewClient(cfg, func(o *sagemaker.Options) {
		o.Region, o.BucketOwner = "us-east-2", testAccount
		o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
	})
	ctx := context.Background()
	bucket := sagemaker.DefaultBucket("us-east-2", testAccount)
	if err := c.EnsureBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: bucket, Key: "m/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.ModelDataURL = uri
	ep, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	img, err := payload.SyntheticJPEG(64, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := ep.Invoker().Invoke(ctx, img); err != nil {
		t.Fatal(err)
	}
	if err := ep.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	for svc, byRegion := range srv.SigningRegions() {
		for region, n := range byRegion {
			if region != "us-east-2" {
				t.Errorf("%d %s calls signed for %s", n, svc, region)
			}
		}
	}
	owners.mu.Lock()
	defer owners.mu.Unlock()
	if len(owners.s3) < 3 {
		t.Fatalf("S3 calls seen: %v", owners.s3)
	}
	for _, call := range owners.s3 {
		if call != "PUT /"+bucket+" owner=" && !strings.HasSuffix(call, " owner="+testAccount) {
			t.Errorf("S3 call without the expected owner: %s", call)
		}
	}
}

// ownerRecorder records each S3 request's method, path and expected bucket owner.
type ownerRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	s3   []string
}

func (o *ownerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") == "" && !strings.Contains(req.URL.Path, "/endpoints/") {
		o.mu.Lock()
		o.s3 = append(o.s3, req.Method+" "+req.URL.Path+" owner="+req.Header.Get("X-Amz-Expected-Bucket-Owner"))
		o.mu.Unlock()
	}
	return o.base.RoundTrip(req)
}
