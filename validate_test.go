package sagebench_test

import (
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
)

func TestPlanRefusesControlCharactersInCandidateNames(t *testing.T) {
	st := newStudy(t,
		sagebench.Candidate{Name: "c5\n\n## injected", InstanceType: "ml.c5.xlarge"},
		sagebench.Candidate{Name: "g4dn\x1b[31m", InstanceType: "ml.g4dn.xlarge"},
		sagebench.Candidate{Name: `g5 | =HYPERLINK("x") \| *bold*`, InstanceType: "ml.g4dn.xlarge"})
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *sagebench.InputError
	require.ErrorAs(t, err, &ie)
	assert.Len(t, ie.Problems, 2, "printable names are escaped by the reports, not refused: %v", ie.Problems)
	assert.Contains(t, err.Error(), `candidate 1 "c5\n\n## injected": the name has a control character`)
	assert.Contains(t, err.Error(), `candidate 2 "g4dn\x1b[31m": the name has a control character`)
}

func TestPlanRefusesASweepStepThatLoadWouldReplace(t *testing.T) {
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2}, Step: bench.Config{Duration: 2 * time.Second}}
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	assert.ErrorContains(t, err, "Sweep.Step is set, but a Study measures every step with Load")

	st.Sweep.Step = bench.Config{}
	st.Load.Requests, st.Load.Duration = 0, time.Second // a sweep's windows are timed
	_, err = st.Plan(aws.Config{Region: "eu-west-1"})
	assert.NoError(t, err)
}

// TestPlanRefusesWhatTheLoadWouldRefuse: a load, a sweep ladder or an SLO that bench
// refuses is refused by Plan, before any endpoint is created for a run that would fail
// on every candidate once deployed; an SLO under bench.MinSLO (a unit slip) is refused
// rather than failing every candidate silently.
func TestPlanRefusesWhatTheLoadWouldRefuse(t *testing.T) {
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
			var ie *sagebench.InputError
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
