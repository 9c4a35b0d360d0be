package loadjob_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/loadjob"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const (
	testRole  = "arn:aws:iam::123456789012:role/SageMakerRole"
	testImage = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
)

// workerPath is the worker built once for this machine: sagemakertest runs it as a local
// process.
var workerPath string

func TestMain(m *testing.M) {
	if v := os.Getenv(driverEnv); v != "" {
		os.Exit(runDriver(v))
	}
	os.Exit(func() int {
		if runtime.GOOS == "windows" {
			return m.Run() // the emulated jobs run /bin/sh; those tests skip
		}
		dir, err := os.MkdirTemp("", "loadjob-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if workerPath, err = loadjob.BuildWorker(ctx, dir, runtime.GOOS, runtime.GOARCH); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}())
}

// deployed starts an emulator with one endpoint, deleted (and the emulator closed) when
// the test ends. Its model answers a fixed prediction: the emulator's default handler
// decodes and preprocesses every image, tens of milliseconds of CPU per request under the
// race detector, and no test here reads a prediction; opts come after and can restore it.
func deployed(t *testing.T, opts ...sagemakertest.Option) (*sagemakertest.Server, string) {
	t.Helper()
	if workerPath == "" {
		t.Skip("needs /bin/sh")
	}
	srv := sagemakertest.NewServer(append([]sagemakertest.Option{sagemakertest.WithTimeScale(0.01),
		sagemakertest.WithHandler(fixedPrediction)}, opts...)...)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.PutObject("models", "m/model.tar.gz", []byte("model")))
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) { o.PollInterval = 10 * time.Millisecond })
	ep, err := c.Deploy(ctx, sagemaker.ModelSpec{Name: "m", Image: "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		ModelDataURL: "s3://models/m/model.tar.gz", RoleARN: testRole}, sagemaker.EndpointSpec{Name: "ep", InstanceType: "ml.c5.xlarge", InstanceCount: 1})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		assert.NoError(t, ep.Delete(ctx))
		assert.Empty(t, srv.Leftovers())
	})
	require.NoError(t, srv.PutObject("loads", "keep", []byte("the bucket exists")))
	return srv, "ep"
}

func fixedPrediction(context.Context, string, []byte, string) ([]byte, error) {
	return []byte(`{"predictions":[{"class":1,"score":0.9}]}`), nil
}

