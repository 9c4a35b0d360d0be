package neo

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/sagebench/sagebench/invalid"
)

// studyJob is the reference study's ResNet50 job for target t.
func studyJob(t Target) Job {
	return Job{
		Name:             "resnet50-" + strings.ReplaceAll(string(t), "_", "-"),
		ModelDataURL:     "s3://sagebench-models/resnet50/model.tar.gz",
		RoleARN:          "arn:aws:iam::123456789012:role/service-role/SageMakerRole",
		Framework:        PyTorch,
		FrameworkVersion: "1.8.1",
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		Target:           t,
		OutputURL:        "s3://sagebench-models/resnet50/compiled",
	}
}

func TestDataInputConfigIsStableSortedJSON(t *testing.T) {
	j := Job{InputShapes: map[string][]int{"b": {1, 2}, "a": {3}, "input0": {1, 3, 224, 224}}}
	want := `{"a":[3],"b":[1,2],"input0":[1,3,224,224]}`
	for range 20 { // map iteration order varies run to run; the output must not
		got, err := j.DataInputConfig()
		if err != nil || got != want {
			t.Fatalf("DataInputConfig() = %q, %v; want %q", got, err, want)
		}
	}
}

func TestValidateAcceptsStudyJobs(t *testing.T) {
	for _, tg := range []Target{TargetMLC5, TargetMLG4dn, TargetMLInf1} {
		j := studyJob(tg)
		if err := j.Validate(); err != nil {
			t.Errorf("Validate(%s) = %v; want nil", tg, err)
		}
	}
	j := studyJob("")
	j.Name = "resnet50-arm64"
	j.TargetPlatform = &Platform{OS: "LINUX", Arch: "ARM64", Accelerator: "NVIDIA"}
	if err := j.Validate(); err != nil {
		t.Errorf("Validate(platform) = %v; want nil", err)
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Job)
		want   string // a fragment of the message
		field  string // the Job field it names
	}{
		{"no shapes", func(j *Job) { j.InputShapes = nil }, "input shapes are missing", "InputShapes"},
		{"zero dim", func(j *Job) { j.InputShapes["input0"][0] = 0 }, `input "input0" dimension 0 is 0`, "InputShapes"},
		{"negative dim", func(j *Job) { j.InputShapes["input0"] = []int{1, -3} }, "dimension 1 is -3", "InputShapes"},
		{"empty shape", func(j *Job) { j.InputShapes["input0"] = nil }, "has no dimensions", "InputShapes"},
		{"bad input name", func(j *Job) { j.InputShapes = map[string][]int{"in put": {1}} }, `input name "in put"`, "InputShapes"},
		{"huge config", func(j *Job) { j.InputShapes["input0"] = make1s(600) }, "the API takes at most 1024", "InputShapes"},
		{"bad name", func(j *Job) { j.Name = "resnet_50" }, `name "resnet_50"`, "Name"},
		{"long name", func(j *Job) { j.Name = strings.Repeat("a", 64) }, "1-63", "Name"},
		{"http model", func(j *Job) { j.ModelDataURL = "https://bucket/model.tar.gz" }, "not an s3:// URI", "ModelDataURL"},
		{"no key", func(j *Job) { j.ModelDataURL = "s3://sagebench-models" }, "names a bucket but no object", "ModelDataURL"},
		{"not tar.gz", func(j *Job) { j.ModelDataURL = "s3://sagebench-models/model.pt" }, "must name a .tar.gz", "ModelDataURL"},
		{"upper bucket", func(j *Job) { j.OutputURL = "s3://My-Bucket/out" }, "lowercase letters", "OutputURL"},
		{"short bucket", func(j *Job) { j.OutputURL = "s3://ab/out" }, "3-63 characters", "OutputURL"},
		{"ip bucket", func(j *Job) { j.OutputURL = "s3://192.168.5.4/out" }, "IP address", "OutputURL"},
		{"dots bucket", func(j *Job) { j.OutputURL = "s3://a..b/out" }, "adjacent dots", "OutputURL"},
		{"hyphen end", func(j *Job) { j.OutputURL = "s3://bucket-/out" }, "start and end", "OutputURL"},
		{"role", func(j *Job) { j.RoleARN = "SageMakerRole" }, "role ARN", "RoleARN"},
		{"framework", func(j *Job) { j.Framework = "pytorch" }, `framework "pytorch" is not one Neo compiles`, "Framework"},
		{"darknet", func(j *Job) { j.Framework = "DARKNET" }, "not one Neo compiles", "Framework"},
		{"version", func(j *Job) { j.FrameworkVersion = "latest" }, `framework version "latest"`, "FrameworkVersion"},
		{"no target", func(j *Job) { j.Target = "" }, "set a target device", "Target"},
		{"both targets", func(j *Job) { j.TargetPlatform = &Platform{OS: "LINUX", Arch: "X86_64"} }, "not both", "TargetPlatform"},
		{"instance type", func(j *Job) { j.Target = "ml.c5.xlarge" }, "did you mean ml_c5?", "Target"},
		{"unknown target", func(j *Job) { j.Target = "ml_c9" }, `target "ml_c9" is not a Neo target`, "Target"},
		{"onnx on inf1", func(j *Job) { j.Target, j.Framework = TargetMLInf1, ONNX }, "Neo does not compile ONNX models for ml_inf1 (it supports PYTORCH, TENSORFLOW, MXNET there)", "Framework"},
		{"xgboost on inf1", func(j *Job) { j.Target, j.Framework = TargetMLInf1, XGBoost }, "XGBOOST models for ml_inf1", "Framework"},
		{"mxnet on inf2", func(j *Job) { j.Target, j.Framework = TargetMLInf2, MXNet }, "MXNET models for ml_inf2", "Framework"},
		{"keras on trn1", func(j *Job) { j.Target, j.Framework = TargetMLTrn1, Keras }, "KERAS models for ml_trn1", "Framework"},
		{"platform os", func(j *Job) { j.Target, j.TargetPlatform = "", &Platform{OS: "WINDOWS", Arch: "X86_64"} }, `OS "WINDOWS"`, "TargetPlatform.OS"},
		{"platform accel", func(j *Job) {
			j.Target, j.TargetPlatform = "", &Platform{OS: "LINUX", Arch: "ARM64", Accelerator: "TPU"}
		}, `accelerator "TPU"`, "TargetPlatform.Accelerator"},
		{"negative runtime", func(j *Job) { j.MaxRuntime = -time.Second }, "negative", "MaxRuntime"},
		{"fractional runtime", func(j *Job) { j.MaxRuntime = 1500 * time.Millisecond }, "whole number of seconds", "MaxRuntime"},
		{"runtime too long", func(j *Job) { j.MaxRuntime = 29 * 24 * time.Hour }, "exceeds the API limit", "MaxRuntime"},
		{"entry path", func(j *Job) { j.EntryPoint = "code/inference.py" }, "entry point", "EntryPoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := studyJob(TargetMLC5)
			j.InputShapes = map[string][]int{"input0": {1, 3, 224, 224}} // fresh map per case
			tc.modify(&j)
			err := j.Validate()
			var ie *invalid.Error
			if !errors.As(err, &ie) || len(ie.Problems) != 1 {
				t.Fatalf("Validate() = %v; want an *invalid.Error of one problem", err)
			}
			if p := ie.Problems[0]; !strings.Contains(p.Message, tc.want) || p.Field != tc.field {
				t.Errorf("Validate()'s problem = %+v; want field %s and a message containing %q", p, tc.field, tc.want)
			}
			if !strings.HasPrefix(err.Error(), `invalid Neo compilation job "`) {
				t.Errorf("Validate() = %q; want it to say which job is invalid", err)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	err := Job{}.Validate()
	var ie *invalid.Error
	if !errors.As(err, &ie) || len(ie.Problems) < 6 {
		t.Fatalf("Validate(empty job) = %v; want one problem each for name, model URL, output URL, role, framework, target, shapes", err)
	}
}

func TestRequestFollowsPythonSDKFrameworkVersionRules(t *testing.T) {
	cases := []struct {
		target    Target
		framework Framework
		want      string // "" = field left out
	}{
		{TargetMLC5, PyTorch, "1.8"}, // shortened from 1.8.1
		{TargetMLG4dn, PyTorch, "1.8"},
		{TargetMLC5, TensorFlow, "1.8"},
		{TargetMLInf1, PyTorch, "1.8"},
		{TargetMLInf1, MXNet, "1.8"},
		{TargetMLC5, MXNet, ""}, // Neo picks MXNet's version on CPU targets
		{TargetMLC5, ONNX, ""},
		{TargetMLC6g, PyTorch, ""}, // not in NEO_IOC_TARGET_DEVICES
		{TargetMLInf2, PyTorch, ""},
		{TargetJetsonNano, PyTorch, ""},
	}
	for _, tc := range cases {
		j := studyJob(tc.target)
		j.Framework = tc.framework
		in, err := j.request()
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(in.InputConfig.FrameworkVersion); got != tc.want {
			t.Errorf("%s on %s: FrameworkVersion = %q; want %q", tc.framework, tc.target, got, tc.want)
		}
	}
}

func TestRequestCarriesJob(t *testing.T) {
	j := studyJob(TargetMLInf1)
	j.MaxRuntime = 1000 * time.Second
	in, err := j.request()
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"name":      {aws.ToString(in.CompilationJobName), "resnet50-ml-inf1"},
		"role":      {aws.ToString(in.RoleArn), j.RoleARN},
		"s3":        {aws.ToString(in.InputConfig.S3Uri), j.ModelDataURL},
		"shapes":    {aws.ToString(in.InputConfig.DataInputConfig), `{"input0":[1,3,224,224]}`},
		"framework": {string(in.InputConfig.Framework), "PYTORCH"},
		"output":    {aws.ToString(in.OutputConfig.S3OutputLocation), j.OutputURL},
		"target":    {string(in.OutputConfig.TargetDevice), "ml_inf1"},
	}
	for k, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %q; want %q", k, v[0], v[1])
		}
	}
	if got := aws.ToInt32(in.StoppingCondition.MaxRuntimeInSeconds); got != 1000 {
		t.Errorf("MaxRuntimeInSeconds = %d; want 1000", got)
	}
	j.MaxRuntime = 0
	in, _ = j.request()
	if got := aws.ToInt32(in.StoppingCondition.MaxRuntimeInSeconds); got != 900 {
		t.Errorf("default MaxRuntimeInSeconds = %d; want 900", got)
	}

	j.Target, j.TargetPlatform = "", &Platform{OS: "LINUX", Arch: "ARM64", Accelerator: "NVIDIA"}
	in, _ = j.request()
	want := types.TargetPlatform{Os: "LINUX", Arch: "ARM64", Accelerator: "NVIDIA"}
	if p := in.OutputConfig.TargetPlatform; p == nil || p.Os != want.Os || p.Arch != want.Arch || p.Accelerator != want.Accelerator || in.OutputConfig.TargetDevice != "" {
		t.Errorf("platform request = %+v / device %q; want %+v and no device", p, in.OutputConfig.TargetDevice, want)
	}
}

