package sagebench_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const neuronImage = "763104351884.dkr.ecr.us-east-2.amazonaws.com/pytorch-inference-neuronx:2.1.2-neuronx-py310-sdk2.20.0-ubuntu20.04"

func inf2Neo() sagebench.Candidate {
	return sagebench.Candidate{Name: "inf2+neo", InstanceType: "ml.inf2.xlarge", Target: neo.TargetMLInf2, Image: neuronImage}
}

// planProblems is the messages of Plan's *invalid.Error in region.
func planProblems(t *testing.T, s sagebench.Study, region string) []string {
	t.Helper()
	_, err := s.Plan(aws.Config{Region: region})
	var ie *invalid.Error
	require.True(t, errors.As(err, &ie), "Plan: %v", err)
	return messages(ie)
}

// messages is the Message of each of ie's problems.
func messages(ie *invalid.Error) []string {
	var m []string
	for _, p := range ie.Problems {
		m = append(m, p.Message)
	}
	return m
}

func assertProblem(t *testing.T, probs []string, parts ...string) {
	t.Helper()
	for _, p := range probs {
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(p, part)
		}
		if ok {
			return
		}
	}
	t.Errorf("no problem says %q:\n%s", parts, strings.Join(probs, "\n"))
}

// Neo compiles for ml_inf2 in us-east-2 only (CreateCompilationJob's TargetDevice
// reference): Plan says so in us-east-1 instead of Run failing after the upload.
func TestPlanRefusesANeoTargetOutsideItsRegion(t *testing.T) {
	t.Parallel()
	s := newStudy(t, inf2Neo())
	s.FrameworkVersion = "2.1"
	assertProblem(t, planProblems(t, s, "us-east-1"), `"inf2+neo"`, "ml_inf2 is available only in us-east-2, not us-east-1")
	s.Region = "us-east-2"
	_, err := s.Plan(aws.Config{Region: "us-east-1"})
	assert.NoError(t, err)
}

// The Python SDK's tables have no image for a model compiled for ml_inf2: Plan says
// so, and what to set, instead of the candidate failing after its compilation.
func TestPlanSaysNoImageServesACompiledInf2ModelAndWhatToSet(t *testing.T) {
	t.Parallel()
	c := inf2Neo()
	c.Image = ""
	s := newStudy(t, c)
	s.FrameworkVersion = "2.1"
	assertProblem(t, planProblems(t, s, "us-east-2"), `"inf2+neo"`, "no Neo serving image for ml_inf2", "set the candidate's Image")
}

// A compiled candidate's Image serves its model: Neo's job completes without an image
// the SDK knows, and the endpoint runs the candidate's.
func TestRunServesACompiledCandidateFromItsImage(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithRegion("us-east-2"))
	s := newStudy(t, inf2Neo())
	s.FrameworkVersion = "2.1"
	s.Prices = pricesFor(t, "us-east-2", "ml.inf2.xlarge")
	var images []string
	s.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventInService {
			for _, m := range srv.Models() {
				out, err := srv.SageMakerClient().DescribeModel(context.Background(), &sm.DescribeModelInput{ModelName: aws.String(m)})
				if assert.NoError(t, err) {
					images = append(images, aws.ToString(out.PrimaryContainer.Image))
				}
			}
		}
	}
	rep, err := s.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.NotNil(t, rep.Outcomes[0].Result, "%v", rep.Outcomes[0].Err)
	assert.Equal(t, []string{neuronImage}, images)
	assertNothingLeft(t, srv, rep)
}

