package sagemaker

import (
	"errors"
	"strings"
	"testing"
)

func TestPyTorchImageKnownURIs(t *testing.T) {
	t.Parallel()
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

func TestImageURINewScopes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec ImageSpec
		want string
	}{
		{ImageSpec{Region: "us-east-1", FrameworkVersion: "2.6", InstanceType: "ml.g5.xlarge"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6-gpu-py312"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "2.5.1", InstanceType: "ml.m5.xlarge"},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.5.1-cpu-py311"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.5", InstanceType: "ml.c5.xlarge"}, // 1.5 is 1.5.0
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.5-cpu-py3"},
		{ImageSpec{Region: "us-west-2", FrameworkVersion: "2.4", InstanceType: "ml.c7g.2xlarge"},
			"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference-graviton:2.4-cpu-py311-ubuntu22.04-sagemaker"},
		{ImageSpec{Framework: ImageFrameworkDJLNeuronX, Region: "us-east-1", FrameworkVersion: "0.29.0", InstanceType: "ml.trn1.2xlarge"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1"},
		{ImageSpec{Framework: ImageFrameworkHuggingFaceNeuronX, Region: "us-east-2", FrameworkVersion: "4.55", BaseFramework: "pytorch2.8", InstanceType: "ml.inf2.xlarge"},
			"763104351884.dkr.ecr.us-east-2.amazonaws.com/huggingface-pytorch-inference-neuronx:2.8.0-transformers4.55.4-neuronx-py310-sdk2.26.0-ubuntu22.04"},
	}
	for _, tc := range cases {
		got, err := ImageURI(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("ImageURI(%+v) = %s, %v; want %s", tc.spec, got, err, tc.want)
		}
	}
}

func TestPyTorchImageRefusesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec ImageSpec
		want string
	}{
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.99"}, `lists no version "1.99" (have 0.4, 0.4.0,`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "2.1", PyVersion: "py3"}, "images for Python py310, not py3"},
		{ImageSpec{Region: "mars-north-1", FrameworkVersion: "2.1"}, `not published in region "mars-north-1"`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "ml.inf1.xlarge"}, "compile it with Neo for ml_inf1"},
		{ImageSpec{Region: "us-east-1", FrameworkVersion: "2.1", InstanceType: "ml.inf2.xlarge"}, "Neuron containers"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "c5.xlarge"}, `instance type "c5.xlarge"`},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", InstanceType: "ml.c5.xlarg"}, "did you mean ml.c5.xlarge?"},
		{ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.8", Processor: "tpu"}, `unknown processor "tpu"`},
	}
	for _, tc := range cases {
		got, err := PyTorchImage(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PyTorchImage(%+v) = %q, %v; want an error containing %q", tc.spec, got, err, tc.want)
		}
	}
	_, err := PyTorchImage(ImageSpec{Region: "eu-west-1", FrameworkVersion: "1.99"})
	var ne *NoImageError
	if !errors.As(err, &ne) || ne.Field != "version" {
		t.Errorf("unknown version: %v is not a *NoImageError on the version", err)
	}
}

func TestProcessorFor(t *testing.T) {
	t.Parallel()
	cases := map[string]Processor{
		"ml.c5.xlarge": CPU, "ml.m5.large": CPU, "ml.g4dn.xlarge": GPU, "ml.p3.2xlarge": GPU,
		"ml.g5.48xlarge": GPU, "ml.inf1.xlarge": Inferentia, "ml.inf2.xlarge": Inferentia, "ml.trn1.2xlarge": Trainium,
	}
	for it, want := range cases {
		if got, err := ProcessorFor(it); err != nil || got != want {
			t.Errorf("ProcessorFor(%s) = %s, %v; want %s", it, got, err, want)
		}
	}
}

func TestCheckInstanceTypeUsesTheSDKEnum(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"ml.c5.xlarge", "ml.inf1.xlarge", "ml.inf2.48xlarge", "ml.trn1.32xlarge", "ml.g5.xlarge"} {
		if err := CheckInstanceType(ok); err != nil {
			t.Errorf("CheckInstanceType(%s) = %v", ok, err)
		}
	}
	cases := map[string]string{
		"ml.c5.xlarg":    "did you mean ml.c5.xlarge?",
		"ml.inf3.xlarge": "ml.inf1.xlarge or ml.inf2.xlarge",
		"ml.c9.huge":     "not one SageMaker hosting offers",
		"c5.xlarge":      "ml.<family>.<size>",
	}
	for it, want := range cases {
		if err := CheckInstanceType(it); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckInstanceType(%s) = %v; want %q", it, err, want)
		}
	}
	if err := (EndpointSpec{Name: "e", InstanceType: "ml.c5.xlarg", InstanceCount: 1}).Validate(); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("EndpointSpec.Validate with a typo = %v; want a suggestion", err)
	}
}
