package sagebench_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestPlanRefusesBadInputListingEveryProblem(t *testing.T) {
	t.Parallel()
	c5 := sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"}
	big := payload.Payload{Name: "huge.jpg", ContentType: "image/jpeg", Body: make([]byte, 7<<20)}
	for _, tc := range []struct {
		name  string
		edit  func(*sagebench.Study)
		wants []string
	}{
		{"no candidates", func(s *sagebench.Study) { s.Candidates = nil }, []string{"no Candidates"}},
		{"duplicate names", func(s *sagebench.Study) { s.Candidates = []sagebench.Candidate{c5, c5} }, []string{`"c5": duplicate name`}},
		{"unknown instance type", func(s *sagebench.Study) {
			s.Candidates = []sagebench.Candidate{{Name: "g9", InstanceType: "ml.g9.xlarge"}}
		}, []string{`unknown instance type "ml.g9.xlarge"`}},
		{"target does not fit", func(s *sagebench.Study) {
			s.Candidates = []sagebench.Candidate{{Name: "c5+inf", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLInf1}}
		}, []string{"Neo target ml_inf1 does not fit instance type ml.c5.xlarge (want ml_c5)"}},
		{"framework version without image", func(s *sagebench.Study) { s.FrameworkVersion = "0.9" },
			[]string{`pytorch/inference lists no version "0.9"`}},
		{"no Neo image for the version", func(s *sagebench.Study) {
			s.Candidates = []sagebench.Candidate{{Name: "c5+neo", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLC5}}
			s.FrameworkVersion = "1.9.0"
		}, []string{`neo-pytorch lists no version "1.9.0"`}},
		{"missing model file", func(s *sagebench.Study) {
			s.Model = sagebench.LocalModel{Files: []string{"/nonexistent/model.pth"}}
		}, []string{"model file /nonexistent/model.pth"}},
		{"bad S3 model", func(s *sagebench.Study) { s.Model = sagebench.S3Model("https://example.com/m.tar.gz") }, []string{"model \"https://"}},
		{"payload over 6 MB", func(s *sagebench.Study) { s.Load.Payloads = []payload.Payload{big} }, []string{`payload "huge.jpg" is 7340032 bytes`}},
		{"missing role", func(s *sagebench.Study) { s.RoleARN = "" }, []string{"no RoleARN"}},
		{"budget without a time bound", func(s *sagebench.Study) { s.MaxCostUSD = 5 }, []string{"Load.Requests alone has no time bound"}},
		{"everything at once", func(s *sagebench.Study) {
			s.RoleARN, s.Load.Payloads = "", []payload.Payload{big}
			s.Model = sagebench.LocalModel{Files: []string{"/nonexistent/model.pth"}}
			s.Candidates = []sagebench.Candidate{c5, c5, {Name: "x", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLG4dn}}
		}, []string{"no RoleARN", "payload", "model file", "duplicate name", "does not fit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t)
			st := newStudy(t, c5)
			tc.edit(&st)
			rep, err := st.Run(context.Background(), srv.Config())
			assert.Nil(t, rep)
			var ie *invalid.Error
			require.ErrorAs(t, err, &ie)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, ie.Problems, max(len(tc.wants), 1), "one problem per mistake: %v", ie.Problems)
			assert.Zero(t, srv.TotalCalls(), "refused before any AWS call")
		})
	}
}

func TestMatrixDerivesUniqueNames(t *testing.T) {
	t.Parallel()
	cs := sagebench.Matrix(sagebench.Grid{
		InstanceTypes: []string{"ml.c5.xlarge", "ml.c5.2xlarge", "ml.g4dn.xlarge"},
		Compile:       []bool{false, true},
		Env:           []map[string]string{{"workers": "1"}, {"workers": "2", "OMP_NUM_THREADS": "4"}},
		Counts:        []int{1, 2},
	})
	require.Len(t, cs, 3*2*2*2)
	names := map[string]bool{}
	for _, c := range cs {
		assert.False(t, names[c.Name], "duplicate %q", c.Name)
		names[c.Name] = true
	}
	assert.True(t, names["g4dn+neo workers=1"])
	assert.True(t, names["c5.2xlarge OMP_NUM_THREADS=4 workers=2 x2"])
	assert.Equal(t, neo.TargetMLG4dn, cs[len(cs)-1].Target)

	dup := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge", "ml.c5.xlarge"}})
	assert.Equal(t, []string{"c5", "c5 #2"}, []string{dup[0].Name, dup[1].Name})
}

func TestRunRefusesOverBudgetBeforeAnyCall(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.MaxCostUSD = 0.10 // 3 endpoints of 15 minutes each cost more
	st.Load.Duration = time.Second
	_, err := st.Run(context.Background(), srv.Config())
	var be *sagebench.BudgetError
	require.ErrorAs(t, err, &be)
	assert.Greater(t, be.Bill.USD, 0.10)
	assert.Len(t, be.Bill.Lines, 3)
	assert.Zero(t, srv.TotalCalls())
}

