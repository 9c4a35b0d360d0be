package sagebench_test

import (
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
	_, err = st.Plan(aws.Config{Region: "eu-west-1"})
	assert.NoError(t, err)
}
