package sagemaker

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/invalid"
)

const testRole = "arn:aws:iam::123456789012:role/service-role/SageMakerRole"

func goodModel() ModelSpec {
	return ModelSpec{
		Name:         "resnet50-2021-03-04-05-06-07-000",
		Image:        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		ModelDataURL: "s3://sagemaker-eu-west-1-123456789012/resnet50/model.tar.gz",
		RoleARN:      testRole,
		Env:          PyTorchEnv("inference.py", "eu-west-1"),
	}
}

func TestModelSpecValidate(t *testing.T) {
	t.Parallel()
	if err := goodModel().Validate(); err != nil {
		t.Fatalf("good spec refused: %v", err)
	}
	gov := goodModel()
	gov.RoleARN = "arn:aws-us-gov:iam::123456789012:role/x"
	if err := gov.Validate(); err != nil {
		t.Fatalf("GovCloud role refused: %v", err)
	}
	cases := []struct {
		mut   func(*ModelSpec)
		field string
		want  string
	}{
		{func(m *ModelSpec) { m.Name = "bad_name" }, "Name", `model name "bad_name"`},
		{func(m *ModelSpec) { m.RoleARN = "SageMakerRole" }, "RoleARN", `role ARN "SageMakerRole"`},
		{func(m *ModelSpec) { m.RoleARN = "arn:aws:iam::12345:role/x" }, "RoleARN", "role ARN"},
		{func(m *ModelSpec) { m.RoleARN = "arn:aws:iam::123456789012:user/x" }, "RoleARN", "role ARN"},
		{func(m *ModelSpec) { m.ModelDataURL = "/tmp/model.tar.gz" }, "ModelDataURL", "must be s3://bucket/key"},
		{func(m *ModelSpec) { m.Image = "" }, "Image", "image"},
		{func(m *ModelSpec) { m.Env = map[string]string{"1BAD": "x"} }, "Env", `environment variable name "1BAD"`},
		{func(m *ModelSpec) { m.Env = map[string]string{strings.Repeat("K", 1025): "x"} }, "Env", "is 1025 bytes, more than 1024"},
		{func(m *ModelSpec) { m.Env = map[string]string{"K": strings.Repeat("é", 513)} }, "Env", "environment variable K is 1026 bytes, more than 1024"},
		{func(m *ModelSpec) { m.Env = bigEnv(33, 1000) }, "Env", "environment variables total 33099 bytes, more than 32768 (32 KB)"},
	}
	for _, tc := range cases {
		m := goodModel()
		tc.mut(&m)
		err := m.Validate()
		var ie *invalid.Error
		if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Field != tc.field || !strings.Contains(ie.Problems[0].Message, tc.want) {
			t.Errorf("Validate() = %v, want an *invalid.Error of one problem of %s containing %q", err, tc.field, tc.want)
		}
	}
	// All problems at once, not only the first.
	err := ModelSpec{}.Validate()
	var ie *invalid.Error
	if !errors.As(err, &ie) || len(ie.Problems) != 4 {
		t.Fatalf("empty spec: %v; want 4 problems", err)
	}
}

// bigEnv is n variables K00, K01, ..., each a 3-byte key and a value of
// valueBytes bytes.
func bigEnv(n, valueBytes int) map[string]string {
	env := map[string]string{}
	for i := range n {
		env[fmt.Sprintf("K%02d", i)] = strings.Repeat("v", valueBytes)
	}
	return env
}

func TestEndpointSpecValidate(t *testing.T) {
	t.Parallel()
	good := EndpointSpec{Name: "resnet50-c5", InstanceType: "ml.c5.xlarge", InstanceCount: 1}
	if err := good.Validate(); err != nil {
		t.Fatalf("good spec refused: %v", err)
	}
	cases := []struct {
		spec EndpointSpec
		want string
	}{
		{EndpointSpec{Name: "x", InstanceType: "c5.xlarge", InstanceCount: 1}, `instance type "c5.xlarge"`},
		{EndpointSpec{Name: "x", InstanceType: "ml.c5", InstanceCount: 1}, "instance type"},
		{EndpointSpec{Name: "x", InstanceType: "ml.c5.xlarge", InstanceCount: 0}, "instance count 0 must be at least 1"},
		{EndpointSpec{Name: strings.Repeat("x", 64), InstanceType: "ml.c5.xlarge", InstanceCount: 1}, "more than 63"},
	}
	for _, tc := range cases {
		if err := tc.spec.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func TestPyTorchEnv(t *testing.T) {
	t.Parallel()
	env := PyTorchEnv("./inference.py", "eu-west-1")
	want := map[string]string{
		"SAGEMAKER_PROGRAM":             "inference.py",
		"SAGEMAKER_SUBMIT_DIRECTORY":    "/opt/ml/model/code",
		"SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
		"SAGEMAKER_REGION":              "eu-west-1",
	}
	if len(env) != len(want) {
		t.Fatalf("env = %v", env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
}

func TestDefaultBucketAndParseS3URI(t *testing.T) {
	t.Parallel()
	if got := DefaultBucket("eu-west-1", "123456789012"); got != "sagemaker-eu-west-1-123456789012" {
		t.Fatalf("DefaultBucket = %s", got)
	}
	b, k, err := ParseS3URI("s3://bucket/a/b/model.tar.gz")
	if err != nil || b != "bucket" || k != "a/b/model.tar.gz" {
		t.Fatalf("ParseS3URI = %s, %s, %v", b, k, err)
	}
	for _, bad := range []string{"https://bucket/key", "s3://bucket", "s3:///key"} {
		if _, _, err := ParseS3URI(bad); err == nil {
			t.Errorf("ParseS3URI(%q) accepted", bad)
		}
	}
}
