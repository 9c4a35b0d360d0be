package sagemaker

import (
	"context"
	"errors"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/sagebench/sagebench/invalid"
)

// ModelSpec is what CreateModel needs: a container image, the model archive and the IAM
// role SageMaker assumes to read it.
type ModelSpec struct {
	Name         string            // a valid name; see UniqueName
	Image        string            // container image URI; see PyTorchImage
	ModelDataURL string            // s3://bucket/key of the model.tar.gz; see Upload
	RoleARN      string            // arn:aws:iam::123456789012:role/...
	Env          map[string]string // container environment; see PyTorchEnv
}

// EndpointSpec is what CreateEndpointConfig and CreateEndpoint need. The endpoint
// configuration has the endpoint's name, as with the Python SDK.
type EndpointSpec struct {
	Name          string // a valid name; see UniqueName
	InstanceType  string // e.g. ml.c5.xlarge
	InstanceCount int    // 1 to MaxInstanceCount
	// WaitForSlot, if set, is called when the account's endpoint quota refuses
	// CreateEndpoint (ResourceLimitExceeded), with the number of refusals so far and the
	// refusal. It returns nil, once it has waited as it sees fit, for Deploy to send
	// CreateEndpoint again with the model and configuration it already created, or an
	// error, which Deploy fails with (deleting them). Without it a refusal fails Deploy.
	WaitForSlot func(ctx context.Context, refusals int, err error) error
	// Serverless, if set, makes the endpoint serverless (see ServerlessSpec): InstanceType and
	// InstanceCount must then be empty.
	Serverless *ServerlessSpec
}

// MaxInstanceCount is the largest InstanceCount: CreateEndpointConfig's
// InitialInstanceCount is an Integer (32-bit) of minimum 1
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html).
const MaxInstanceCount = math.MaxInt32

// VariantName is the single production variant Deploy creates, as the Python SDK does.
const VariantName = "AllTraffic"

// codeDir is where SageMaker extracts the archive's code/ directory.
const codeDir = "/opt/ml/model/code"

// PyTorchEnv returns the environment the SageMaker PyTorch inference containers read to
// find the inference script packed under code/ by modeltar.Pack: SAGEMAKER_PROGRAM,
// SAGEMAKER_SUBMIT_DIRECTORY, SAGEMAKER_CONTAINER_LOG_LEVEL and SAGEMAKER_REGION, as the
// Python SDK sets them for a repacked model.
func PyTorchEnv(entryPoint, region string) map[string]string {
	return map[string]string{
		"SAGEMAKER_PROGRAM":             strings.TrimPrefix(entryPoint, "./"),
		"SAGEMAKER_SUBMIT_DIRECTORY":    codeDir,
		"SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
		"SAGEMAKER_REGION":              region,
	}
}

var (
	rolePattern         = regexp.MustCompile(`^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	instanceTypePattern = regexp.MustCompile(`^ml\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	modelDataPattern    = regexp.MustCompile(`^(https|s3)://[^/\s]+/\S+$`)
	envKeyPattern       = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// SageMaker's limits on a container's Environment; see ModelSpec.Validate.
const (
	maxEnvEntries    = 100
	maxEnvEntryBytes = 1024
	maxEnvTotalBytes = 32 << 10
)

// Validate checks s against SageMaker's rules, so that a typo fails before anything is
// created (and billed). Its error is an *invalid.Error listing every problem, each with
// the ModelSpec field at fault (Name, Image, ModelDataURL, RoleARN, Env).
func (s ModelSpec) Validate() error {
	e := &invalid.Error{Subject: "SageMaker model spec"}
	if err := checkName("model", s.Name); err != nil {
		e.Add("Name", "%v", err)
	}
	if s.Image == "" || strings.ContainsAny(s.Image, " \t\n") || len(s.Image) > 255 {
		e.Add("Image", "image %q must be a container image URI of at most 255 characters", s.Image)
	}
	if !modelDataPattern.MatchString(s.ModelDataURL) || len(s.ModelDataURL) > 1024 {
		e.Add("ModelDataURL", "model data URL %q must be s3://bucket/key", s.ModelDataURL)
	}
	if !rolePattern.MatchString(s.RoleARN) {
		e.Add("RoleARN", "role ARN %q must look like arn:aws:iam::123456789012:role/name", s.RoleARN)
	}
	// Environment limits, from the CreateModel API reference's
	// ContainerDefinition (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html):
	// each key and value at most 1024 bytes, all of them together at most
	// 32 KB, at most 100 entries, keys [a-zA-Z_][a-zA-Z0-9_]*.
	if len(s.Env) > maxEnvEntries {
		e.Add("Env", "%d environment variables, more than %d", len(s.Env), maxEnvEntries)
	}
	total := 0
	for _, k := range sortedKeys(s.Env) {
		total += len(k) + len(s.Env[k])
		switch {
		case len(k) > maxEnvEntryBytes:
			e.Add("Env", "environment variable name %.40q... is %d bytes, more than %d", k, len(k), maxEnvEntryBytes)
		case !envKeyPattern.MatchString(k):
			e.Add("Env", "environment variable name %q is invalid (want [a-zA-Z_][a-zA-Z0-9_]*)", k)
		}
		if len(s.Env[k]) > maxEnvEntryBytes {
			e.Add("Env", "environment variable %.40s is %d bytes, more than %d", k, len(s.Env[k]), maxEnvEntryBytes)
		}
	}
	if total > maxEnvTotalBytes {
		e.Add("Env", "environment variables total %d bytes, more than %d (32 KB)", total, maxEnvTotalBytes)
	}
	return e.Err()
}

// Validate checks s against SageMaker's rules. Its error is an *invalid.Error listing
// every problem, each with the EndpointSpec field at fault (Name, InstanceType,
// InstanceCount, Serverless).
func (s EndpointSpec) Validate() error {
	e := &invalid.Error{Subject: "SageMaker endpoint spec"}
	if err := checkName("endpoint", s.Name); err != nil {
		e.Add("Name", "%v", err)
	}
	if s.Serverless != nil { // serverless.go
		var se *invalid.Error
		if errors.As(s.Serverless.Validate(), &se) {
			for _, p := range se.Problems {
				e.Add("Serverless."+p.Field, "%s", p.Message)
			}
		}
		if s.InstanceType != "" || s.InstanceCount != 0 {
			e.Add("Serverless", "a serverless endpoint has no instance type or count (got %q x %d)", s.InstanceType, s.InstanceCount)
		}
		return e.Err()
	}
	if err := checkInstanceType(s.InstanceType); err != nil {
		e.Add("InstanceType", "%v", err)
	}
	if s.InstanceCount < 1 || s.InstanceCount > MaxInstanceCount {
		e.Add("InstanceCount", "instance count %d must be at least 1 and at most %d", s.InstanceCount, MaxInstanceCount)
	}
	return e.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
