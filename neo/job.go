package neo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// Framework is the framework a model was saved with, spelled as the
// CreateCompilationJob API spells it.
type Framework string

// Frameworks Neo compiles. The list is the SageMaker Python SDK's
// NEO_ALLOWED_FRAMEWORKS (src/sagemaker/model.py), upper-cased as the API wants.
const (
	PyTorch    Framework = "PYTORCH"
	TensorFlow Framework = "TENSORFLOW"
	MXNet      Framework = "MXNET"
	ONNX       Framework = "ONNX"
	Keras      Framework = "KERAS"
	TFLite     Framework = "TFLITE"
	XGBoost    Framework = "XGBOOST"
)

var frameworks = []Framework{PyTorch, TensorFlow, MXNet, ONNX, Keras, TFLite, XGBoost}

// Target is a device Neo compiles for (the API's OutputConfig.TargetDevice).
// Cloud targets are an instance family with "_" for ".": ml_c5 serves
// ml.c5.xlarge, ml.c5.2xlarge, ...
type Target string

// Cloud targets. The values are those of the SDK's types.TargetDevice enum.
const (
	TargetMLC4   Target = "ml_c4"
	TargetMLC5   Target = "ml_c5"
	TargetMLC6g  Target = "ml_c6g"
	TargetMLM4   Target = "ml_m4"
	TargetMLM5   Target = "ml_m5"
	TargetMLM6g  Target = "ml_m6g"
	TargetMLP2   Target = "ml_p2"
	TargetMLP3   Target = "ml_p3"
	TargetMLG4dn Target = "ml_g4dn"
	TargetMLInf1 Target = "ml_inf1"
	TargetMLInf2 Target = "ml_inf2"
	TargetMLTrn1 Target = "ml_trn1"
)

// A few edge targets. Any other value of the SDK's types.TargetDevice enum is
// accepted too: Target("rk3399").
const (
	TargetJetsonNano   Target = "jetson_nano"
	TargetJetsonXavier Target = "jetson_xavier"
	TargetRasp4b       Target = "rasp4b"
	TargetCoreML       Target = "coreml"
	TargetLambda       Target = "lambda"
)

// Cloud reports whether t is a SageMaker hosting instance family (ml_*), the
// only kind of target a compiled model can be deployed from with CreateModel.
func (t Target) Cloud() bool { return strings.HasPrefix(string(t), "ml_") }

// InstanceFamily is the instance type prefix t serves: "ml.c5" for ml_c5.
// It is empty for edge targets.
func (t Target) InstanceFamily() string {
	if !t.Cloud() {
		return ""
	}
	return "ml." + strings.TrimPrefix(string(t), "ml_")
}

// neuron reports whether t is an Inferentia or Trainium family, where Neo
// runs the Neuron compiler instead of TVM and supports fewer frameworks.
func (t Target) neuron() bool {
	return strings.HasPrefix(string(t), "ml_inf") || strings.HasPrefix(string(t), "ml_trn")
}

// Platform describes a target by OS, architecture and accelerator instead of
// a named device (the API's OutputConfig.TargetPlatform). Values are those of
// the SDK's TargetPlatformOs, TargetPlatformArch and TargetPlatformAccelerator
// enums, e.g. {"LINUX", "ARM64", "NVIDIA"}.
type Platform struct {
	OS          string
	Arch        string
	Accelerator string // optional
}

// String formats the platform as OS/Arch[/Accelerator].
func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Accelerator != "" {
		s += "/" + p.Accelerator
	}
	return s
}

// DefaultMaxRuntime is the compilation time limit when Job.MaxRuntime is zero:
// the SageMaker Python SDK's compile_max_run default and the API's advice.
// ResNet50 for ml_inf1 took longer than this in the reference study, which
// set 1000 s; Neuron targets usually need more than TVM ones.
const DefaultMaxRuntime = 900 * time.Second

// maxRuntimeLimit is the API's upper bound on StoppingCondition.MaxRuntimeInSeconds.
const maxRuntimeLimit = 28 * 24 * time.Hour

// DefaultEntryPoint is the inference script Neo's PyTorch and MXNet serving
// containers run when Job.EntryPoint is empty.
const DefaultEntryPoint = "inference.py"

