package study

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestCandidatesCoverTheStudy(t *testing.T) {
	assert.Equal(t, []string{"c5", "c5+neo", "g4dn", "g4dn+neo", "inf1", "inf1+neo"}, Labels())
	cs := Candidates()
	assert.Equal(t, neo.TargetMLInf1, cs[5].Target)
	assert.NotEmpty(t, cs[4].Note)
	picked, err := Select("g4dn+neo, c5")
	require.NoError(t, err)
	assert.Equal(t, []string{"g4dn+neo", "c5"}, []string{picked[0].Name, picked[1].Name})
	_, err = Select("c5,p3")
	assert.ErrorContains(t, err, `unknown configuration "p3"`)
}

// The reference study is a valid sagebench.Study in eu-west-1: every image and Neo job
// of its six candidates resolves.
func TestStudyPlansInEuWest1(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.pth")
	require.NoError(t, os.WriteFile(model, []byte("w"), 0o644))
	codeDir, err := WriteCode(dir)
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(codeDir, "inference.py"))
	st := Study(sagebench.LocalModel{Files: []string{model}, CodeDir: codeDir}, "arn:aws:iam::123456789012:role/R")
	st.Region, st.Prices = "eu-west-1", cost.Study2021
	st.Load.Payloads = []payload.Payload{{Name: "x", Body: []byte{1}}}
	plan, err := st.Plan(aws.Config{Region: "eu-west-1"})
	require.NoError(t, err)
	assert.Equal(t, "sagemaker-eu-west-1-123456789012", plan.Bucket)
	assert.Len(t, plan.Bill.Lines, 6)
}

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
	st := Study(sagebench.S3Model("s3://bkt/model.tar.gz"), "arn:aws:iam::123456789012:role/R")
	for _, c := range Candidates() {
		img, err := st.Image("eu-west-1", c)
		require.NoError(t, err, c.Name)
		assert.Equal(t, studyImages[c.Name], img, c.Name)
	}
}

// The candidates are exactly the study's (testdata/study-2021-configs.csv, a verbatim copy of
// the study's configuration table kept in the repository): instance
// type, compiled or not, Neo target and the PyTorch version the notebook set.
func TestCandidatesAreTheStudysNotebook(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "study-2021-configs.csv"))
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"config", "instance_type", "compiled", "neo_target", "framework_version"}, rows[0])
	byName := map[string]sagebench.Candidate{}
	for _, c := range Candidates() {
		byName[c.Name] = c
	}
	for _, row := range rows[1:] {
		c, ok := byName[row[0]]
		require.True(t, ok, row[0])
		assert.Equal(t, row[1], c.InstanceType, row[0])
		assert.Equal(t, row[2] == "yes", c.Compiled(), row[0])
		assert.Equal(t, row[3], string(c.Target), row[0])
		assert.Equal(t, row[4], Version(c), row[0])
	}
	assert.Len(t, rows[1:], len(byName)-1, "every candidate but inf1 (not in the study) comes from the CSV")
}

// The emulator's default answer is the study code's format: one check for both.
func TestCheckAnswerAcceptsTheEmulatorsDefaultAnswer(t *testing.T) {
	img, err := payload.SyntheticJPEG(224, 224, 1)
	require.NoError(t, err)
	body, err := sagemakertest.ImageClassifier(t.Context(), "ep", img.Body, "application/x-image")
	require.NoError(t, err)
	assert.NoError(t, CheckAnswer(body, "application/json"))
	assert.Error(t, CheckAnswer([]byte(`{"top5":[1,2,3,4,5]}`), "application/json"))
	assert.Error(t, CheckAnswer([]byte(`{"predictions":[{"class":1}]}`), "application/json"))
}

func TestPriceTable(t *testing.T) {
	// eu-west-1: only the 2021 snapshot prices c5, g4dn and inf1 together.
	tbl, err := PriceTable("auto", "eu-west-1", Candidates())
	require.NoError(t, err)
	assert.Equal(t, cost.Study2021, tbl)
	tbl, err = PriceTable("current", "eu-west-1", Candidates())
	require.NoError(t, err)
	assert.Equal(t, cost.Current, tbl)
	_, err = PriceTable("cheapest", "eu-west-1", Candidates())
	assert.ErrorContains(t, err, "-prices")
}

func TestProgressLeavesLiveSnapshotsOutOfALog(t *testing.T) {
	var b bytes.Buffer
	p := Progress(&b)
	p(sagebench.Event{Kind: sagebench.EventDeploying, Candidate: "c5"})
	p(sagebench.Event{Kind: sagebench.EventMeasuring, Candidate: "c5"})
	p(sagebench.Event{Kind: sagebench.EventDeleted, Candidate: "c5"})
	assert.Equal(t, "c5: deploying\nc5: endpoint deleted\n", b.String())
}

func Example() {
	for _, c := range Candidates() {
		fmt.Printf("%-9s %-15s compiled=%v\n", c.Name, c.InstanceType, c.Compiled())
	}
	// Output:
	// c5        ml.c5.xlarge    compiled=false
	// c5+neo    ml.c5.xlarge    compiled=true
	// g4dn      ml.g4dn.xlarge  compiled=false
	// g4dn+neo  ml.g4dn.xlarge  compiled=true
	// inf1      ml.inf1.xlarge  compiled=false
	// inf1+neo  ml.inf1.xlarge  compiled=true
}
