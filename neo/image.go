package neo

import (
	"fmt"
	"strings"

	"github.com/sagebench/sagebench/internal/catalog"
)

// NoImageError is the error of ImageURI when no image serves a compiled model: which
// part of the request has none (Field), why (Reason) and what would work (Known). It is
// the same type as sagemaker.NoImageError, so either name matches under errors.As.
type NoImageError = catalog.NoImageError

// ImageURI returns the inference image that serves a model Neo compiled for target from
// framework at version, in region, by the SageMaker Python SDK's rule and tables
// (image_uri_config neo-pytorch, neo-tensorflow, neo-mxnet for CPU and GPU targets;
// inferentia-pytorch, -tensorflow, -mxnet for ml_inf1), generated from the SDK's JSON. As
// in the SDK, an alias keeps the form given in the tag. There is no table for ml_inf2 and
// ml_trn1, edge targets or other frameworks: the error, a *NoImageError, says so. A real
// DescribeCompilationJob reports the image too, and Compile prefers that one.
//
//	ImageURI("eu-west-1", TargetMLInf1, PyTorch, "1.7")
//	// 802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3
func ImageURI(region string, target Target, framework Framework, version string) (string, error) {
	img, err := catalog.Resolve(catalog.Request{
		Framework: strings.ToLower(string(framework)), Version: version, Target: string(target), Region: region,
	})
	if err != nil {
		return "", fmt.Errorf("neo: %w", err)
	}
	return img.URI, nil
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