func TestTargetNamesMatchSDKEnum(t *testing.T) {
	all := map[types.TargetDevice]bool{}
	for _, v := range types.TargetDevice("").Values() {
		all[v] = true
	}
	for _, tg := range []Target{TargetMLC4, TargetMLC5, TargetMLC6g, TargetMLM4, TargetMLM5, TargetMLM6g,
		TargetMLP2, TargetMLP3, TargetMLG4dn, TargetMLInf1, TargetMLInf2, TargetMLTrn1,
		TargetJetsonNano, TargetJetsonXavier, TargetRasp4b, TargetCoreML, TargetLambda} {
		if !all[types.TargetDevice(tg)] {
			t.Errorf("target %q is not in the SDK's TargetDevice enum", tg)
		}
	}
	for _, f := range frameworks {
		found := false
		for _, v := range types.Framework("").Values() {
			found = found || string(v) == string(f)
		}
		if !found {
			t.Errorf("framework %q is not in the SDK's Framework enum", f)
		}
	}
	if got := TargetMLG4dn.InstanceFamily(); got != "ml.g4dn" {
		t.Errorf("InstanceFamily(ml_g4dn) = %q; want ml.g4dn", got)
	}
	if TargetJetsonNano.Cloud() || TargetJetsonNano.InstanceFamily() != "" {
		t.Error("jetson_nano reported as a cloud target")
	}
}

func make1s(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
