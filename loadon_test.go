package sagebench_test

import (
	"context"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/testparallel"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/loadjob"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const processingImage = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

var (
	workerOnce sync.Once
	workerDir  string
	workerBin  string
	workerErr  error
)

// TestMain runs up to 2 x GOMAXPROCS parallel tests at once: this package's parallel
// tests assert nothing about timing and mostly wait on emulated endpoints; its timing
// tests are serial.
func TestMain(m *testing.M) {
	code := testparallel.Run(m)
	if workerDir != "" {
		os.RemoveAll(workerDir)
	}
	os.Exit(code)
}

// testWorker is the worker built for this machine, once: sagemakertest runs it as a
// local process.
func testWorker(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the emulated processing jobs run /bin/sh")
	}
	workerOnce.Do(func() {
		if workerDir, workerErr = os.MkdirTemp("", "sagebench-worker-test-"); workerErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		workerBin, workerErr = loadjob.BuildWorker(ctx, workerDir, runtime.GOOS, runtime.GOARCH)
	})
	require.NoError(t, workerErr)
	return workerBin
}

func TestStudyLoadsFromAThreeInstanceProcessingJob(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	s := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	s.Load = bench.Config{Concurrency: 6, Duration: time.Second, Interval: 200 * time.Millisecond, Payloads: s.Load.Payloads}
	s.LoadOn = &sagebench.Processing{InstanceType: "ml.c5.xlarge", InstanceCount: 3, // the default image
		Worker: testWorker(t), PollInterval: 20 * time.Millisecond, StartDelay: 300 * time.Millisecond}
	var evs events
	s.Events = evs.add

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := s.Run(ctx, srv.Config())
	require.NoError(t, err)
	require.Len(t, rep.Outcomes, 1)
	o := rep.Outcomes[0]
	require.NoError(t, o.Err)
	require.NotNil(t, o.Result)
	assert.Equal(t, 6, o.Result.Concurrency, "three shards of two workers")
	assert.Contains(t, o.LoadRanOn, "3 x ml.c5.xlarge in eu-west-1 (SageMaker Processing job ")

	// Every request the shards counted reached the endpoint, and the endpoint saw at most
	// one more per worker (in flight at the window's edges).
	calls := int64(srv.Calls("InvokeEndpoint"))
	assert.GreaterOrEqual(t, calls, o.Result.Requests)
	assert.LessOrEqual(t, calls, o.Result.Requests+o.Result.Unfinished+6)

	var starting []string
	evs.mu.Lock()
	for _, e := range evs.all {
		if e.Kind == sagebench.EventLoadStarting {
			starting = append(starting, e.String())
		}
	}
	evs.mu.Unlock()
	assert.Equal(t, []string{"c5: load starting on 3 x ml.c5.xlarge in eu-west-1"}, starting)
	assert.Positive(t, evs.count(sagebench.EventMeasuring), "the shards' live snapshots became events")

	assert.Contains(t, rep.Document("study", report.Emulated).Markdown(), "load ran on 3 x ml.c5.xlarge in eu-west-1")
	assertNothingLeft(t, srv, rep)
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1)
	assert.Equal(t, "Completed", jobs[0].Status)
	d, err := srv.SageMakerClient().DescribeProcessingJob(ctx, &sm.DescribeProcessingJobInput{ProcessingJobName: &jobs[0].Name})
	require.NoError(t, err)
	assert.Equal(t, processingImage, *d.AppSpecification.ImageUri, "the scikit-learn image of eu-west-1, as the Python SDK resolves it")
}

func TestPlanRefusesABadLoadOn(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	s := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	s.LoadOn = &sagebench.Processing{InstanceType: "ml.inf1.xlarge", InstanceCount: 101}
	_, err := s.Plan(srv.Config())
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	got := map[string]string{}
	for _, p := range ie.Problems {
		got[p.Field] += p.Message
	}
	for field, want := range map[string]string{
		"LoadOn.InstanceType":  `LoadOn: "ml.inf1.xlarge" is not a processing instance type`,
		"LoadOn.InstanceCount": "instance count 101 is not in [1, 100]",
	} {
		assert.Contains(t, got[field], want, "the problem is filed under the LoadOn field at fault")
	}
	assert.Contains(t, got["LoadOn.InstanceCount"], "concurrency 2 is under 101 shards")
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"LoadOn.InstanceType", "LoadOn.InstanceCount", "LoadOn.Image", "LoadOn.InstanceCount"}, fields,
		"each problem under the Processing field at fault")
}

