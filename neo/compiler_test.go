package neo_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const (
	bucket   = "sagebench-models"
	modelKey = "resnet50/model.tar.gz"
	role     = "arn:aws:iam::123456789012:role/service-role/SageMakerRole"
)

var archive = []byte("model.tar.gz bytes standing in for ResNet50")

// newServer starts an emulator with the model archive seeded, and a Compiler
// for it that polls fast.
func newServer(t *testing.T, compileDelay time.Duration, optFns ...func(*neo.Options)) (*sagemakertest.Server, *neo.Compiler) {
	t.Helper()
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(compileDelay))
	t.Cleanup(srv.Close)
	if err := srv.PutObject(bucket, modelKey, archive); err != nil {
		t.Fatal(err)
	}
	fast := func(o *neo.Options) {
		o.MinDelay, o.MaxDelay, o.StopTimeout = 2*time.Millisecond, 20*time.Millisecond, 30*time.Second
	}
	return srv, neo.NewCompiler(srv.Config(), append([]func(*neo.Options){fast}, optFns...)...)
}

func job(target neo.Target) neo.Job {
	return neo.Job{
		Name:             "resnet50-" + strings.ReplaceAll(string(target), "_", "-"),
		ModelDataURL:     "s3://" + bucket + "/" + modelKey,
		RoleARN:          role,
		Framework:        neo.PyTorch,
		FrameworkVersion: "1.8",
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		Target:           target,
		OutputURL:        "s3://" + bucket + "/resnet50/compiled",
	}
}

// recorder collects progress reports from any number of goroutines.
type recorder struct {
	mu sync.Mutex
	by map[string][]neo.State
}

func (r *recorder) record(s neo.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.by == nil {
		r.by = map[string][]neo.State{}
	}
	r.by[s.JobName] = append(r.by[s.JobName], s.State)
}

func (r *recorder) states(name string) []neo.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.by[name])
}

func TestCompileReturnsTheArtifactTheEmulatorWrote(t *testing.T) {
	var rec recorder
	srv, c := newServer(t, 60*time.Millisecond, func(o *neo.Options) { o.Progress = rec.record })
	m, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	const wantURL = "s3://sagebench-models/resnet50/compiled/model-ml_c5.tar.gz"
	if m.ArtifactURL != wantURL || m.JobName != "resnet50-ml-c5" || m.Target != neo.TargetMLC5 {
		t.Errorf("Compile = %+v; want artifact %s of job resnet50-ml-c5 for ml_c5", m, wantURL)
	}
	jobs := srv.CompilationJobs()
	if len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationCompleted || jobs[0].Artifact != m.ArtifactURL {
		t.Errorf("emulator jobs = %+v; want one COMPLETED job with artifact %s", jobs, m.ArtifactURL)
	}
	// The object is really there, read through an S3 client.
	out, err := srv.S3Client().HeadObject(context.Background(), &s3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("resnet50/compiled/model-ml_c5.tar.gz"),
	})
	if err != nil || aws.ToInt64(out.ContentLength) != int64(len(archive)) {
		t.Errorf("HeadObject(artifact) = %v, %v; want an object of %d bytes", out, err, len(archive))
	}
	// The emulator reports no InferenceImage, so the image comes from the table.
	if want := "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3"; m.Image != want {
		t.Errorf("Image = %q; want %q", m.Image, want)
	}
	if m.Env[neo.EnvRegion] != "eu-west-1" || m.Env[neo.EnvProgram] != "inference.py" {
		t.Errorf("Env = %v; want region eu-west-1 and program inference.py", m.Env)
	}
	states := rec.states("resnet50-ml-c5")
	if len(states) < 2 || states[0] != neo.StateStarting || states[len(states)-1] != neo.StateCompleted {
		t.Errorf("progress = %v; want STARTING first and COMPLETED last", states)
	}
	for i := 1; i < len(states); i++ {
		if states[i] == states[i-1] {
			t.Errorf("progress = %v; reported %s twice in a row", states, states[i])
		}
	}
	if n := srv.Calls("CreateCompilationJob"); n != 1 {
		t.Errorf("CreateCompilationJob calls = %d; want 1", n)
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Errorf("leftovers = %v; want none", left)
	}
}