// An uncompiled model on ml.inf2.xlarge is served by a CPU image: Plan's Notes and the
// candidate's note say that it runs on the vCPUs, not on the NeuronCores.
func TestPlanAndReportSayAnUncompiledInf2RunsOnItsCPUs(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithRegion("us-east-2"))
	s := newStudy(t, sagebench.Candidate{Name: "inf2", InstanceType: "ml.inf2.xlarge"})
	s.FrameworkVersion = "2.1"
	s.Prices = pricesFor(t, "us-east-2", "ml.inf2.xlarge")
	p, err := s.Plan(srv.Config())
	require.NoError(t, err)
	require.Len(t, p.Notes, 1)
	assert.Contains(t, p.Notes[0], "inf2: uncompiled, served by the CPU image pytorch-inference:2.1-cpu-py310")
	assert.Contains(t, p.Notes[0], "not its NeuronCores")
	rep, err := s.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Contains(t, rep.Outcomes[0].Candidate.Note, "not its NeuronCores")
}

// Plan keeps the suggestions the lower layers have: an instance type one letter off
// and a region without its dash.
func TestPlanSuggestsTheInstanceTypeAndRegionMeant(t *testing.T) {
	t.Parallel()
	s := newStudy(t, sagebench.Candidate{Name: "g5", InstanceType: "ml.g5.xlarg"})
	assertProblem(t, planProblems(t, s, "us-east-1"), `unknown instance type "ml.g5.xlarg"`, "did you mean ml.g5.xlarge?")
	s = newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	probs := planProblems(t, s, "us-east1")
	assertProblem(t, probs, `unknown region "us-east1"`, "did you mean us-east-1")
	for _, p := range probs {
		assert.NotContains(t, p, "not published in region", "the region is reported once, as unknown")
	}
}

// Plan refuses an estimate over MaxCostUSD with the *BudgetError Run would return,
// and the plan, so that a dry run shows the bill it refused.
func TestPlanReturnsTheBudgetErrorRunWould(t *testing.T) {
	t.Parallel()
	s := newStudy(t, study3()...)
	s.Load.Duration = time.Minute
	s.MaxCostUSD = 0.05
	p, err := s.Plan(aws.Config{Region: "eu-west-1"})
	var be *sagebench.BudgetError
	require.True(t, errors.As(err, &be), "Plan: %v", err)
	assert.Equal(t, 0.05, be.MaxUSD)
	require.NotNil(t, p)
	assert.Equal(t, p.Bill.USD, be.Bill.USD)
	assert.Greater(t, be.Bill.USD, 0.05)
	_, runErr := s.Run(context.Background(), aws.Config{Region: "eu-west-1"})
	var rbe *sagebench.BudgetError
	require.True(t, errors.As(runErr, &rbe), "Run: %v", runErr)
	assert.Equal(t, be.Bill.USD, rbe.Bill.USD)
}

func TestPlanRefusesControlCharactersInCandidateNames(t *testing.T) {
	t.Parallel()
	st := newStudy(t,
		sagebench.Candidate{Name: "c5\n\n## injected", InstanceType: "ml.c5.xlarge"},
		sagebench.Candidate{Name: "g4dn\x1b[31m", InstanceType: "ml.g4dn.xlarge"},
		sagebench.Candidate{Name: `g5 | =HYPERLINK("x") \| *bold*`, InstanceType: "ml.g4dn.xlarge"})
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	assert.Len(t, ie.Problems, 2, "printable names are escaped by the reports, not refused: %v", ie.Problems)
	assert.Contains(t, err.Error(), `candidate 1 "c5\n\n## injected": the name has a control character`)
	assert.Contains(t, err.Error(), `candidate 2 "g4dn\x1b[31m": the name has a control character`)
}

func TestPlanRefusesASweepStepThatLoadWouldReplace(t *testing.T) {
	t.Parallel()
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}, Base: bench.Config{Duration: 2 * time.Second}}
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	assert.ErrorContains(t, err, "Sweep.Base is set, but a Study measures every step with Load")

	st.Sweep.Base = bench.Config{}
	st.Load.Requests, st.Load.Duration = 0, time.Second // a sweep's windows are timed
	_, err = st.Plan(aws.Config{Region: "eu-west-1"})
	assert.NoError(t, err)
}