func testJob(t *testing.T, endpoint string, count int, journal *sagemaker.Journal) loadjob.Job {
	p, err := payload.SyntheticJPEG(224, 224, 1)
	require.NoError(t, err)
	return loadjob.Job{
		Endpoint: endpoint, Load: bench.Config{Concurrency: 2 * count, Duration: 1500 * time.Millisecond, Payloads: []payload.Payload{p}},
		InstanceType: "ml.c5.xlarge", InstanceCount: count, RoleARN: testRole, Image: testImage,
		S3URI: "s3://loads/runs", KeepObjects: true, Worker: workerPath, Journal: journal,
		PollInterval: 20 * time.Millisecond, StartDelay: 500 * time.Millisecond, ReadyTimeout: time.Minute,
		StopTimeout: time.Minute, Logf: t.Logf,
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestRunMergesThreeShardsExactly(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	journal := openJournal(t)
	job := testJob(t, ep, 3, journal)
	job.Load.Interval = 200 * time.Millisecond
	var progress []loadjob.Progress // Run waits for its Progress goroutine: no race after it
	job.Progress = func(p loadjob.Progress) { progress = append(progress, p) }
	out, err := loadjob.Run(ctxT(t), srv.Config(), job)
	require.NoError(t, err, "%+v", srv.ProcessingJobs())
	require.NotNil(t, out.Shards)
	assert.Equal(t, "Completed", out.Status)
	assert.Equal(t, "3 x ml.c5.xlarge in "+srv.Region(), out.Where)
	assert.True(t, out.Shards.Complete(), "missing %v", out.Shards.Missing)

	// Each shard's Result as it wrote it, read back independently.
	var sum bench.Result
	var reqs, oks int64
	for i := range 3 {
		r := shardResult(t, srv, out.JobName, i)
		assert.Equal(t, 2, r.Concurrency, "shard %d ran its split of 6 workers", i)
		reqs += r.Requests
		oks += r.Requests - r.Errors
		require.NoError(t, sum.Merge(r))
	}
	m := out.Shards.Result
	assert.Equal(t, reqs, m.Requests, "merged requests are the sum of the shards'")
	assert.Equal(t, 6, m.Concurrency)
	for _, q := range []float64{50, 90, 99, 100} {
		assert.Equal(t, sum.Percentile(q), m.Percentile(q), "p%v of the merged histogram", q)
	}
	assert.Positive(t, oks)

	// Every request the shards counted reached the endpoint; the endpoint saw at most
	// those plus the ones in flight at the window's edges (one per worker).
	calls := int64(srv.Calls("InvokeEndpoint"))
	assert.GreaterOrEqual(t, calls, m.Requests)
	assert.LessOrEqual(t, calls, m.Requests+m.Unfinished+int64(m.Concurrency))

	require.NotEmpty(t, progress, "the shards' snapshots reached the driver")
	last := progress[len(progress)-1]
	var shardReqs int64
	for i, s := range last.Shards {
		require.NotNil(t, s, "shard %d's last snapshot", i)
		shardReqs += s.Requests
	}
	assert.Positive(t, last.Total.Requests)
	assert.Equal(t, shardReqs, last.Total.Requests, "the total adds the shards'")

	require.NotNil(t, out.Barrier)
	assert.Len(t, out.Barrier.Ready, 3)
	// For BENCHMARKS.md: how far apart the shards started on this machine.
	var offsets []time.Duration
	for _, r := range out.Barrier.Ready {
		offsets = append(offsets, r.Offset)
	}
	t.Logf("requests: shards %d, merged %d, endpoint %d; start skew %v, end skew %v; clock offsets vs S3 %v",
		reqs, m.Requests, calls, out.Shards.StartSkew, out.Shards.EndSkew, offsets)
	pending, err := journal.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending, "the ended job is journaled as gone")
	assert.Empty(t, leftoverJobs(srv))
}

func shardResult(t *testing.T, srv *sagemakertest.Server, job string, i int) *bench.Result {
	t.Helper()
	o, err := srv.S3Client().GetObject(ctxT(t), getInput("loads", "runs/"+job+"/results/"+loadjob.ResultName(i)))
	require.NoError(t, err)
	defer o.Body.Close()
	var r bench.Result
	require.NoError(t, decodeJSON(o.Body, &r))
	return &r
}

func leftoverJobs(srv *sagemakertest.Server) []string {
	var out []string
	for _, l := range srv.Leftovers() {
		if strings.HasPrefix(l, "processing-job") {
			out = append(out, l)
		}
	}
	return out
}

// runInBackground starts loadjob.Run on a goroutine and returns where its error arrives.
func runInBackground(ctx context.Context, srv *sagemakertest.Server, job loadjob.Job) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := loadjob.Run(ctx, srv.Config(), job)
		done <- err
	}()
	return done
}

// loadStarted waits until the emulator's endpoint has seen a request and returns the
// running job's name.
func loadStarted(t *testing.T, srv *sagemakertest.Server) string {
	t.Helper()
	require.Eventually(t, func() bool { return srv.Calls("InvokeEndpoint") > 0 }, 2*time.Minute, 5*time.Millisecond,
		"the load never started: %+v", srv.ProcessingJobs())
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1)
	return jobs[0].Name
}

func TestRunWithAShardKilledIsIncompleteAndNamesIt(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	job := testJob(t, ep, 3, nil)
	job.Load.Duration = 3 * time.Second
	type result struct {
		out *loadjob.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := loadjob.Run(ctxT(t), srv.Config(), job)
		done <- result{out, err}
	}()
	require.NoError(t, srv.KillProcessingInstance(loadStarted(t, srv), 1))
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, "Failed", r.out.Status)
	require.NotNil(t, r.out.Shards)
	assert.False(t, r.out.Shards.Complete())
	assert.Equal(t, []int{1}, r.out.Shards.Missing)
	assert.Contains(t, r.out.Shards.Result.Warnings, "incomplete: 1 of 3 shards never reported (shard 1); every figure is of the others only")
	assert.Equal(t, 4, r.out.Shards.Result.Concurrency, "two shards of two workers reported")
	assert.Empty(t, leftoverJobs(srv))
}

func TestRunCanceledMidLoadStopsTheJob(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	journal := openJournal(t)
	job := testJob(t, ep, 2, journal)
	job.Load.Duration = time.Minute
	job.KeepObjects = false
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	done := runInBackground(ctx, srv, job)
	loadStarted(t, srv)
	cancel()
	err := <-done
	assert.True(t, errors.Is(err, context.Canceled), "err = %v", err)
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1)
	assert.Equal(t, sagemakertest.ProcessingStopped, jobs[0].Status)
	assert.Empty(t, leftoverJobs(srv))
	for _, o := range srv.Objects() {
		assert.NotContains(t, o.Key, "runs/", "the job's worker, spec and barrier are deleted")
	}
	pending, err := journal.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending)
}

