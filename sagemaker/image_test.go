package sagemaker

import (
	"strings"
	"testing"
)

func TestPyTorchImageKnownURIs(t *testing.T) {
	cases := []struct {
		spec ImageSpec
		want string
	}{
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.7.1", InstanceType: "ml.c5.xlarge"},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7.1-cpu-py3"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.7", Processor: CPU},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3"},
		{ImageSpec{Region: "us-east-1", FrameworkVersion: "1.8.1", PyVersion: "py36", InstanceType: "ml.g4dn.xlarge"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py36"},
		{ImageSpec{Region: "us-west-2", FrameworkVersion: "1.10", InstanceType: "ml.p3.2xlarge"},
			"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:1.10-gpu-py38"},
		{ImageSpec{Region: "eu-central-1", FrameworkVersion: "1.12.1", InstanceType: "ml.m5.large"},
			"763104351884.dkr.ecr.eu-central-1.amazonaws.com/pytorch-inference:1.12.1-cpu-py38"},
		{ImageSpec{Region: "ap-northeast-1", FrameworkVersion: "1.13", InstanceType: "ml.g5.xlarge"},
			"763104351884.dkr.ecr.ap-northeast-1.amazonaws.com/pytorch-inference:1.13-gpu-py39"},
		{ImageSpec{Region: "ap-southeast-1", FrameworkVersion: "2.0.1", InstanceType: "ml.c5.xlarge"},
			"763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/pytorch-inference:2.0.1-cpu-py310"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "2.1", PyVersion: "py310", Processor: GPU},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1-gpu-py310"},
		{ImageSpec{Region: "ap-east-1", FrameworkVersion: "2.1.0"},
			"871362719292.dkr.ecr.ap-east-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"},
		{ImageSpec{Region: "cn-north-1", FrameworkVersion: "1.8.1"},
			"727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/pytorch-inference:1.8.1-cpu-py3"},
	}
	for _, tc := range cases {
		got, err := PyTorchImage(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("PyTorchImage(%+v) = %s, %v; want %s", tc.spec, got, err, tc.want)
		}
	}
}

func TestPyTorchImageRefusesWhatItDoesNotKnow(t *testing.T) {
	cases := []struct {
		spec ImageSpec
		want string
	}{
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.99"}, `unknown PyTorch inference version "1.99" (known: 1.2, 1.3,`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "2.1", PyVersion: "py3"}, "PyTorch 2.1 images exist for py310, not py3"},
		{ImageSpec{Region: "mars-north-1", FrameworkVersion: "2.1"}, `no PyTorch inference images known in region "mars-north-1"`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "ml.inf1.xlarge"}, "Inferentia (ml.inf1.xlarge): compile the model with Neo"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "c5.xlarge"}, `instance type "c5.xlarge"`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", Processor: "tpu"}, `unknown processor "tpu"`},
	}
	for _, tc := range cases {
		got, err := PyTorchImage(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PyTorchImage(%+v) = %q, %v; want an error containing %q", tc.spec, got, err, tc.want)
		}
	}
}

func TestProcessorFor(t *testing.T) {
	cases := map[string]Processor{
		"ml.c5.xlarge": CPU, "ml.m5.large": CPU, "ml.g4dn.xlarge": GPU, "ml.p3.2xlarge": GPU,
		"ml.g5.48xlarge": GPU, "ml.inf1.xlarge": Inferentia, "ml.inf2.xlarge": Inferentia,
	}
	for it, want := range cases {
		if got, err := ProcessorFor(it); err != nil || got != want {
			t.Errorf("ProcessorFor(%s) = %s, %v; want %s", it, got, err, want)
		}
	}
}

func TestKnownVersionsSortNumerically(t *testing.T) {
	v := knownVersions()
	if v[0] != "1.2" || v[len(v)-1] != "2.3" {
		t.Fatalf("known versions %v", v)
	}
	for i := 1; i < len(v); i++ {
		if !versionLess(v[i-1], v[i]) {
			t.Fatalf("%s before %s", v[i-1], v[i])
		}
	}
}