// Job describes one compilation.
type Job struct {
	// Name of the compilation job; unique in the account and region,
	// 1-63 characters of letters, digits and hyphens.
	Name string
	// ModelDataURL is the s3:// URI of a model.tar.gz with the model file(s)
	// at its root (and inference code under code/).
	ModelDataURL string
	// RoleARN is the IAM role Neo assumes to read the model and write the output.
	RoleARN string
	// Framework the model was saved with.
	Framework Framework
	// FrameworkVersion is the version the model was saved with ("1.8" or
	// "1.8.1"). Sent, shortened to major.minor, only where the Python SDK
	// sends it; see Validate. Optional.
	FrameworkVersion string
	// InputShapes maps each input name to its shape, e.g.
	// {"input0": {1, 3, 224, 224}}. PyTorch inputs are named input0, input1, ...
	InputShapes map[string][]int
	// Target is the device to compile for. Exactly one of Target and
	// TargetPlatform is set.
	Target Target
	// TargetPlatform describes the device by OS and architecture instead.
	TargetPlatform *Platform
	// OutputURL is the s3:// prefix the compiled artifact is written under.
	OutputURL string
	// MaxRuntime bounds the compilation; zero means DefaultMaxRuntime.
	// Whole seconds.
	MaxRuntime time.Duration
	// EntryPoint is the inference script (inside the archive's code/) the
	// serving container runs; empty means DefaultEntryPoint. It only affects
	// CompiledModel.Env.
	EntryPoint string
	// Image, if set, is the inference image that serves the compiled model:
	// CompiledModel.Image when DescribeCompilationJob reports none, instead of
	// ImageURI's answer (which has none for ml_inf2 and ml_trn1). It is not sent.
	Image string
}

// maxRuntime returns the effective runtime bound.
func (j Job) maxRuntime() time.Duration {
	if j.MaxRuntime == 0 {
		return DefaultMaxRuntime
	}
	return j.MaxRuntime
}

// targetName names the job's target for messages: a device or a platform.
func (j Job) targetName() string {
	if j.TargetPlatform != nil {
		return j.TargetPlatform.String()
	}
	return string(j.Target)
}

// DataInputConfig returns the input shapes as the JSON object the API takes
// in InputConfig.DataInputConfig, e.g. {"input0":[1,3,224,224]}. Keys are in
// sorted order, so the same Job always produces the same bytes.
func (j Job) DataInputConfig() (string, error) {
	// encoding/json writes map keys in sorted order; that is the stability promise.
	b, err := json.Marshal(j.InputShapes)
	if err != nil {
		return "", fmt.Errorf("neo: encode input shapes of job %q: %w", j.Name, err)
	}
	return string(b), nil
}

// sendsFrameworkVersion reports whether the request carries FrameworkVersion.
// It follows the SageMaker Python SDK (model.py, _compilation_job_config,
// multi_version_compilation_supported): the version is sent for PyTorch and
// TensorFlow on the CPU/GPU cloud targets ml_c4, ml_c5, ml_m4, ml_m5, ml_p2,
// ml_p3, ml_g4dn, and for PyTorch, TensorFlow and MXNet on ml_inf1; everywhere
// else Neo picks the version itself and the field is left out. (SDK releases
// of 2021 left it out for every ml_inf target.)
func (j Job) sendsFrameworkVersion() bool {
	if j.FrameworkVersion == "" || j.TargetPlatform != nil {
		return false
	}
	switch j.Target {
	case TargetMLC4, TargetMLC5, TargetMLM4, TargetMLM5, TargetMLP2, TargetMLP3, TargetMLG4dn:
		return j.Framework == PyTorch || j.Framework == TensorFlow
	case TargetMLInf1:
		return j.Framework == PyTorch || j.Framework == TensorFlow || j.Framework == MXNet
	}
	return false
}

// shortVersion cuts a version to major.minor, as the Python SDK's
// utils.get_short_version does: "1.8.1" becomes "1.8".
func shortVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// request builds the CreateCompilationJob input. The job must be valid.
func (j Job) request() (*sagemaker.CreateCompilationJobInput, error) {
	dic, err := j.DataInputConfig()
	if err != nil {
		return nil, err
	}
	in := &sagemaker.CreateCompilationJobInput{
		CompilationJobName: aws.String(j.Name),
		RoleArn:            aws.String(j.RoleARN),
		InputConfig: &types.InputConfig{
			S3Uri:           aws.String(j.ModelDataURL),
			DataInputConfig: aws.String(dic),
			Framework:       types.Framework(j.Framework),
		},
		OutputConfig: &types.OutputConfig{
			S3OutputLocation: aws.String(j.OutputURL),
		},
		StoppingCondition: &types.StoppingCondition{
			MaxRuntimeInSeconds: aws.Int32(int32(j.maxRuntime() / time.Second)),
		},
	}
	if j.sendsFrameworkVersion() {
		in.InputConfig.FrameworkVersion = aws.String(shortVersion(j.FrameworkVersion))
	}
	if p := j.TargetPlatform; p != nil {
		in.OutputConfig.TargetPlatform = &types.TargetPlatform{
			Os:          types.TargetPlatformOs(p.OS),
			Arch:        types.TargetPlatformArch(p.Arch),
			Accelerator: types.TargetPlatformAccelerator(p.Accelerator),
		}
	} else {
		in.OutputConfig.TargetDevice = types.TargetDevice(j.Target)
	}
	return in, nil
}