func TestRunRefusesAnInvalidJobBeforeCreatingAnything(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	p, err := payload.SyntheticJPEG(8, 8, 1)
	require.NoError(t, err)
	_, err = loadjob.Run(context.Background(), srv.Config(), loadjob.Job{
		Endpoint: "ep", Load: bench.Config{Concurrency: 2, Payloads: []payload.Payload{p}},
		InstanceType: "ml.inf1.xlarge", InstanceCount: 3, RoleARN: testRole, Image: testImage, S3URI: "s3://b/p",
	})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, []invalid.Problem{
		{Field: "InstanceType", Message: `"ml.inf1.xlarge" is not a processing instance type (e.g. ml.c5.xlarge, ml.m5.2xlarge)`},
		{Field: "Load", Message: ie.Problems[len(ie.Problems)-1].Message},
	}, ie.Problems, "one problem per field at fault, in the Job's order")
	assert.Contains(t, err.Error(), "concurrency 2 is under 3 shards")
	assert.Zero(t, srv.TotalCalls())
}

// A Journal that cannot record the job (its zero value, which OpenJournal did not open,
// or one closed) is refused as the Job's Journal field, before the worker is uploaded or
// the job created; never a panic.
func TestRunRefusesAJournalNotOpenedOrClosedBeforeCreatingAnything(t *testing.T) {
	closed, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	for name, j := range map[string]*sagemaker.Journal{"zero": {}, "closed": closed} {
		t.Run(name, func(t *testing.T) {
			srv := sagemakertest.NewServer()
			defer srv.Close()
			p, err := payload.SyntheticJPEG(8, 8, 1)
			require.NoError(t, err)
			_, err = loadjob.Run(context.Background(), srv.Config(), loadjob.Job{
				Endpoint: "ep", Load: bench.Config{Concurrency: 2, Payloads: []payload.Payload{p}},
				RoleARN: testRole, Image: testImage, S3URI: "s3://b/p", Worker: "worker", Journal: j,
			})
			var ie *invalid.Error
			require.ErrorAs(t, err, &ie)
			require.Len(t, ie.Problems, 1)
			assert.Equal(t, "Journal", ie.Problems[0].Field)
			assert.Zero(t, srv.TotalCalls())
		})
	}
}

func TestRunSendsTheJobsAcceptHeader(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t, sagemakertest.WithHandler(sagemakertest.DefaultHandler))
	job := testJob(t, ep, 1, nil)
	job.Load.Duration = 300 * time.Millisecond
	job.Accept = "text/csv" // the emulated model answers JSON only: 406, a model error
	out, err := loadjob.Run(ctxT(t), srv.Config(), job)
	require.NoError(t, err)
	r := out.Shards.Result
	require.Positive(t, r.Requests)
	assert.Equal(t, r.Requests, r.Errors, "every request was refused for its Accept: %v", r.ErrorSamples)
}

func TestWorkerWritesWhyItFailedAsTheExitMessage(t *testing.T) {
	if workerPath == "" {
		t.Skip("needs the worker built")
	}
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(dir+"/output", 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, workerPath, "-spec", dir+"/missing.json", "-out", dir+"/out",
		"-resource-config", dir+"/none.json", "-message", dir+"/output/message")
	cmd.Env = []string{"AWS_REGION=eu-west-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Equal(t, 1, exit.ExitCode())
	msg, err := os.ReadFile(dir + "/output/message")
	require.NoError(t, err)
	assert.Contains(t, string(msg), "loadjob: reading the run spec")
}

func TestRunWhoseCreateAnswerIsLostStopsTheJobItCreated(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	journal := openJournal(t)
	job := testJob(t, ep, 1, journal)
	job.Load.Duration = time.Minute
	// The job is created, the answer lost; the SDK's retry is told the name is in use.
	srv.LoseAnswer("CreateProcessingJob", 1)
	_, err := loadjob.Run(ctxT(t), srv.Config(), job)
	require.Error(t, err)
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1, "the lost answer's job was created")
	assert.NotEqual(t, sagemakertest.ProcessingInProgress, jobs[0].Status, "the job Run created must not run on")
	assert.Empty(t, leftoverJobs(srv))
	pending, err := journal.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending, "the job is journaled as gone only once it has ended")
}

