package sagebench_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/sagebench/sagebench/invalid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An uncompiled candidate may serve a model saved with another version than the study's;
// the image follows it. A compiled one's version is its target's Neo job's.
func TestCandidateFrameworkVersionPicksItsImage(t *testing.T) {
	t.Parallel()
	cs := study3() // c5, c5+neo, g4dn
	cs[0].FrameworkVersion = "1.7"
	st := newStudy(t, cs...)
	img, err := st.Image("eu-west-1", cs[0])
	require.NoError(t, err)
	assert.Equal(t, "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3", img)
	img, err = st.Image("eu-west-1", cs[2])
	require.NoError(t, err)
	assert.Equal(t, "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3", img, "the study's version")
	img, err = st.Image("eu-west-1", cs[1])
	require.NoError(t, err)
	assert.Equal(t, "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8.1-cpu-py3", img)

	cs[1].FrameworkVersion = "1.6"
	st = newStudy(t, cs...)
	_, err = st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "FrameworkVersion is for uncompiled candidates")
}