func TestCompileSurfacesFailureReason(t *testing.T) {
	srv, c := newServer(t, 20*time.Millisecond)
	j := job(neo.TargetMLG4dn)
	j.ModelDataURL = "s3://" + bucket + "/missing/model.tar.gz"
	_, err := c.Compile(context.Background(), j)
	var je *neo.JobError
	if !errors.As(err, &je) {
		t.Fatalf("Compile(missing model) = %v; want a *neo.JobError", err)
	}
	if je.State != neo.StateFailed || je.JobName != j.Name || !strings.Contains(je.Reason, "Unable to download model artifact") {
		t.Errorf("JobError = %+v; want FAILED with the emulator's download failure", je)
	}
	if !strings.Contains(err.Error(), "ml_g4dn") || !strings.Contains(err.Error(), "missing/model.tar.gz") {
		t.Errorf("error %q should name the target and carry the reason", err)
	}

	srv.FailCompilation("resnet50-ml-inf1", "ClientError: CompilationError: Neuron compiler ran out of memory")
	_, err = c.Compile(context.Background(), job(neo.TargetMLInf1))
	if !errors.As(err, &je) || je.Reason != "ClientError: CompilationError: Neuron compiler ran out of memory" {
		t.Errorf("Compile(injected failure) = %v; want a JobError with the injected reason", err)
	}
}

func TestCompileCancelStopsTheJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rec recorder
	// A 2 s compilation: the cancel lands long before it could complete.
	srv, c := newServer(t, 2*time.Second, func(o *neo.Options) {
		o.Progress = func(s neo.Status) {
			rec.record(s)
			if s.State == neo.StateStarting {
				cancel()
			}
		}
	})
	_, err := c.Compile(ctx, job(neo.TargetMLC5))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Compile(canceled) = %v; want context.Canceled", err)
	}
	jobs := srv.CompilationJobs()
	if len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationStopped {
		t.Errorf("emulator jobs = %+v; want the job STOPPED", jobs)
	}
	if n := srv.Calls("StopCompilationJob"); n != 1 {
		t.Errorf("StopCompilationJob calls = %d; want 1", n)
	}
	if states := rec.states("resnet50-ml-c5"); states[len(states)-1] != neo.StateStopped {
		t.Errorf("progress = %v; want it to end STOPPED", states)
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Errorf("leftovers = %v; want none", left)
	}
}

func TestNewCompilerSkipsANilOptFnAndAppliesTheOthers(t *testing.T) {
	var rec recorder
	_, c := newServer(t, 10*time.Millisecond, nil, func(o *neo.Options) { o.Progress = rec.record })
	j := job(neo.TargetMLC5)
	if _, err := c.Compile(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if states := rec.states(j.Name); len(states) == 0 || states[len(states)-1] != neo.StateCompleted {
		t.Errorf("progress = %v; want the option after the nil one applied, ending COMPLETED", states)
	}
}

func TestCompileRefusesInvalidJobWithoutRequests(t *testing.T) {
	srv, c := newServer(t, 10*time.Millisecond)
	j := job(neo.TargetMLInf1)
	j.Framework = neo.ONNX
	j.InputShapes = map[string][]int{"input0": {1, 3, 0, 224}}
	_, err := c.Compile(context.Background(), j)
	var ie *invalid.Error
	if !errors.As(err, &ie) || len(ie.Problems) != 2 {
		t.Fatalf("Compile(invalid) = %v; want an *invalid.Error with 2 problems (framework on inf1, zero dim)", err)
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Errorf("emulator saw %d requests; want none", n)
	}
}

func TestCompileRidesOutThrottling(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, 20*time.Millisecond)
	srv.FailNext("DescribeCompilationJob", 2, sagemakertest.ErrThrottling())
	if _, err := c.Compile(context.Background(), job(neo.TargetMLC5)); err != nil {
		t.Fatalf("Compile with two throttled describes = %v; want success (the SDK retries)", err)
	}
}