func TestRunCanceledStopsTheJobEvenWhileProgressBlocks(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	job := testJob(t, ep, 1, nil)
	job.Load.Duration = time.Minute
	job.Load.Interval = 100 * time.Millisecond
	release, called := make(chan struct{}), make(chan struct{}, 1)
	job.Progress = func(loadjob.Progress) { // a caller's slow consumer
		select {
		case called <- struct{}{}:
		default:
		}
		<-release
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	done := runInBackground(ctx, srv, job)
	name := loadStarted(t, srv)
	<-called
	cancel()
	assert.Eventually(t, func() bool {
		for _, j := range srv.ProcessingJobs() {
			if j.Name == name && j.Status != sagemakertest.ProcessingInProgress {
				return true
			}
		}
		return false
	}, 30*time.Second, 10*time.Millisecond, "the job was stopped while Progress blocked")
	close(release)
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Empty(t, leftoverJobs(srv))
}

func TestRunCanceledStopsTheJobThroughThrottling(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	job := testJob(t, ep, 1, nil)
	job.Load.Duration = time.Minute
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	done := runInBackground(ctx, srv, job)
	loadStarted(t, srv)
	srv.FailNext("StopProcessingJob", 4, sagemakertest.ErrThrottling()) // past the SDK's own 3 attempts
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 5, srv.Calls("StopProcessingJob"))
	assert.Empty(t, leftoverJobs(srv))
}

// cancelAfter is an HTTP client that sends each request and, for the operation op,
// cancels the caller's context once the server has done the work, so that the caller
// sees its create canceled although the job exists.
type cancelAfter struct {
	op     string
	cancel context.CancelFunc
	next   *http.Client
}

func (c cancelAfter) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err == nil && strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+c.op) {
		resp.Body.Close()
		c.cancel()
		return nil, context.Canceled
	}
	return resp, err
}

func TestRunCanceledDuringCreateStopsTheJobItCreated(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	journal := openJournal(t)
	job := testJob(t, ep, 1, journal)
	job.Load.Duration = time.Minute
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	cfg := srv.Config()
	cfg.HTTPClient = cancelAfter{op: "CreateProcessingJob", cancel: cancel, next: &http.Client{}}
	_, err := loadjob.Run(ctx, cfg, job)
	assert.ErrorIs(t, err, context.Canceled)
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1, "the job was created before the cancel")
	assert.Empty(t, leftoverJobs(srv))
	pending, err := journal.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending)
}

// driverEnv makes the test binary a driver process: loadjob.Run against the emulator at
// the URL it names, journaled, until it is killed.
const driverEnv = "LOADJOB_TEST_DRIVER"

func runDriver(v string) int {
	var a struct{ URL, Region, Journal, Worker, Endpoint string }
	if err := json.Unmarshal([]byte(v), &a); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	journal, err := sagemaker.OpenJournal(a.Journal)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	p, err := payload.SyntheticJPEG(8, 8, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg := aws.Config{Region: a.Region, BaseEndpoint: aws.String(a.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSAGEMAKERTEST", "sagemakertest-secret", "")}
	_, err = loadjob.Run(context.Background(), cfg, loadjob.Job{
		Endpoint: a.Endpoint, Load: bench.Config{Concurrency: 1, Duration: 10 * time.Minute, Payloads: []payload.Payload{p}},
		RoleARN: testRole, Image: testImage, S3URI: "s3://loads/runs", Worker: a.Worker, Journal: journal,
		PollInterval: 20 * time.Millisecond, StartDelay: 100 * time.Millisecond,
	})
	fmt.Fprintln(os.Stderr, "the driver was not killed:", err)
	return 1
}

func TestCleanupStopsTheJobOfADriverKilledMidLoad(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	journalPath := t.TempDir() + "/journal"
	args, err := json.Marshal(map[string]string{"URL": srv.URL, "Region": srv.Region(), "Journal": journalPath,
		"Worker": workerPath, "Endpoint": ep})
	require.NoError(t, err)
	driver := exec.Command(os.Args[0], "-test.run=^$")
	driver.Env = append(os.Environ(), driverEnv+"="+string(args))
	driver.Stderr = os.Stderr
	require.NoError(t, driver.Start())
	t.Cleanup(func() { _ = driver.Process.Kill(); _ = driver.Wait() })
	loadStarted(t, srv)
	require.NoError(t, driver.Process.Kill()) // SIGKILL: no deferred call runs
	_ = driver.Wait()
	require.Len(t, leftoverJobs(srv), 1, "the killed driver's job runs on")

	journal, err := sagemaker.OpenJournal(journalPath)
	require.NoError(t, err)
	defer journal.Close()
	require.NoError(t, sagemaker.Cleanup(ctxT(t), srv.Config(), journal, func(o *sagemaker.Options) { o.PollInterval = 10 * time.Millisecond }))
	assert.Empty(t, leftoverJobs(srv), "Cleanup stopped the job the journal recorded before creating it")
	assert.Equal(t, sagemakertest.ProcessingStopped, srv.ProcessingJobs()[0].Status)
}

// openJournal opens a fresh run journal, closed when the test ends.
func openJournal(t *testing.T) *sagemaker.Journal {
	t.Helper()
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal"))
	require.NoError(t, err)
	t.Cleanup(func() { j.Close() })
	return j
}
