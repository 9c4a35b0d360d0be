package sagebench_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A saved result records only the candidate, not the load that measured it: a rerun
// with a different Load (8x the concurrency, 5x the requests) silently reuses results
// measured under the old one.
func TestReviewResumeReusesResultsOfADifferentLoad(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.OutputDir = t.TempDir()
	_, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)

	changed := st
	changed.Load.Concurrency, changed.Load.Requests = 16, 100
	plan, err := changed.Plan(srv.Config())
	require.NoError(t, err)
	assert.Empty(t, plan.Resumed, "a result measured with another Load must not be reused")
}

// Resource names are the study's Name, the candidate's index and name, then the run id,
// cut to 63 characters: a long Study.Name cuts the index away, so every candidate's model,
// config and endpoint (and every Neo job) gets the same name. Plan accepts the Name.
func TestReviewLongStudyNameCollidesResourceNames(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()...) // c5, c5+neo, g4dn
	st.Name = strings.Repeat("n", 45)
	st.MaxParallel = 3
	rep, err := st.Run(context.Background(), srv.Config())
	if err == nil {
		for _, o := range rep.Outcomes {
			assert.NoError(t, o.Err, o.Candidate.Name)
			assert.NotNil(t, o.Result, o.Candidate.Name)
		}
	} else {
		var ie *sagebench.InputError
		assert.ErrorAs(t, err, &ie, "either measured, or refused by Plan before any call")
	}
	assert.Empty(t, srv.Leftovers())
}

// Matrix promises unique names, but a derived name can equal another's "#2" suffix.
func TestReviewMatrixNamesCanRepeat(t *testing.T) {
	cs := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"},
		Env: []map[string]string{{"k": "v"}, {"k": "v"}, {"k": "v #2"}}})
	seen := map[string]bool{}
	for _, c := range cs {
		assert.False(t, seen[c.Name], "duplicate %q", c.Name)
		seen[c.Name] = true
	}
}

// Two candidates whose names differ only in punctuation share one result file: the
// second overwrites the first, and the rerun measures the first again.
func TestReviewResultFilesOfDifferentCandidatesCollide(t *testing.T) {
	srv := newEmulator(t)
	a := sagebench.Candidate{Name: "c5 w=1", InstanceType: "ml.c5.xlarge", Env: map[string]string{"w": "1"}}
	b := sagebench.Candidate{Name: "c5 w 1", InstanceType: "ml.c5.xlarge", Env: map[string]string{"w": "one"}}
	st := newStudy(t, a, b)
	st.MaxParallel, st.OutputDir = 1, t.TempDir()
	_, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	assert.Equal(t, []string{a.Name, b.Name}, plan.Resumed, "both measured, both saved")
}

const reviewChildURL = "SAGEBENCH_REVIEW_CHILD_URL"

// reviewChild runs, in a child process, a study against the parent's emulator whose
// user callback panics in mode's place.
func reviewChild(t *testing.T, mode string) {
	url := os.Getenv(reviewChildURL)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDSAGEMAKERTEST", "sagemakertest-secret", ""),
		HTTPClient:                 &http.Client{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired}
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration = 0, 2*time.Second
	st.Load.Interval = 50 * time.Millisecond
	switch mode {
	case "check":
		st.Check = func([]byte, string) error { panic("user check") }
	case "events":
		st.Events = func(e sagebench.Event) {
			if e.Kind == sagebench.EventMeasuring {
				panic("user events")
			}
		}
	}
	_, _ = st.Run(context.Background(), cfg)
}

// Run promises teardown on panic, and recovers a panic of Events in its own goroutines,
// but the user's Check (called in bench's workers) and Events' EventMeasuring (called in
// bench's collector goroutine) panic where nothing recovers: the process dies with the
// endpoint InService, billed until someone runs CleanupRun.
func TestReviewPanicInUserCallbackInsideTheLoadLeaksTheEndpoint(t *testing.T) {
	for _, mode := range []string{"check", "events"} {
		t.Run(mode, func(t *testing.T) {
			if os.Getenv(reviewChildURL) != "" {
				reviewChild(t, mode)
				return
			}
			srv := newEmulator(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestReviewPanicInUserCallbackInsideTheLoadLeaksTheEndpoint$/^"+mode+"$")
			cmd.Env = append(os.Environ(), reviewChildURL+"="+srv.URL)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "the child ran: %v\n%s", err, out)
			assert.Contains(t, string(out), "panic: user "+mode)
			assert.Empty(t, srv.Leftovers(), "the panic left the endpoint running")
			assert.Empty(t, srv.Objects(), "the panic left the model archive")
		})
	}
}

var _ = filepath.Join

// Canceled during compilation, Run returns a report whose outcomes are neither measured,
// failed nor skipped: the Table and Recommendation show nothing of them. The same holds
// when the upload fails.
func TestReviewCanceledDuringCompileOutcomesSayNothing(t *testing.T) {
	srv := newEmulator(t, sagemakertest.WithCompilationDelay(500*time.Millisecond))
	st := newStudy(t, study3()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventCompiling {
			time.AfterFunc(100*time.Millisecond, cancel)
		}
	}
	rep, err := st.Run(ctx, srv.Config())
	require.ErrorIs(t, err, context.Canceled)
	for _, o := range rep.Outcomes {
		assert.True(t, o.Result != nil || o.Err != nil || o.Skipped != "", "outcome %s says nothing", o.Candidate.Name)
		assert.Contains(t, rep.Recommendation(), o.Candidate.Name, "the report hides %s", o.Candidate.Name)
	}
}

