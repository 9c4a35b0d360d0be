package sagebench_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// One study run in two regions into one OutputDir keeps both regions' results: each
// region resumes from its own.
func TestTwoRegionsInOneOutputDirKeepTheirOwnResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, region := range []string{"us-east-1", "us-east-2"} {
		srv := newEmulator(t, sagemakertest.WithRegion(region))
		st := newStudy(t, study3()[:1]...)
		st.Region, st.OutputDir = region, dir
		st.Prices = pricesFor(t, region, "ml.c5.xlarge")
		rep, err := st.Run(context.Background(), srv.Config())
		require.NoError(t, err)
		require.NotNil(t, rep.Outcomes[0].Result)
	}
	for _, region := range []string{"us-east-1", "us-east-2"} {
		srv := newEmulator(t, sagemakertest.WithRegion(region))
		st := newStudy(t, study3()[:1]...)
		st.Region, st.OutputDir = region, dir
		st.Prices = pricesFor(t, region, "ml.c5.xlarge")
		p, err := st.Plan(srv.Config())
		require.NoError(t, err)
		assert.Equal(t, []string{study3()[0].Name}, p.Resumed, "%s's result was kept", region)
	}
}

// A saved result records the load that measured it: a rerun with a different Load (8x
// the concurrency, 5x the requests) measures the candidate again instead of reusing it.
func TestResumeIgnoresAResultMeasuredUnderAnotherLoad(t *testing.T) {
	t.Parallel()
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

// Two candidates whose names differ only in punctuation save to result files of their
// own: both are measured, both saved, and a rerun resumes both.
func TestCandidatesWhoseNamesDifferOnlyInPunctuationKeepTheirOwnResults(t *testing.T) {
	t.Parallel()
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

// Two Runs sharing one OutputDir both succeed, no candidate measured without fault is
// reported failed by a save, and the two Runs do not both pay to measure every
// candidate: together they create at most one endpoint per candidate. (That two saves
// at the same instant never share a temporary file, which needs many tries to catch
// here, is TestConcurrentSavesOfACandidateNeverShareATemporaryFile's.)
func TestConcurrentRunsSharingAnOutputDirSaveEveryResult(t *testing.T) {
	t.Parallel()
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
	assert.LessOrEqual(t, srv.Calls("CreateEndpoint"), 3, "both Runs paid to measure every candidate of the shared OutputDir")
}

// OpenJournal keeps an existing journal's run id "so a resumed run appends to it", but
// the resumed run must not reuse the interrupted run's resource names: the old endpoint
// may still be Deleting (minutes on AWS) when the rerun creates its own, and a Neo job
// name must be unique within an account and region. The resumed candidate is measured.
func TestResumeWithTheSameJournalUsesFreshResourceNames(t *testing.T) {
	t.Parallel()
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

// A candidate name longer than a file name may be (Matrix derives one from a few long
// container parameters) is measured, saved and resumed: the result file is not named
// after the whole candidate name.
func TestLongCandidateNameIsSavedAndResumed(t *testing.T) {
	t.Parallel()
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