// With estimates far below what the endpoints really live (the emulator's creation delay
// alone is longer), the running estimate passes MaxCostUSD and the last candidates are
// skipped instead of started.
func TestRunStopsStartingCandidatesWhenTheRunningEstimatePasses(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithEndpointDelays(500*time.Millisecond, 10*time.Millisecond))
	st := newStudy(t, study3()...)
	st.MaxParallel = 1
	st.EndpointOverhead, st.Load.Duration = time.Millisecond, time.Millisecond
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	st.MaxCostUSD = plan.Bill.USD * 1.01
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.NotNil(t, rep.Outcomes[0].Result)
	assert.Contains(t, rep.Outcomes[2].Skipped, "budget")
	assert.Nil(t, rep.Outcomes[2].Result)
	assertNothingLeft(t, srv, rep)
}

// The account allows one endpoint; three deploy at once. Refused creates wait for a slot
// and the study measures all three.
func TestRunWaitsForASlotOnResourceLimitExceeded(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithMaxEndpoints(1))
	st := newStudy(t, study3()...)
	st.MaxParallel = 3
	var ev events
	st.Events = ev.add
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		assert.NoError(t, o.Err, o.Candidate.Name)
		assert.NotNil(t, o.Result, o.Candidate.Name)
	}
	assert.Positive(t, ev.count(sagebench.EventWaitingSlot))
	assert.Greater(t, srv.Calls("CreateEndpoint"), 3, "some creates were refused and retried")
	assertNothingLeft(t, srv, rep)
}

func TestRunRecommendsAndShowsWhatBrokeTheSLO(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.TargetTPS = 50
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.GreaterOrEqual(t, rep.Best, 0)
	require.NotNil(t, rep.Fleet)
	assert.GreaterOrEqual(t, float64(rep.Fleet.InstanceCount)*rep.Fleet.Candidate.TPS, 50.0)
	assert.Contains(t, rep.Recommendation(), "Recommended: "+rep.Outcomes[rep.Best].Candidate.Name)

	st.SLO = &bench.SLO{Percentile: 99, Max: time.Microsecond}
	st.OutputDir = t.TempDir()
	rep, err = st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Equal(t, -1, rep.Best)
	for _, o := range rep.Outcomes {
		assert.Contains(t, o.Disqualified, "breaks SLO p99 ")
		assert.Contains(t, rep.Recommendation(), o.Candidate.Name+" not recommended: breaks SLO p99 ")
	}
	md := rep.Document("t", "emulated").Markdown()
	for _, o := range rep.Outcomes {
		assert.Contains(t, md, o.Candidate.Name, "an SLO-breaking candidate is shown")
	}
	assertNothingLeft(t, srv, rep)
}

// A study interrupted after its first measurement keeps that result; the rerun measures
// only the two missing candidates.
func TestRunResumesOnlyTheMissingCandidates(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.MaxParallel, st.OutputDir = 1, t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventMeasured {
			cancel()
		}
	}
	rep, err := st.Run(ctx, srv.Config())
	require.ErrorIs(t, err, context.Canceled)
	assert.NotNil(t, rep.Outcomes[0].Result)
	assertNothingLeft(t, srv, rep)
	files, _ := filepath.Glob(filepath.Join(st.OutputDir, "candidates", "*.json"))
	assert.Len(t, files, 1)

	deploysBefore := srv.Calls("CreateEndpoint")
	var ev events
	st.Events = ev.add
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	assert.Equal(t, []string{"c5"}, plan.Resumed)
	assert.Len(t, plan.Bill.Lines, 2, "the resumed candidate costs nothing")
	rep, err = st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Calls("CreateEndpoint")-deploysBefore)
	assert.True(t, rep.Outcomes[0].Resumed)
	assert.Equal(t, rep.Outcomes[0].Result.Requests, int64(20), "the full result came back from disk")
	assert.Equal(t, 1, ev.count(sagebench.EventSkipped))
	assertNothingLeft(t, srv, rep)

	st.Rerun = true
	before := srv.Calls("CreateEndpoint")
	_, err = st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Calls("CreateEndpoint")-before, "Rerun measures everything again")
}

// loseAnswer sends the first request of op, then cancels the run and drops the answer.
type loseAnswer struct {
	next   aws.HTTPClient
	op     string
	cancel context.CancelFunc
}

func (l loseAnswer) Do(r *http.Request) (*http.Response, error) {
	resp, err := l.next.Do(r)
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+l.op) && err == nil {
		resp.Body.Close()
		l.cancel()
		return nil, context.Canceled
	}
	return resp, err
}

// refused is an error the SDK does not retry.
var refused = &sagemakertest.APIError{Code: "ValidationException", Message: "refused by the test", StatusCode: 400}