// TestPlanRefusesWhatTheLoadWouldRefuse: a load, a sweep ladder or an SLO that bench
// refuses is refused by Plan, before any endpoint is created for a run that would fail
// on every candidate once deployed; an SLO under bench.MinSLO (a unit slip) is refused
// rather than failing every candidate silently.
func TestPlanRefusesWhatTheLoadWouldRefuse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		set  func(*sagebench.Study)
		want string
	}{
		{"SLO in nanoseconds", func(s *sagebench.Study) { s.SLO = &bench.SLO{Percentile: 99, Max: 100} }, "did you mean 100ms?"},
		{"SLO without percentile", func(s *sagebench.Study) { s.SLO = &bench.SLO{Max: time.Second} }, "percentile"},
		{"NaN client rate", func(s *sagebench.Study) { s.Load.ClientRate = math.NaN() }, "client rate NaN"},
		{"interval in nanoseconds", func(s *sagebench.Study) { s.Load.Interval = 100 }, "interval 100ns"},
		{"negative timeout", func(s *sagebench.Study) { s.Load.Timeout = -time.Second }, "negative"},
		{"impossible ladder", func(s *sagebench.Study) {
			s.Load.Requests, s.Sweep = 0, &bench.SweepConfig{Rates: []float64{1e-9}}
		}, "rate 1e-09 is below"},
		{"sweep of a counted load", func(s *sagebench.Study) { s.Sweep = &bench.SweepConfig{Levels: []int{1, 2}} }, "Requests"},
		{"sweep with the study's bad SLO", func(s *sagebench.Study) {
			s.Load.Requests, s.Sweep = 0, &bench.SweepConfig{Levels: []int{1, 2}}
			s.SLO = &bench.SLO{Percentile: 99, Max: 200}
		}, "did you mean 200ms?"},
		{"NaN target", func(s *sagebench.Study) { s.TargetTPS = math.NaN() }, "TargetTPS"},
		{"negative target", func(s *sagebench.Study) { s.TargetTPS = -5 }, "TargetTPS"},
		{"NaN headroom", func(s *sagebench.Study) { s.TargetTPS, s.Headroom = 10, math.NaN() }, "Headroom"},
		{"negative headroom", func(s *sagebench.Study) { s.TargetTPS, s.Headroom = 10, -0.3 }, "Headroom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
			tc.set(&st)
			_, err := st.Plan(aws.Config{Region: "eu-west-1"})
			var ie *invalid.Error
			require.ErrorAs(t, err, &ie)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	st.SLO, st.TargetTPS = &bench.SLO{Percentile: 99, Max: time.Microsecond}, 10
	st.Load.Requests, st.Load.Duration = 0, time.Second
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}}
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	assert.NoError(t, err, "an SLO of MinSLO, a sweep and a target are fine")
}

// TestPlanNamesTheStudyFieldAtFault: each problem carries the Study field it is about, so
// that code tells them apart without reading their wording; a compiled candidate without
// a role is one RoleARN problem, not a second one from its Neo job's validation.
func TestPlanNamesTheStudyFieldAtFault(t *testing.T) {
	t.Parallel()
	st := newStudy(t,
		sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"},
		sagebench.Candidate{Name: "g9", InstanceType: "ml.g9.xlarge"},
		sagebench.Candidate{Name: "c5+inf", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLInf1})
	st.RoleARN, st.TargetTPS = "", -1
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	assert.ElementsMatch(t, []string{"RoleARN", "TargetTPS", "Candidates[1].InstanceType", "Candidates[2].Target"}, fields,
		"one problem per mistake, each of its field:\n%s", err)
}

// Plan refuses a study before any AWS call with an *invalid.Error that lists every
// problem, each with the Study field at fault.
func ExampleStudy_Plan() {
	st := sagebench.Study{
		Model:      sagebench.S3Model("s3://my-models/resnet50/model.tar.gz"),
		RoleARN:    "arn:aws:iam::123456789012:role/SageMakerRole",
		Candidates: []sagebench.Candidate{{Name: "g9", InstanceType: "ml.g9.xlarge"}},
		Load:       bench.Config{Concurrency: 4, Duration: time.Minute, Payloads: []payload.Payload{{Name: "x", Body: []byte("x")}}},
		Prices:     cost.Study2021,
		TargetTPS:  -1,
	}
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})

	var ie *invalid.Error
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Println(p.Field)
		}
	}
	// Output:
	// TargetTPS
	// Candidates[0].InstanceType
}