func TestPlanCountsTheProcessingInstancesInTheBudget(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	s := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	s.Load.Duration = time.Minute
	s.LoadOn = &sagebench.Processing{InstanceCount: 2, Image: processingImage}
	p, err := s.Plan(srv.Config())
	require.NoError(t, err)
	assert.Equal(t, []string{"c5 (load on processing)"}, p.Bill.Unpriced, "no processing prices: unknown, never a guess")
	var line *sagebench.BillLine
	for i := range p.Bill.Lines {
		if p.Bill.Lines[i].Candidate == "c5 (load on processing)" {
			line = &p.Bill.Lines[i]
		}
	}
	require.NotNil(t, line, "%+v", p.Bill.Lines)
	assert.Equal(t, 2, line.InstanceCount)
	assert.Equal(t, "ml.c5.xlarge", line.InstanceType)
	assert.InDelta(t, (6 * time.Minute).Hours(), line.Hours, 1e-9, "5 minutes of startup and the one-minute load")
}

// loadJobStarted waits until the emulator's endpoint has seen a request and returns the
// running processing job's name.
func loadJobStarted(t *testing.T, srv *sagemakertest.Server) string {
	t.Helper()
	require.Eventually(t, func() bool { return srv.Calls("InvokeEndpoint") > 0 }, 2*time.Minute, 5*time.Millisecond,
		"the load never started: %+v", srv.ProcessingJobs())
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1)
	return jobs[0].Name
}

func TestStudyWithAShardKilledReportsAnIncompleteLoadNamingIt(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	s := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	s.Load = bench.Config{Concurrency: 6, Duration: 3 * time.Second, Payloads: s.Load.Payloads}
	s.LoadOn = &sagebench.Processing{InstanceCount: 3, Image: processingImage,
		Worker: testWorker(t), PollInterval: 20 * time.Millisecond, StartDelay: 300 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type result struct {
		rep *sagebench.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := s.Run(ctx, srv.Config())
		done <- result{rep, err}
	}()
	require.NoError(t, srv.KillProcessingInstance(loadJobStarted(t, srv), 2))
	r := <-done
	require.NoError(t, r.err)
	o := r.rep.Outcomes[0]
	require.NotNil(t, o.Result)
	assert.Contains(t, o.LoadRanOn, "incomplete: shards [2] never reported")
	assert.Contains(t, o.Result.Warnings, "incomplete: 1 of 3 shards never reported (shard 2); every figure is of the others only")
	assert.Equal(t, 4, o.Result.Concurrency)
	// Two thirds of the load is not the candidate's figure: it is never recommended on it.
	assert.Equal(t, -1, r.rep.Best)
	assert.Contains(t, o.Disqualified, "shard 2")
	assert.Contains(t, r.rep.Recommendation(), "c5 not recommended: incomplete")
	assertNothingLeft(t, srv, r.rep)
}

func TestStudyCanceledMidLoadStopsTheProcessingJob(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	s := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	s.Load = bench.Config{Concurrency: 4, Duration: time.Minute, Payloads: s.Load.Payloads}
	s.LoadOn = &sagebench.Processing{InstanceCount: 2, Image: processingImage,
		Worker: testWorker(t), PollInterval: 20 * time.Millisecond, StartDelay: 300 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	var rep *sagebench.Report
	go func() {
		var err error
		rep, err = s.Run(runCtx, srv.Config())
		done <- err
	}()
	loadJobStarted(t, srv)
	stop()
	assert.ErrorIs(t, <-done, context.Canceled)
	jobs := srv.ProcessingJobs()
	require.Len(t, jobs, 1)
	assert.Equal(t, sagemakertest.ProcessingStopped, jobs[0].Status)
	assertNothingLeft(t, srv, rep)
}

// A study priced from the Price List prices its processing instances from the same list's
// Processing rows; the emulator's list has none, so the line says the list lacks them.
func TestPlanReadsProcessingPricesFromThePriceList(t *testing.T) {
	t.Parallel()
	srv, s := newEuCentralStudy(t)
	s.PriceList.BaseURL = srv.URL
	s.Load.Duration = time.Minute
	s.LoadOn = &sagebench.Processing{InstanceCount: 2}
	p, err := s.Plan(srv.Config())
	require.NoError(t, err)
	var lines int
	for _, l := range p.Bill.Lines {
		if strings.HasSuffix(l.Candidate, "(load on processing)") {
			lines++
			assert.NotEqual(t, "no processing price table (Processing.Prices)", l.NoPrice, "the Price List's processing table was read")
			assert.NotEmpty(t, l.NoPrice, "the emulator's Price List has no Processing rows")
		}
	}
	assert.Equal(t, 3, lines, "one processing line per candidate")
	assert.False(t, p.Bill.Known())
}
