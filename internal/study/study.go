// Package study defines the reference study once, for the examples that run it (the
// offline quickstart and the real examples/resnet50): its six configurations with the
// PyTorch version of each, the images the SageMaker Python SDK resolves for them, and how
// each configuration becomes a Neo job and a SageMaker model.
package study

import (
	"fmt"
	"strings"
	"time"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
)

// Config is one configuration of the study: an instance type, compiled with Neo for Target
// or not compiled at all, from a model saved with PyTorch FrameworkVersion.
type Config struct {
	Label        string
	InstanceType string
	Target       neo.Target // "" for an uncompiled model
	// FrameworkVersion is the PyTorchModel framework_version the study's notebook set
	// (../shared/data/study-2021-configs.csv): it picks the serving image, and Neo is told it.
	FrameworkVersion string
	Note             string // shown under the report when set
}

// Configs are the study's five configurations, each with the PyTorch version its notebook
// used (1.7 for c5 and inf1+neo, 1.6 for the others), plus inf1 without Neo: an
// uncompiled PyTorch model cannot use the NeuronCores, so it runs on the instance's four
// vCPUs, from the same PyTorch 1.7 model as inf1+neo. The study did not measure that one,
// and its note says so.
var Configs = []Config{
	{"c5", "ml.c5.xlarge", "", "1.7", ""},
	{"c5+neo", "ml.c5.xlarge", neo.TargetMLC5, "1.6", ""},
	{"g4dn", "ml.g4dn.xlarge", "", "1.6", ""},
	{"g4dn+neo", "ml.g4dn.xlarge", neo.TargetMLG4dn, "1.6", ""},
	{"inf1", "ml.inf1.xlarge", "", "1.7", "not in the study: an uncompiled model runs on the inf1's vCPUs"},
	{"inf1+neo", "ml.inf1.xlarge", neo.TargetMLInf1, "1.7", ""},
}

const (
	// PyVersion is the notebook's py_version.
	PyVersion = "py3"
	// MaxCompileTime bounds a Neo job: the study's inf1 job needed about 1000 s.
	MaxCompileTime = 1000 * time.Second
)

// InputShape is ResNet50's input: one 224x224 RGB image.
var InputShape = []int{1, 3, 224, 224}

// Find returns the configuration with the given label.
func Find(label string) (Config, bool) {
	for _, c := range Configs {
		if c.Label == label {
			return c, true
		}
	}
	return Config{}, false
}

// Labels lists the configurations' labels in order.
func Labels() []string {
	out := make([]string, len(Configs))
	for i, c := range Configs {
		out[i] = c.Label
	}
	return out
}

// Compiled reports whether the configuration runs a Neo-compiled model.
func (c Config) Compiled() bool { return c.Target != "" }

// Job is the Neo compilation job of a compiled configuration, writing under outputURL/target.
func (c Config) Job(modelURL, roleARN, outputURL, entryPoint string) (neo.Job, error) {
	if !c.Compiled() {
		return neo.Job{}, fmt.Errorf("study: %s is not compiled", c.Label)
	}
	if err := c.Target.CheckServes(c.InstanceType); err != nil {
		return neo.Job{}, fmt.Errorf("study: %s: %w", c.Label, err)
	}
	return neo.Job{
		Name:             sagemaker.UniqueName("resnet50-" + Dashed(string(c.Target))),
		ModelDataURL:     modelURL,
		RoleARN:          roleARN,
		Framework:        neo.PyTorch,
		FrameworkVersion: c.FrameworkVersion,
		InputShapes:      map[string][]int{"input0": InputShape},
		Target:           c.Target,
		OutputURL:        strings.TrimSuffix(outputURL, "/") + "/" + string(c.Target),
		MaxRuntime:       MaxCompileTime,
		EntryPoint:       entryPoint,
	}, nil
}

// Image is the serving image the SageMaker Python SDK resolves for the configuration in
// region: Neo's image for the target when compiled, else the pytorch-inference image (its
// CPU image on inf1, since only Neuron-compiled models can use the NeuronCores).
func (c Config) Image(region string) (string, error) {
	if c.Compiled() {
		return neo.ImageURI(region, c.Target, neo.PyTorch, c.FrameworkVersion)
	}
	spec := sagemaker.ImageSpec{Region: region, FrameworkVersion: c.FrameworkVersion, PyVersion: PyVersion, InstanceType: c.InstanceType}
	if p, _ := sagemaker.ProcessorFor(c.InstanceType); p == sagemaker.Inferentia {
		spec.InstanceType, spec.Processor = "", sagemaker.CPU
	}
	return sagemaker.PyTorchImage(spec)
}

// Model is the SageMaker model of the configuration: the compiled artifact with Neo's image
// and environment, or the uploaded archive with the pytorch-inference image (its CPU image
// on inf1, since only Neuron-compiled models can use the NeuronCores).
func (c Config) Model(modelURL, roleARN, region, entryPoint string, compiled *neo.CompiledModel) (sagemaker.ModelSpec, error) {
	m := sagemaker.ModelSpec{
		Name:         sagemaker.UniqueName("resnet50-" + Dashed(c.Label)),
		ModelDataURL: modelURL,
		RoleARN:      roleARN,
		Env:          sagemaker.PyTorchEnv(entryPoint, region),
	}
	if c.Compiled() {
		if compiled == nil {
			return m, fmt.Errorf("study: %s: no compiled model for %s", c.Label, c.Target)
		}
		m.Image, m.ModelDataURL, m.Env = compiled.Image, compiled.ArtifactURL, compiled.Env
		return m, nil
	}
	img, err := c.Image(region)
	m.Image = img
	return m, err
}

// Dashed turns a label or target into a resource-name part: "g4dn+neo" gives "g4dn-neo".
func Dashed(s string) string {
	return strings.NewReplacer("+", "-", "_", "-", ".", "-").Replace(s)
}