// A NaN or negative MaxCostUSD is accepted and silently disables the budget.
func TestReviewInvalidMaxCostUSDDisablesTheBudget(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.Load.Duration = time.Second
	for _, v := range []float64{math.NaN(), -1, math.Inf(-1)} {
		st.MaxCostUSD = v
		_, err := st.Plan(srv.Config())
		var ie *sagebench.InputError
		assert.ErrorAs(t, err, &ie, "MaxCostUSD %v accepted", v)
	}
}

// Two Runs sharing one OutputDir write the same "<name>.json.tmp": one's rename finds the
// other's file gone, and a candidate measured without fault is reported as failed
// ("saving the result: rename ... no such file or directory"). Nothing stops the second
// Run from measuring (and paying for) every candidate again either.
func TestReviewConcurrentRunsSharingOutputDir(t *testing.T) {
	for it := range 30 { // the collision needs two saves at the same instant: try often
		srv := newEmulator(t)
		// The bucket exists, as it does after a first study: the emulator answers a racing
		// CreateBucket with BucketAlreadyExists where S3 says BucketAlreadyOwnedByYou.
		require.NoError(t, srv.PutObject(sagemaker.DefaultBucket("eu-west-1", sagemakertest.AccountID), "other", []byte("x")))
		dir := t.TempDir()
		var wg sync.WaitGroup
		var reps [2]*sagebench.Report
		var errs [2]error
		for i := range 2 {
			st := newStudy(t, study3()...)
			st.OutputDir, st.MaxParallel = dir, 3
			wg.Go(func() { reps[i], errs[i] = st.Run(context.Background(), srv.Config()) })
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs[:]...))
		for _, rep := range reps {
			for _, o := range rep.Outcomes {
				require.NoError(t, o.Err, o.Candidate.Name)
			}
		}
		assert.Len(t, srv.Objects(), 1, "only the other object is left")
		if it == 0 { // deterministic: neither Run knows of the other
			assert.LessOrEqual(t, srv.Calls("CreateEndpoint"), 3, "both Runs paid to measure every candidate of the shared OutputDir")
		}
	}
}

// Events were delivered synchronously under a lock, from bench's collector too: an Events
// callback that blocks (a stuck terminal, a full channel) held the run after its context
// was canceled, with the endpoint InService, and Run never returned to tear it down.
// Events have a goroutine of their own now.
func TestReviewBlockedEventsHoldsACanceledRun(t *testing.T) {
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration, st.Load.Interval = 0, time.Second, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventMeasuring {
			cancel()
			<-block
		}
	}
	done := make(chan struct{})
	var rep *sagebench.Report
	var err error
	go func() { rep, err = st.Run(ctx, srv.Config()); close(done) }()
	select {
	case <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assertNothingLeft(t, srv, rep)
	case <-time.After(time.Minute):
		t.Errorf("Run still running a minute after cancel (a stuck Events callback held it); leftovers %v", srv.Leftovers())
	}
}

// OpenJournal keeps an existing journal's run id "so a resumed run appends to it", and
// the study names every resource after the run id and the candidate's position: the
// resumed run reuses the interrupted run's names. Interrupted mid-deploy, the old
// endpoint is still Deleting (minutes on AWS) when the rerun creates the same name, and
// the candidate fails with "Cannot create already existing endpoint"; the Neo job name
// is reused too ("Compilation job name must be unique within an AWS account and region").
func TestReviewResumeWithTheSameJournalReusesResourceNames(t *testing.T) {
	srv := newEmulator(t, sagemakertest.WithEndpointDelays(300*time.Millisecond, 2*time.Second))
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := sagemaker.OpenJournal(path)
	require.NoError(t, err)
	st := newStudy(t, study3()[:1]...)
	st.Journal, st.OutputDir = j, t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventDeploying {
			time.AfterFunc(50*time.Millisecond, cancel)
		}
	}
	_, err = st.Run(ctx, srv.Config())
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, j.Close())

	j, err = sagemaker.OpenJournal(path) // the resumed run appends to the same journal
	require.NoError(t, err)
	defer j.Close()
	st.Journal, st.Events = j, nil
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.NoError(t, rep.Outcomes[0].Err)
	assert.NotNil(t, rep.Outcomes[0].Result)
}

// The result file is named after the whole candidate name: a name Matrix derives from a
// few long container parameters passes Plan, is measured, and its save fails with "file
// name too long", so the measured candidate is reported failed and its result is lost.
func TestReviewLongCandidateNameCannotBeSaved(t *testing.T) {
	srv := newEmulator(t)
	env := map[string]string{}
	for _, k := range []string{"SAGEMAKER_MODEL_SERVER_WORKERS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
		"TS_DEFAULT_RESPONSE_TIMEOUT", "SAGEMAKER_MODEL_SERVER_TIMEOUT", "TORCH_NUM_INTEROP_THREADS",
		"TS_MAX_REQUEST_SIZE", "TS_MAX_RESPONSE_SIZE", "SAGEMAKER_TS_BATCH_SIZE", "SAGEMAKER_TS_MAX_BATCH_DELAY"} {
		env[k] = "100000"
	}
	cs := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"}, Env: []map[string]string{env}})
	require.Greater(t, len(cs[0].Name), 255)
	st := newStudy(t, cs...)
	st.OutputDir = t.TempDir()
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.NoError(t, rep.Outcomes[0].Err)
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	assert.Equal(t, []string{cs[0].Name}, plan.Resumed)
}