func TestRunTearsDownOnEveryExitPath(t *testing.T) {
	t.Parallel()
	t.Run("cancel mid-deploy", func(t *testing.T) {
		srv := newEmulator(t, sagemakertest.WithEndpointDelays(time.Hour, 0))
		st := newStudy(t, study3()...)
		st.MaxParallel = 3
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		st.Events = func(e sagebench.Event) {
			if e.Kind == sagebench.EventDeploying {
				if n++; n == 3 {
					cancel()
				}
			}
		}
		rep, err := st.Run(ctx, srv.Config())
		require.ErrorIs(t, err, context.Canceled)
		assertNothingLeft(t, srv, rep)
	})
	t.Run("lost answer of CreateModel", func(t *testing.T) {
		// The model is created, then the run is canceled before its answer arrives: the
		// study cannot know the model exists, and must delete it all the same.
		srv := newEmulator(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg := srv.Config()
		cfg.HTTPClient = loseAnswer{next: cfg.HTTPClient, op: "CreateModel", cancel: cancel}
		st := newStudy(t, study3()[:1]...)
		rep, err := st.Run(ctx, cfg)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, srv.Calls("CreateModel"))
		assertNothingLeft(t, srv, rep)
	})
	t.Run("failed compilation", func(t *testing.T) {
		srv := newEmulator(t)
		srv.FailNext("CreateCompilationJob", 1, refused)
		st := newStudy(t, study3()...)
		rep, err := st.Run(context.Background(), srv.Config())
		require.NoError(t, err, "a failed target fails its candidates, not the study")
		assert.ErrorContains(t, rep.Outcomes[1].Err, "no compiled model for ml_c5")
		assert.ErrorContains(t, rep.Outcomes[1].Err, "refused by the test")
		assert.NotNil(t, rep.Outcomes[0].Result, "c5 is measured all the same")
		assert.NotNil(t, rep.Outcomes[2].Result, "g4dn is measured all the same")
		assert.Contains(t, rep.Recommendation(), "c5+neo failed")
		assertNothingLeft(t, srv, rep)
	})
	t.Run("failed endpoint", func(t *testing.T) {
		srv := newEmulator(t)
		srv.FailNext("CreateEndpoint", 1, refused)
		st := newStudy(t, study3()[:1]...)
		rep, err := st.Run(context.Background(), srv.Config())
		require.NoError(t, err, "a failed candidate is in the report, not an error")
		assert.Error(t, rep.Outcomes[0].Err)
		assert.Contains(t, rep.Recommendation(), "c5 failed")
		assertNothingLeft(t, srv, rep)
	})
	t.Run("panic", func(t *testing.T) {
		srv := newEmulator(t)
		st := newStudy(t, study3()...)
		st.MaxParallel = 2
		st.Events = func(e sagebench.Event) {
			if e.Kind == sagebench.EventInService {
				panic("user callback")
			}
		}
		assert.PanicsWithValue(t, "user callback", func() { _, _ = st.Run(context.Background(), srv.Config()) })
		assertNothingLeft(t, srv, nil)
	})
}

func TestRunUsesAnS3ModelAsIs(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	require.NoError(t, srv.PutObject("models", "m/model.tar.gz", []byte("archive")))
	st := newStudy(t, study3()[:1]...)
	st.Model = sagebench.S3Model("s3://models/m/model.tar.gz")
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.NotNil(t, rep.Outcomes[0].Result)
	assert.Empty(t, srv.Leftovers())
	assert.Len(t, srv.Objects(), 1, "the user's archive is not the study's to delete")
}

// Two candidates share ml_c5: one compilation serves both.
func TestRunCompilesOncePerTarget(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"}, Compile: []bool{true},
		Env: []map[string]string{{"OMP_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "2"}}})...)
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls("CreateCompilationJob"))
	for _, o := range rep.Outcomes {
		assert.NotNil(t, o.Result, o.Candidate.Name)
	}
	assert.Equal(t, []string{"c5+neo OMP_NUM_THREADS=1", "c5+neo OMP_NUM_THREADS=2"},
		[]string{rep.Outcomes[0].Candidate.Name, rep.Outcomes[1].Candidate.Name})
	assertNothingLeft(t, srv, rep)
}

// With Sweep set each endpoint is swept, and the peak step is the candidate's figure.
func TestRunSweepsWhenAsked(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration = 0, 100*time.Millisecond
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}, StableWindows: 1, MaxWindows: 1}
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Sweep)
	require.GreaterOrEqual(t, o.Sweep.Peak, 0)
	assert.Same(t, o.Sweep.Steps[o.Sweep.Peak].Result, o.Result)
	assert.Len(t, rep.Document("t", "emulated").Sweeps, 1)
	assertNothingLeft(t, srv, rep)
}

// A saved result is only reused for the same candidate: a changed one is measured again.
func TestResumeIgnoresAChangedCandidate(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:2]...)
	st.OutputDir = t.TempDir()
	_, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	st.Candidates[1].Env = map[string]string{"OMP_NUM_THREADS": "2"}
	st.Candidates[0].Note = "notes do not change what is measured"
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	assert.Equal(t, []string{"c5"}, plan.Resumed)
}