// A Neo job problem that comes from a Study field every compiled candidate shares
// (InputShapes, EntryPoint, Framework, NeoVersions) is filed once, under that field, not
// under each compiled candidate's Target; and a Journal that OpenJournal did not open is
// refused as the Journal field.
func TestPlanFilesNeoJobProblemsUnderTheStudyFieldOnce(t *testing.T) {
	t.Parallel()
	st := newStudy(t,
		sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLC5},
		sagebench.Candidate{Name: "c5-2x", InstanceType: "ml.c5.2xlarge", Target: neo.TargetMLC5},
		sagebench.Candidate{Name: "inf1", InstanceType: "ml.inf1.xlarge", Target: neo.TargetMLInf1})
	st.InputShapes = map[string][]int{"input0": {1, 0}}
	st.EntryPoint = "code/inference.py"
	st.Journal = &sagemaker.Journal{}
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	assert.ElementsMatch(t, []string{"InputShapes", "EntryPoint", "Journal"}, fields, "one problem per mistake, each of its field:\n%s", err)

	st = newStudy(t, sagebench.Candidate{Name: "inf1", InstanceType: "ml.inf1.xlarge", Target: neo.TargetMLInf1})
	st.NeoVersions = map[neo.Target]string{neo.TargetMLInf1: "x"}
	_, err = st.Plan(aws.Config{Region: "eu-west-1"})
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "NeoVersions[ml_inf1]", ie.Problems[0].Field, "%s", err)
}

// A journal that cannot record the run's creates is refused by Plan as the Journal
// field, before Run creates anything: a closed one, and one of a run in another region
// (a journal serves one region, so every create would be refused mid-run).
func TestPlanRefusesAJournalThatCannotRecordTheRun(t *testing.T) {
	t.Parallel()
	closed, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "closed.journal"))
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	other, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "other.journal"))
	require.NoError(t, err)
	defer other.Close()
	require.NoError(t, journal.Of(other).CreatingIn("us-east-1", journal.KindModel, "m")) // as a Client in us-east-1 does
	for name, j := range map[string]*sagemaker.Journal{"closed": closed, "other region": other} {
		t.Run(name, func(t *testing.T) {
			st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
			st.Journal = j
			_, err := st.Plan(aws.Config{Region: "eu-west-1"})
			var ie *invalid.Error
			require.ErrorAs(t, err, &ie)
			require.Len(t, ie.Problems, 1, "%s", err)
			assert.Equal(t, "Journal", ie.Problems[0].Field)
		})
	}
}

// A candidate's Env that CreateModel would refuse (a name outside [a-zA-Z_][a-zA-Z0-9_]*)
// is refused by Plan as that candidate's Env, not by Deploy once the model is uploaded.
func TestPlanRefusesACandidateEnvSageMakerWouldRefuse(t *testing.T) {
	t.Parallel()
	st := newStudy(t,
		sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"},
		sagebench.Candidate{Name: "c5-env", InstanceType: "ml.c5.xlarge", Env: map[string]string{"OMP-NUM-THREADS": "1"}})
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Problems, 1, "%s", err)
	assert.Equal(t, "Candidates[1].Env", ie.Problems[0].Field)
	assert.Contains(t, ie.Problems[0].Message, "OMP-NUM-THREADS")
}

// Plan and Run of a nil *Study are errors, never a panic.
func TestPlanAndRunOfANilStudyAreErrors(t *testing.T) {
	t.Parallel()
	var st *sagebench.Study
	if _, err := st.Plan(aws.Config{Region: "eu-west-1"}); err == nil {
		t.Error("Plan = nil; want an error")
	}
	if _, err := st.Run(context.Background(), aws.Config{Region: "eu-west-1"}); err == nil {
		t.Error("Run = nil; want an error")
	}
}
