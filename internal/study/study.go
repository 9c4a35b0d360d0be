// Package study defines the reference study once, for the examples that run it (the
// offline quickstart and the real examples/resnet50): its six candidates with the PyTorch
// version of each as the study's notebook set it, its inference code and the check of its
// answers. Everything else is sagebench.Study.
package study

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/neo"
)

// Candidates are the study's five configurations plus inf1 without Neo: an uncompiled
// PyTorch model cannot use the NeuronCores, so it runs on the instance's four vCPUs. The
// study did not measure that one, and its note says so. The notebook saved c5's and
// inf1+neo's models with PyTorch 1.7 and the others' with 1.6 (the shared record
// study-2021-configs.csv); uncompiled candidates carry their version, compiled ones get it
// from the Study's NeoVersions. inf1 without Neo serves inf1+neo's 1.7 model.
func Candidates() []sagebench.Candidate {
	cs := sagebench.Matrix(sagebench.Grid{
		InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge", "ml.inf1.xlarge"},
		Compile:       []bool{false, true},
	})
	cs[0].FrameworkVersion = "1.7" // c5
	cs[4].FrameworkVersion = "1.7" // inf1
	cs[4].Note = "not in the study: an uncompiled model runs on the inf1's vCPUs"
	return cs
}

// Version is the PyTorch version of the model candidate c serves in Study.
func Version(c sagebench.Candidate) string {
	switch {
	case c.FrameworkVersion != "":
		return c.FrameworkVersion
	case NeoVersions[c.Target] != "":
		return NeoVersions[c.Target]
	}
	return FrameworkVersion
}

// Labels lists the candidates' names in order.
func Labels() []string {
	var out []string
	for _, c := range Candidates() {
		out = append(out, c.Name)
	}
	return out
}

// Select returns the candidates named in a comma-separated list, in the list's order.
func Select(list string) ([]sagebench.Candidate, error) {
	byName := map[string]sagebench.Candidate{}
	for _, c := range Candidates() {
		byName[c.Name] = c
	}
	var out []sagebench.Candidate
	for l := range strings.SplitSeq(list, ",") {
		c, ok := byName[strings.TrimSpace(l)]
		if !ok {
			return nil, fmt.Errorf("unknown configuration %q (have %s)", strings.TrimSpace(l), strings.Join(Labels(), ","))
		}
		out = append(out, c)
	}
	return out, nil
}

const (
	// FrameworkVersion is the study's PyTorch version where a candidate does not say
	// otherwise: g4dn, and the ml_c5 and ml_g4dn Neo jobs.
	FrameworkVersion = "1.6"
	// MaxCompileTime bounds a Neo job: the study's inf1 job needed about 1000 s.
	MaxCompileTime = 1000 * time.Second
)

// NeoVersions are the Neo jobs' versions that differ from FrameworkVersion: the study
// compiled its inf1 model from PyTorch 1.7 (inferentia-pytorch lists 1.7, 1.8 and 1.9).
var NeoVersions = map[neo.Target]string{neo.TargetMLInf1: "1.7"}

// InputShape is ResNet50's input: one 224x224 RGB image.
var InputShape = []int{1, 3, 224, 224}

// Study is the reference study of model with role, ready for Load, Prices and bounds.
func Study(model sagebench.ModelSource, role string) sagebench.Study {
	return sagebench.Study{
		Name:             "resnet50",
		Model:            model,
		Framework:        neo.PyTorch,
		FrameworkVersion: FrameworkVersion,
		NeoVersions:      maps.Clone(NeoVersions),
		InputShapes:      map[string][]int{"input0": InputShape},
		CompileTimeout:   MaxCompileTime,
		RoleARN:          role,
		Candidates:       Candidates(),
		Check:            CheckAnswer,
	}
}

//go:embed code
var code embed.FS

// WriteCode writes the study's inference code (inference.py, requirements.txt) into
// dir/code and returns that directory, for LocalModel.CodeDir.
func WriteCode(dir string) (string, error) {
	sub, _ := fs.Sub(code, "code")
	out := filepath.Join(dir, "code")
	if err := os.CopyFS(out, sub); err != nil {
		return "", fmt.Errorf("writing the study's code: %w", err)
	}
	return out, nil
}

// CheckAnswer accepts the answer of the study's inference code, which is also the
// format of sagemakertest's default handler: {"predictions": [5 x {"class", "score"}]}.
func CheckAnswer(body []byte, _ string) error {
	var a struct {
		Predictions []struct {
			Class *int     `json:"class"`
			Score *float64 `json:"score"`
		} `json:"predictions"`
	}
	err := json.Unmarshal(body, &a)
	if err == nil && len(a.Predictions) == 5 {
		for _, p := range a.Predictions {
			if p.Class == nil || p.Score == nil {
				err = fmt.Errorf("missing class or score")
			}
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf(`answer is not {"predictions": [5 x {"class", "score"}]}: %.80q`, body)
}
