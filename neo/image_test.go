package neo

import (
	"errors"
	"strings"
	"testing"
)

// ImageURI is catalog.Resolve (tested against every entry of the SDK's JSON there); these
// pin what neo adds: the study's targets, the "neo: " prefix and the typed error.
func TestImageURIForStudyTargets(t *testing.T) {
	cases := []struct {
		region  string
		target  Target
		version string
		want    string
	}{
		{"eu-west-1", TargetMLC5, "1.6", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-cpu-py3"},
		{"eu-west-1", TargetMLG4dn, "1.6", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-gpu-py3"},
		{"eu-west-1", TargetMLInf1, "1.7", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3"},
		{"us-east-1", TargetMLInf1, "1.9", "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-neo-pytorch:1.9-inf-py3"},
		{"us-west-2", TargetMLC5, "2.0", "301217895009.dkr.ecr.us-west-2.amazonaws.com/sagemaker-inference-pytorch:2.0-cpu-py3"},
		{"cn-north-1", TargetMLC5, "1.8", "472730292857.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-inference-pytorch:1.8-cpu-py3"},
	}
	for _, tc := range cases {
		got, err := ImageURI(tc.region, tc.target, PyTorch, tc.version)
		if err != nil || got != tc.want {
			t.Errorf("ImageURI(%s, %s, %s) = %q, %v; want %q", tc.region, tc.target, tc.version, got, err, tc.want)
		}
	}
}

func TestImageURIRefusesUnknowns(t *testing.T) {
	cases := []struct {
		region    string
		target    Target
		framework Framework
		version   string
		want      string
	}{
		{"eu-west-1", TargetMLC5, PyTorch, "1.9", `no version "1.9"`},
		{"eu-west-1", TargetMLInf1, PyTorch, "1.5.1", "1.7, 1.8, 1.9"}, // the SDK dropped 1.5.1
		{"mars-north-1", TargetMLC5, PyTorch, "1.8", `region "mars-north-1"`},
		{"eu-west-1", TargetMLC5, ONNX, "1.0", "onnx"},
		{"eu-west-1", TargetJetsonNano, PyTorch, "1.8", "not a SageMaker hosting family"},
		{"us-east-2", TargetMLInf2, PyTorch, "1.13", "ml_inf2"},
	}
	for _, tc := range cases {
		got, err := ImageURI(tc.region, tc.target, tc.framework, tc.version)
		var ne *NoImageError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "neo: ") {
			t.Errorf("ImageURI(%s, %s, %s, %s) = %q, %v; want a *NoImageError mentioning %q", tc.region, tc.target, tc.framework, tc.version, got, err, tc.want)
		}
	}
}

func TestContainerEnv(t *testing.T) {
	env := ContainerEnv("eu-west-1", PyTorch, "")
	want := map[string]string{
		"SAGEMAKER_PROGRAM":             "inference.py",
		"SAGEMAKER_SUBMIT_DIRECTORY":    "/opt/ml/model/code",
		"SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
		"SAGEMAKER_REGION":              "eu-west-1",
		"MMS_DEFAULT_RESPONSE_TIMEOUT":  "500",
	}
	if len(env) != len(want) {
		t.Errorf("ContainerEnv = %v; want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("ContainerEnv[%s] = %q; want %q", k, env[k], v)
		}
	}
	if got := ContainerEnv("us-east-1", MXNet, "serve.py")[EnvProgram]; got != "serve.py" {
		t.Errorf("entry point = %q; want serve.py", got)
	}
	if got := ContainerEnv("us-east-1", XGBoost, ""); len(got) != 1 || got[EnvRegion] != "us-east-1" {
		t.Errorf("ContainerEnv(XGBOOST) = %v; want only the region", got)
	}
}
