package neo

import (
	"strings"
	"testing"
)

// The expected URIs follow the SageMaker Python SDK: accounts from
// image_uri_config/neo-pytorch.json and inferentia-pytorch.json (eu-west-1
// 802834080501, us-east-1 785573368785), tags as in
// tests/unit/sagemaker/image_uris/test_neo.py (<version>-<processor>-py3 in
// sagemaker-inference-pytorch; <version>-inf-py3 in sagemaker-neo-pytorch).
func TestImageURIForStudyTargets(t *testing.T) {
	cases := []struct {
		region  string
		target  Target
		version string
		want    string
	}{
		{"eu-west-1", TargetMLC5, "1.8", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3"},
		{"eu-west-1", TargetMLG4dn, "1.8", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-gpu-py3"},
		{"eu-west-1", TargetMLInf1, "1.5.1", "802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.5.1-inf-py3"},
		{"us-east-1", TargetMLC5, "1.8", "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3"},
		{"us-east-1", TargetMLG4dn, "1.8", "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-inference-pytorch:1.8-gpu-py3"},
		{"us-east-1", TargetMLInf1, "1.5.1", "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-neo-pytorch:1.5.1-inf-py3"},
	}
	for _, tc := range cases {
		got, err := ImageURI(tc.region, tc.target, PyTorch, tc.version)
		if err != nil || got != tc.want {
			t.Errorf("ImageURI(%s, %s, %s) = %q, %v; want %q", tc.region, tc.target, tc.version, got, err, tc.want)
		}
	}
}

func TestImageURIVersionAliasesAndPartitions(t *testing.T) {
	cases := []struct {
		region  string
		target  Target
		version string
		want    string
	}{
		// neo-pytorch.json version_aliases: 1.8.1 and 1.3.0 map to image versions.
		{"us-west-2", TargetMLC5, "1.8.1", "301217895009.dkr.ecr.us-west-2.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3"},
		{"us-west-2", TargetMLP3, "1.3.0", "301217895009.dkr.ecr.us-west-2.amazonaws.com/sagemaker-inference-pytorch:1.4-gpu-py3"},
		{"us-west-2", TargetMLM5, "1.12.1", "301217895009.dkr.ecr.us-west-2.amazonaws.com/sagemaker-inference-pytorch:1.12-cpu-py3"},
		// China regions use the amazonaws.com.cn domain (sagemaker ALTERNATE_DOMAINS).
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
		{"eu-west-1", TargetMLC5, PyTorch, "1.9", `version "1.9"`},
		{"eu-west-1", TargetMLInf1, PyTorch, "1.8", `Inferentia PyTorch image for version "1.8"`},
		{"mars-north-1", TargetMLC5, PyTorch, "1.8", `region "mars-north-1"`},
		{"eu-west-1", TargetMLC5, TensorFlow, "2.9", "TENSORFLOW"},
		{"eu-west-1", TargetJetsonNano, PyTorch, "1.8", "not a SageMaker hosting instance family"},
		{"eu-west-1", TargetMLInf2, PyTorch, "1.13", "ml_inf2"},
	}
	for _, tc := range cases {
		got, err := ImageURI(tc.region, tc.target, tc.framework, tc.version)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "neo: ") {
			t.Errorf("ImageURI(%s, %s, %s, %s) = %q, %v; want an error mentioning %q", tc.region, tc.target, tc.framework, tc.version, got, err, tc.want)
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
