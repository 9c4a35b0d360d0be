package study

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
)

const role = "arn:aws:iam::123456789012:role/SageMakerRole"

func TestModelPicksTheImage(t *testing.T) {
	for label, want := range map[string]string{
		"c5":   "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		"g4dn": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3",
		"inf1": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
	} {
		c, ok := Find(label)
		require.True(t, ok)
		m, err := c.Model("s3://bkt/model.tar.gz", role, "eu-west-1", "inference.py", nil)
		require.NoError(t, err, label)
		assert.Equal(t, want, m.Image, label)
		assert.Equal(t, "s3://bkt/model.tar.gz", m.ModelDataURL)
		assert.Regexp(t, regexp.MustCompile(`^resnet50-`+Dashed(label)+`-\d{4}-`), m.Name)
		assert.NoError(t, m.Validate())
	}
}

func TestModelOfCompiledConfigUsesTheArtifact(t *testing.T) {
	c, _ := Find("inf1+neo")
	_, err := c.Model("s3://bkt/model.tar.gz", role, "eu-west-1", "inference.py", nil)
	assert.ErrorContains(t, err, "no compiled model")
	cm := &neo.CompiledModel{ArtifactURL: "s3://bkt/out/model-ml_inf1.tar.gz", Image: "img", Env: map[string]string{"A": "1"}}
	m, err := c.Model("s3://bkt/model.tar.gz", role, "eu-west-1", "inference.py", cm)
	require.NoError(t, err)
	assert.Equal(t, cm.ArtifactURL, m.ModelDataURL)
	assert.Equal(t, "img", m.Image)
}

func TestJobUsesNeosVersions(t *testing.T) {
	inf1, _ := Find("inf1+neo")
	j, err := inf1.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out/", "inference.py")
	require.NoError(t, err)
	assert.Equal(t, InferentiaVersion, j.FrameworkVersion)
	assert.Equal(t, "s3://bkt/out/ml_inf1", j.OutputURL)
	assert.NoError(t, j.Validate())
	c5, _ := Find("c5+neo")
	j, _ = c5.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out", "inference.py")
	assert.Equal(t, FrameworkVersion, j.FrameworkVersion)
	plain, _ := Find("c5")
	_, err = plain.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out", "inference.py")
	assert.Error(t, err)
}

func TestConfigsCoverTheStudy(t *testing.T) {
	assert.Equal(t, []string{"c5", "c5+neo", "g4dn", "g4dn+neo", "inf1", "inf1+neo"}, Labels())
	_, ok := Find("p3")
	assert.False(t, ok)
}

func Example() {
	for _, c := range Configs {
		fmt.Printf("%-9s %-15s compiled=%v\n", c.Label, c.InstanceType, c.Compiled())
	}
	// Output:
	// c5        ml.c5.xlarge    compiled=false
	// c5+neo    ml.c5.xlarge    compiled=true
	// g4dn      ml.g4dn.xlarge  compiled=false
	// g4dn+neo  ml.g4dn.xlarge  compiled=true
	// inf1      ml.inf1.xlarge  compiled=false
	// inf1+neo  ml.inf1.xlarge  compiled=true
}

func TestPriceTable(t *testing.T) {
	// eu-west-1: only the 2021 snapshot prices c5, g4dn and inf1 together.
	tbl, err := PriceTable("auto", "eu-west-1", Configs)
	require.NoError(t, err)
	assert.Equal(t, cost.Study2021, tbl)
	tbl, err = PriceTable("current", "eu-west-1", Configs)
	require.NoError(t, err)
	assert.Equal(t, cost.Current, tbl)
	_, err = PriceTable("cheapest", "eu-west-1", Configs)
	assert.ErrorContains(t, err, "-prices")
}
