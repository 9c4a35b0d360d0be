package neo

import (
	"fmt"
	"slices"
	"strings"
)

// The tables below come from the SageMaker Python SDK's image_uri_config
// (src/sagemaker/image_uri_config/neo-pytorch.json and inferentia-pytorch.json)
// and its image_uris.retrieve tag rules: the tag is
// "<version>-<processor>-py3", where the processor is "inf" for ml_inf*,
// "gpu" for g and p families and "cpu" otherwise; the host is
// "<account>.dkr.ecr.<region>.<domain>". The SDK's unit tests
// (tests/unit/sagemaker/image_uris/test_neo.py) check the same shape.

// neoPyTorchAccounts holds the ECR account of Neo's PyTorch images per region.
var neoPyTorchAccounts = map[string]string{
	"af-south-1":     "774647643957",
	"ap-east-1":      "110948597952",
	"ap-northeast-1": "941853720454",
	"ap-northeast-2": "151534178276",
	"ap-northeast-3": "925152966179",
	"ap-south-1":     "763008648453",
	"ap-southeast-1": "324986816169",
	"ap-southeast-2": "355873309152",
	"ca-central-1":   "464438896020",
	"cn-north-1":     "472730292857",
	"cn-northwest-1": "474822919863",
	"eu-central-1":   "746233611703",
	"eu-north-1":     "601324751636",
	"eu-south-1":     "966458181534",
	"eu-west-1":      "802834080501",
	"eu-west-2":      "205493899709",
	"eu-west-3":      "254080097072",
	"me-south-1":     "836785723513",
	"sa-east-1":      "756306329178",
	"us-east-1":      "785573368785",
	"us-east-2":      "007439368137",
	"us-gov-west-1":  "263933020539",
	"us-west-1":      "710691900526",
	"us-west-2":      "301217895009",
}

// neoPyTorchVersions maps the PyTorch versions Neo accepts for CPU/GPU targets
// to the image version that serves them (neo-pytorch.json "version_aliases"
// and "versions"). Images live in the sagemaker-inference-pytorch repository.
var neoPyTorchVersions = map[string]string{
	"0.4.0": "1.4", "1.0.0": "1.4", "1.1.0": "1.4", "1.2.0": "1.4", "1.3.0": "1.4", "1.4.0": "1.4", "1.4": "1.4",
	"1.5": "1.5", "1.6": "1.6",
	"1.7.0": "1.7", "1.7.1": "1.7", "1.7": "1.7",
	"1.8.0": "1.8", "1.8.1": "1.8", "1.8": "1.8",
	"1.12.0": "1.12", "1.12.1": "1.12", "1.12": "1.12",
}

// inferentiaPyTorchVersions are the versions inferentia-pytorch.json lists;
// images live in the sagemaker-neo-pytorch repository.
var inferentiaPyTorchVersions = []string{"1.5.1"}

// inferentiaNoRegion lists regions the neo-pytorch table has but whose
// Inferentia account the SDK's history does not agree on; we refuse rather
// than guess.
var inferentiaNoRegion = []string{"ap-northeast-3"}

// ecrDomain is the DNS suffix of ECR in a region's partition.
func ecrDomain(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// processor is the image tag's device part for a cloud target.
func processor(t Target) string {
	family := strings.TrimPrefix(string(t), "ml_")
	switch {
	case strings.HasPrefix(family, "inf"):
		return "inf"
	case strings.HasPrefix(family, "g"), strings.HasPrefix(family, "p"):
		return "gpu"
	}
	return "cpu"
}

// ImageURI returns the inference image that serves a model Neo compiled for
// target from framework at version, in region. It knows Neo's PyTorch images:
// sagemaker-inference-pytorch for CPU and GPU targets, sagemaker-neo-pytorch
// for ml_inf1. For anything else it returns an error; a real
// DescribeCompilationJob also reports the image (CompiledModel.Image uses it
// when present).
//
//	ImageURI("eu-west-1", TargetMLC5, PyTorch, "1.8")
//	// 802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.8-cpu-py3
func ImageURI(region string, target Target, framework Framework, version string) (string, error) {
	if framework != PyTorch {
		return "", fmt.Errorf("neo: no inference image table for %s models (only %s)", framework, PyTorch)
	}
	if !target.Cloud() {
		return "", fmt.Errorf("neo: target %s is not a SageMaker hosting instance family; deploy its artifact on the device", target)
	}
	account, ok := neoPyTorchAccounts[region]
	if !ok {
		return "", fmt.Errorf("neo: no Neo PyTorch image in region %q", region)
	}
	var repo, tagVersion string
	switch {
	case target == TargetMLInf1:
		if slices.Contains(inferentiaNoRegion, region) {
			return "", fmt.Errorf("neo: no Inferentia PyTorch image known in region %q", region)
		}
		if !slices.Contains(inferentiaPyTorchVersions, version) {
			return "", fmt.Errorf("neo: no Inferentia PyTorch image for version %q (have %s)",
				version, strings.Join(inferentiaPyTorchVersions, ", "))
		}
		repo, tagVersion = "sagemaker-neo-pytorch", version
	case target.neuron():
		return "", fmt.Errorf("neo: no PyTorch image table for %s; use the image DescribeCompilationJob reports", target)
	default:
		v, ok := neoPyTorchVersions[version]
		if !ok {
			return "", fmt.Errorf("neo: no Neo PyTorch image for version %q (have %s)", version, strings.Join(neoVersionList(), ", "))
		}
		repo, tagVersion = "sagemaker-inference-pytorch", v
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s:%s-%s-py3",
		account, region, ecrDomain(region), repo, tagVersion, processor(target)), nil
}

// neoVersionList lists the accepted PyTorch versions for messages.
func neoVersionList() []string {
	vs := sortedKeys(neoPyTorchVersions)
	return vs
}

// Container environment keys the Neo serving containers read.
const (
	EnvProgram         = "SAGEMAKER_PROGRAM"
	EnvSubmitDirectory = "SAGEMAKER_SUBMIT_DIRECTORY"
	EnvLogLevel        = "SAGEMAKER_CONTAINER_LOG_LEVEL"
	EnvRegion          = "SAGEMAKER_REGION"
	EnvResponseTimeout = "MMS_DEFAULT_RESPONSE_TIMEOUT"
)

// ContainerEnv returns the environment a compiled model's container needs.
// For PyTorch and MXNet it is the table in the SageMaker developer guide's
// "Troubleshoot Neo Inference Errors" (without it the model server answers
// 503 "Prediction failed"): the entry point, code directory
// /opt/ml/model/code, log level 20 (INFO, as the Python SDK sets), region,
// and a model-server response timeout of 500 s, the guide's minimum, so the
// first (warm-up) inference on a compiled model is not cut off. Other
// frameworks get only the region.
func ContainerEnv(region string, framework Framework, entryPoint string) map[string]string {
	env := map[string]string{EnvRegion: region}
	if framework != PyTorch && framework != MXNet {
		return env
	}
	if entryPoint == "" {
		entryPoint = DefaultEntryPoint
	}
	env[EnvProgram] = entryPoint
	env[EnvSubmitDirectory] = "/opt/ml/model/code"
	env[EnvLogLevel] = "20"
	env[EnvResponseTimeout] = "500"
	return env
}
