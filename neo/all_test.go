package neo_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// studyJobs are the reference study's three compilations.
func studyJobs() []neo.Job {
	jobs := []neo.Job{job(neo.TargetMLC5), job(neo.TargetMLG4dn), job(neo.TargetMLInf1)}
	jobs[2].FrameworkVersion = "1.7"        // the study compiled its inf1 model from PyTorch 1.7
	jobs[2].MaxRuntime = 1000 * time.Second // what the study needed for inf1
	return jobs
}

// concurrency wraps a client and records the most compilation jobs it saw
// running at once: a job runs from its create until a describe reports a
// final state.
type concurrency struct {
	neo.API
	mu            sync.Mutex
	running, peak int
	done          map[string]bool
}

func (c *concurrency) CreateCompilationJob(ctx context.Context, in *sagemaker.CreateCompilationJobInput, optFns ...func(*sagemaker.Options)) (*sagemaker.CreateCompilationJobOutput, error) {
	out, err := c.API.CreateCompilationJob(ctx, in, optFns...)
	if err == nil {
		c.mu.Lock()
		c.running++
		c.peak = max(c.peak, c.running)
		c.mu.Unlock()
	}
	return out, err
}

func (c *concurrency) DescribeCompilationJob(ctx context.Context, in *sagemaker.DescribeCompilationJobInput, optFns ...func(*sagemaker.Options)) (*sagemaker.DescribeCompilationJobOutput, error) {
	out, err := c.API.DescribeCompilationJob(ctx, in, optFns...)
	if err == nil && neo.State(out.CompilationJobStatus).Final() {
		c.mu.Lock()
		if !c.done[*in.CompilationJobName] {
			c.done[*in.CompilationJobName] = true
			c.running--
		}
		c.mu.Unlock()
	}
	return out, err
}

func TestCompileAllStudyTargetsWithBoundedParallelism(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithCompilationDelay(80 * time.Millisecond))
	defer srv.Close()
	if err := srv.PutObject(bucket, modelKey, archive); err != nil {
		t.Fatal(err)
	}
	counter := &concurrency{API: srv.SageMakerClient(), done: map[string]bool{}}
	c := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.Client, o.MinDelay, o.MaxDelay = counter, 2*time.Millisecond, 10*time.Millisecond
	})
	models, err := c.CompileAll(context.Background(), studyJobs(), 2)
	if err != nil {
		t.Fatalf("CompileAll: %v", err)
	}
	want := []struct{ artifact, image string }{
		{"s3://sagebench-models/resnet50/compiled/model-ml_c5.tar.gz", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3"},
		{"s3://sagebench-models/resnet50/compiled/model-ml_g4dn.tar.gz", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-gpu-py3"},
		{"s3://sagebench-models/resnet50/compiled/model-ml_inf1.tar.gz", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3"},
	}
	objects := map[string]bool{}
	for _, o := range srv.Objects() {
		objects[o.URL()] = true
	}
	for i, w := range want {
		if models[i] == nil || models[i].ArtifactURL != w.artifact || models[i].Image != w.image {
			t.Errorf("models[%d] = %+v; want artifact %s, image %s", i, models[i], w.artifact, w.image)
			continue
		}
		if !objects[w.artifact] {
			t.Errorf("artifact %s is not in the emulated S3", w.artifact)
		}
	}
	if counter.peak != 2 {
		t.Errorf("peak concurrent jobs = %d; want exactly the bound, 2", counter.peak)
	}
}

func TestCompileAllReportsEachFailure(t *testing.T) {
	srv, c := newServer(t, 30*time.Millisecond)
	srv.FailCompilation("resnet50-ml-g4dn", "ClientError: unsupported operator aten::foo")
	models, err := c.CompileAll(context.Background(), studyJobs(), 0)
	if models[0] == nil || models[2] == nil || models[1] != nil {
		t.Fatalf("models = %v; want c5 and inf1 compiled, g4dn nil", models)
	}
	var je *neo.JobError
	if !errors.As(err, &je) || je.JobName != "resnet50-ml-g4dn" || !strings.Contains(err.Error(), "aten::foo") {
		t.Errorf("CompileAll err = %v; want the g4dn job's JobError", err)
	}
}

func TestCompileAllValidatesEverythingFirst(t *testing.T) {
	srv, c := newServer(t, 10*time.Millisecond)
	jobs := studyJobs()
	jobs[2].Framework = neo.XGBoost // not on inf1
	jobs = append(jobs, jobs[0])    // duplicate name
	models, err := c.CompileAll(context.Background(), jobs, 3)
	if err == nil || !strings.Contains(err.Error(), "XGBOOST models for ml_inf1") || !strings.Contains(err.Error(), "jobs 0 and 3 share this name") {
		t.Fatalf("CompileAll = %v; want both the inf1 framework and the duplicate name refused", err)
	}
	if len(models) != 4 || models[0] != nil {
		t.Errorf("models = %v; want 4 nils", models)
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Errorf("emulator saw %d requests; want none", n)
	}
}

func TestCompileAllCancelStopsEveryRunningJob(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu      sync.Mutex
		started int
	)
	srv, c := newServer(t, 4*time.Second, func(o *neo.Options) {
		o.Progress = func(s neo.Status) {
			if s.State != neo.StateStarting {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if started++; started == 2 {
				cancel() // two running, the third waits for a slot
			}
		}
	})
	models, err := c.CompileAll(ctx, studyJobs(), 2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CompileAll(canceled) = %v; want context.Canceled", err)
	}
	for i, m := range models {
		if m != nil {
			t.Errorf("models[%d] = %+v; want nil after cancel", i, m)
		}
	}
	jobs := srv.CompilationJobs()
	if len(jobs) != 2 {
		t.Fatalf("emulator jobs = %+v; want the two started, the third never created", jobs)
	}
	for _, j := range jobs {
		if j.Status != sagemakertest.CompilationStopped {
			t.Errorf("job %s is %s; want STOPPED", j.Name, j.Status)
		}
	}
	if !strings.Contains(err.Error(), "resnet50-ml-inf1") {
		t.Errorf("error %q should say the inf1 job was not started", err)
	}
}
