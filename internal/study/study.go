// Package study defines the reference study once, for the examples that run it (the
// offline quickstart and the real examples/resnet50): its six candidates, the PyTorch
// versions of its images and Neo jobs, its inference code and the check of its answers.
// Everything else is sagebench.Study.
package study

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/neo"
)

// Candidates are the study's five configurations plus inf1 without Neo: an uncompiled
// PyTorch model cannot use the NeuronCores, so it runs on the instance's four vCPUs. The
// study did not measure that one, and its note says so.
func Candidates() []sagebench.Candidate {
	cs := sagebench.Matrix(sagebench.Grid{
		InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge", "ml.inf1.xlarge"},
		Compile:       []bool{false, true},
	})
	cs[4].Note = "not in the study: an uncompiled model runs on the inf1's vCPUs"
	return cs
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
	// FrameworkVersion is the PyTorch version of the model, the pytorch-inference
	// images and the CPU/GPU Neo jobs, in the Python SDK's full form.
	FrameworkVersion = "1.8.1"
	// InferentiaVersion: Neo's Inferentia image exists for PyTorch 1.5.1 only (the Python
	// SDK's inferentia-pytorch.json), so the inf1 job compiles for it.
	InferentiaVersion = "1.5.1"
	// MaxCompileTime bounds a Neo job: the study's inf1 job needed about 1000 s.
	MaxCompileTime = 1000 * time.Second
)

// InputShape is ResNet50's input: one 224x224 RGB image.
var InputShape = []int{1, 3, 224, 224}

// Study is the reference study of model with role, ready for Load, Prices and bounds.
func Study(model sagebench.ModelSource, role string) sagebench.Study {
	return sagebench.Study{
		Name:             "resnet50",
		Model:            model,
		Framework:        neo.PyTorch,
		FrameworkVersion: FrameworkVersion,
		NeoVersions:      map[neo.Target]string{neo.TargetMLInf1: InferentiaVersion},
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
