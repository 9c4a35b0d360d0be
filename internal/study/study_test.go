package study

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
)

const role = "arn:aws:iam::123456789012:role/SageMakerRole"

// The images the SageMaker Python SDK resolves in eu-west-1 for what the notebook set:
// PyTorchModel(framework_version=..., py_version="py3"), compiled or not.
var studyImages = map[string]string{
	"c5":       "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3",
	"g4dn":     "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.6-gpu-py3",
	"inf1":     "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3",
	"c5+neo":   "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-cpu-py3",
	"g4dn+neo": "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-gpu-py3",
	"inf1+neo": "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3",
}

func TestImagesAreWhatTheSDKResolves(t *testing.T) {
	for _, c := range Configs {
		img, err := c.Image("eu-west-1")
		require.NoError(t, err, c.Label)
		assert.Equal(t, studyImages[c.Label], img, c.Label)
	}
}

// The configurations are exactly the study's (../shared/data/study-2021-configs.csv).
func TestConfigsAreTheStudysNotebook(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "study-2021-configs.csv"))
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"config", "instance_type", "compiled", "neo_target", "framework_version"}, rows[0])
	for _, row := range rows[1:] {
		c, ok := Find(row[0])
		require.True(t, ok, row[0])
		assert.Equal(t, row[1], c.InstanceType, row[0])
		assert.Equal(t, row[2] == "yes", c.Compiled(), row[0])
		assert.Equal(t, row[3], string(c.Target), row[0])
		assert.Equal(t, row[4], c.FrameworkVersion, row[0])
	}
	assert.Len(t, rows[1:], len(Configs)-1, "every configuration but inf1 (not in the study) comes from the CSV")
}

func TestModelPicksTheImage(t *testing.T) {
	for _, label := range []string{"c5", "g4dn", "inf1"} {
		c, ok := Find(label)
		require.True(t, ok)
		m, err := c.Model("s3://bkt/model.tar.gz", role, "eu-west-1", "inference.py", nil)
		require.NoError(t, err, label)
		assert.Equal(t, studyImages[label], m.Image, label)
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

func TestJobUsesTheStudysVersions(t *testing.T) {
	for label, want := range map[string]string{"inf1+neo": "1.7", "c5+neo": "1.6", "g4dn+neo": "1.6"} {
		c, _ := Find(label)
		j, err := c.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out/", "inference.py")
		require.NoError(t, err, label)
		assert.Equal(t, want, j.FrameworkVersion, label)
		assert.Equal(t, "s3://bkt/out/"+string(c.Target), j.OutputURL)
		assert.NoError(t, j.Validate())
	}
	plain, _ := Find("c5")
	_, err := plain.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out", "inference.py")
	assert.Error(t, err)
	misfit := Config{Label: "bad", InstanceType: "ml.inf2.xlarge", Target: neo.TargetMLInf1, FrameworkVersion: "1.7"}
	_, err = misfit.Job("s3://bkt/model.tar.gz", role, "s3://bkt/out", "inference.py")
	assert.ErrorContains(t, err, "compile for ml_inf2")
}

func TestConfigsCoverTheStudy(t *testing.T) {
	assert.Equal(t, []string{"c5", "c5+neo", "g4dn", "g4dn+neo", "inf1", "inf1+neo"}, Labels())
	_, ok := Find("p3")
	assert.False(t, ok)
}

func Example() {
	for _, c := range Configs {
		fmt.Printf("%-9s %-15s compiled=%-5v pytorch %s\n", c.Label, c.InstanceType, c.Compiled(), c.FrameworkVersion)
	}
	// Output:
	// c5        ml.c5.xlarge    compiled=false pytorch 1.7
	// c5+neo    ml.c5.xlarge    compiled=true  pytorch 1.6
	// g4dn      ml.g4dn.xlarge  compiled=false pytorch 1.6
	// g4dn+neo  ml.g4dn.xlarge  compiled=true  pytorch 1.6
	// inf1      ml.inf1.xlarge  compiled=false pytorch 1.7
	// inf1+neo  ml.inf1.xlarge  compiled=true  pytorch 1.7
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