func TestCompileStopsJobItCanNoLongerWatch(t *testing.T) {
	srv, c := newServer(t, 2*time.Second)
	denied := &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not allowed to describe", StatusCode: http.StatusBadRequest}
	srv.FailNext("DescribeCompilationJob", 1, denied)
	_, err := c.Compile(context.Background(), job(neo.TargetMLC5))
	if err == nil || !strings.Contains(err.Error(), "not allowed to describe") {
		t.Fatalf("Compile = %v; want the describe failure", err)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationStopped {
		t.Errorf("emulator jobs = %+v; want the unwatched job STOPPED", jobs)
	}
}

func TestCompileTimesOutAndStops(t *testing.T) {
	t.Parallel()
	// The job would complete after 4 s; the Compiler gives up after 1 s and the
	// emulator takes a quarter of the delay to go from STOPPING to STOPPED.
	srv, c := newServer(t, 4*time.Second, func(o *neo.Options) { o.Margin = -1 })
	j := job(neo.TargetMLInf1)
	j.MaxRuntime = time.Second
	_, err := c.Compile(context.Background(), j)
	var te *neo.TimeoutError
	if !errors.As(err, &te) || te.Waited < time.Second {
		t.Fatalf("Compile = %v; want a *neo.TimeoutError after at least 1s", err)
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 1 || jobs[0].Status != sagemakertest.CompilationStopped {
		t.Errorf("emulator jobs = %+v; want the timed-out job STOPPED", jobs)
	}
}

// A compiler in Options.Region sends its calls there (not to cfg's region), and a
// job's Image serves a model compiled for a target the SDK's tables have no image for.
func TestCompilerCallsItsRegionAndHonoursTheJobsImage(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(time.Millisecond), sagemakertest.WithRegion("us-east-2"))
	t.Cleanup(srv.Close)
	if err := srv.PutObject(bucket, modelKey, archive); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	cfg.Region = "us-east-1"
	c := neo.NewCompiler(cfg, func(o *neo.Options) {
		o.Region, o.MinDelay, o.MaxDelay = "us-east-2", 2*time.Millisecond, 20*time.Millisecond
	})
	j := job(neo.TargetMLInf2)
	j.FrameworkVersion = "2.1"
	j.Image = "763104351884.dkr.ecr.us-east-2.amazonaws.com/pytorch-inference-neuronx:2.1.2-neuronx-py310-sdk2.20.0-ubuntu20.04"
	m, err := c.Compile(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if m.Image != j.Image {
		t.Errorf("image %q, want the job's %q", m.Image, j.Image)
	}
	for region, n := range srv.SigningRegions()["sagemaker"] {
		if region != "us-east-2" {
			t.Errorf("%d calls signed for %s", n, region)
		}
	}
}

// A Compiler that NewCompiler did not make (nil, or a zero value written by hand) has
// no SageMaker client: Compile and CompileAll of a valid job are errors, never a panic.
func TestCompilerNotFromNewCompilerIsAnErrorNotAPanic(t *testing.T) {
	for name, c := range map[string]*neo.Compiler{"nil": nil, "zero": {}} {
		if _, err := c.Compile(context.Background(), job(neo.TargetMLC5)); err == nil {
			t.Errorf("%s Compiler: Compile = nil; want an error", name)
		}
		models, err := c.CompileAll(context.Background(), []neo.Job{job(neo.TargetMLC5)}, 1)
		if err == nil || len(models) != 1 {
			t.Errorf("%s Compiler: CompileAll = %d models, %v; want 1 nil model and an error", name, len(models), err)
		}
	}
}
