package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The expected URIs below are built the way the SDK's own unit tests build theirs
// (sagemaker-core/tests/unit/image_uris/expected_uris.py: framework_uri, djl_framework_uri,
// graviton_framework_uri, and test_neo.py's instance types per processor), from the JSON
// files read directly, not from the generated tables.

type jsonScope struct {
	Processors []string                   `json:"processors"`
	Aliases    map[string]string          `json:"version_aliases"`
	Versions   map[string]json.RawMessage `json:"versions"`
}

type jsonVersion struct {
	PyVersions       []string          `json:"py_versions"`
	Registries       map[string]string `json:"registries"`
	Repository       string            `json:"repository"`
	TagPrefix        string            `json:"tag_prefix"`
	ContainerVersion map[string]string `json:"container_version"`
	SDKVersions      []string          `json:"sdk_versions"`
}

func readJSONScope(t *testing.T, file, scope string) jsonScope {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "image_uri_config", file))
	if err != nil {
		t.Fatal(err)
	}
	if scope != "" {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(b, &top); err != nil {
			t.Fatal(err)
		}
		b = top[scope]
	}
	var s jsonScope
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// eachVersion calls f for every version entry of s.
func eachVersion(t *testing.T, s jsonScope, f func(v string, jv jsonVersion)) {
	t.Helper()
	for v, raw := range s.Versions {
		var jv jsonVersion
		if err := json.Unmarshal(raw, &jv); err != nil {
			t.Fatal(err)
		}
		f(v, jv)
	}
}

func sdkURI(account, region, repo, tag string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s:%s", account, region, Domain(region), repo, tag)
}

func TestEveryNeoAndInferentiaEntryResolvesLikeTheSDK(t *testing.T) {
	neoTargets := map[string]string{"cpu": "ml_c5", "gpu": "ml_p2", "inf": "ml_inf1"} // test_neo.py
	n := 0
	for _, fw := range []string{PyTorch, TensorFlow, MXNet} {
		for _, prefix := range []string{"neo-", "inferentia-"} {
			s := readJSONScope(t, prefix+fw+".json", "")
			eachVersion(t, s, func(v string, jv jsonVersion) {
				for _, proc := range s.Processors {
					for region, account := range jv.Registries {
						for _, py := range jv.PyVersions {
							want := sdkURI(account, region, jv.Repository, v+"-"+proc+"-"+py)
							img, err := Resolve(Request{Framework: fw, Version: v, Target: neoTargets[proc], Region: region, PyVersion: py})
							if err != nil || img.URI != want {
								t.Errorf("%s%s %s %s %s = %q, %v; want %s", prefix, fw, v, proc, region, img.URI, err, want)
							}
							n++
						}
					}
				}
			})
		}
	}
	if n < 500 {
		t.Errorf("checked only %d URIs; the JSON files list more", n)
	}
}

func TestEveryPyTorchHostingEntryResolvesLikeTheSDK(t *testing.T) {
	instance := map[string]string{"cpu": "ml.c5.xlarge", "gpu": "ml.g4dn.xlarge"}
	s := readJSONScope(t, "pytorch.json", "inference")
	eachVersion(t, s, func(v string, jv jsonVersion) {
		for _, proc := range s.Processors {
			for region, account := range jv.Registries {
				for _, py := range jv.PyVersions {
					want := sdkURI(account, region, jv.Repository, v+"-"+proc+"-"+py)
					img, err := Resolve(Request{Framework: PyTorch, Version: v, InstanceType: instance[proc], Region: region, PyVersion: py})
					if err != nil || img.URI != want {
						t.Errorf("pytorch %s %s %s %s = %q, %v; want %s", v, proc, region, py, img.URI, err, want)
					}
				}
			}
		}
	})
	// Aliases: the version's images, with the version as given in the tag.
	for alias, full := range s.Aliases {
		var jv jsonVersion
		if err := json.Unmarshal(s.Versions[full], &jv); err != nil {
			t.Fatal(err)
		}
		py := jv.PyVersions[0]
		want := sdkURI(jv.Registries["eu-west-1"], "eu-west-1", jv.Repository, alias+"-gpu-"+py)
		img, err := Resolve(Request{Framework: PyTorch, Version: alias, InstanceType: "ml.g4dn.xlarge", Region: "eu-west-1", PyVersion: py})
		if err != nil || img.URI != want || img.Version != full {
			t.Errorf("pytorch alias %s = %+v, %v; want %s from %s", alias, img, err, want, full)
		}
	}
}

func TestEveryGravitonEntryResolvesLikeTheSDK(t *testing.T) {
	// test_graviton.py's GRAVITON_INSTANCE_TYPES.
	types := []string{"ml.m6g.4xlarge", "ml.m6gd.2xlarge", "ml.c6g.2xlarge", "ml.c6gd.4xlarge", "ml.c6gn.4xlarge", "ml.c7g.2xlarge", "ml.r6g.2xlarge", "ml.r6gd.4xlarge"}
	s := readJSONScope(t, "pytorch.json", "inference_graviton")
	eachVersion(t, s, func(v string, jv jsonVersion) {
		for region, account := range jv.Registries {
			for _, py := range jv.PyVersions {
				want := sdkURI(account, region, jv.Repository, v+"-cpu-"+py+"-"+jv.ContainerVersion["cpu"]+"-sagemaker")
				for _, it := range types {
					img, err := Resolve(Request{Framework: PyTorch, Version: v, InstanceType: it, Region: region})
					if err != nil || img.URI != want {
						t.Errorf("graviton %s %s %s = %q, %v; want %s", v, it, region, img.URI, err, want)
					}
				}
			}
		}
	})
}

func TestEveryDJLNeuronXEntryResolvesLikeTheSDK(t *testing.T) {
	s := readJSONScope(t, "djl-neuronx.json", "")
	eachVersion(t, s, func(v string, jv jsonVersion) {
		for region, account := range jv.Registries {
			want := sdkURI(account, region, "djl-inference", jv.TagPrefix) // djl_framework_uri
			for _, it := range []string{"ml.inf2.xlarge", "ml.trn1.2xlarge"} {
				img, err := Resolve(Request{Framework: DJLNeuronX, Version: v, InstanceType: it, Region: region})
				if err != nil || img.URI != want {
					t.Errorf("djl-neuronx %s %s %s = %q, %v; want %s", v, it, region, img.URI, err, want)
				}
			}
		}
	})
}

func TestEveryHuggingFaceNeuronXEntryResolvesLikeTheSDK(t *testing.T) {
	s := readJSONScope(t, "huggingface-neuronx.json", "inference")
	n := 0
	for v, raw := range s.Versions {
		var bases map[string]json.RawMessage
		if err := json.Unmarshal(raw, &bases); err != nil {
			t.Fatal(err)
		}
		for base, braw := range bases {
			if base == "version_aliases" {
				continue
			}
			var jv jsonVersion
			if err := json.Unmarshal(braw, &jv); err != nil {
				t.Fatal(err)
			}
			sdk := slices.Max(jv.SDKVersions)
			for region, account := range jv.Registries {
				tag := strings.TrimPrefix(base, "pytorch") + "-transformers" + v + "-neuronx-" + jv.PyVersions[0] + "-" + sdk + "-" + jv.ContainerVersion["inf"]
				want := sdkURI(account, region, jv.Repository, tag)
				img, err := Resolve(Request{Framework: HuggingFaceNeuronX, Version: v, BaseFramework: base, InstanceType: "ml.inf2.xlarge", Region: region})
				if err != nil || img.URI != want {
					t.Errorf("huggingface-neuronx %s %s %s = %q, %v; want %s", v, base, region, img.URI, err, want)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no Hugging Face entries checked")
	}
}

// URIs worked out by hand from the SDK's rule, for the cases a user meets first.
func TestResolveKnownURIs(t *testing.T) {
	cases := []struct {
		r    Request
		want string
	}{
		// The reference study (eu-west-1): inf1 compiled from PyTorch 1.7.
		{Request{Framework: "PYTORCH", Version: "1.7", Target: "ml_inf1", Region: "eu-west-1"},
			"802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3"},
		{Request{Framework: PyTorch, Version: "1.6", Target: "ml_c5", Region: "eu-west-1"},
			"802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-cpu-py3"},
		{Request{Framework: PyTorch, Version: "1.6", Target: "ml_g4dn", Region: "eu-west-1"},
			"802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-gpu-py3"},
		{Request{Framework: PyTorch, Version: "1.7", InstanceType: "ml.c5.xlarge", Region: "eu-west-1", PyVersion: "py3"},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3"},
		{Request{Framework: PyTorch, Version: "1.6", InstanceType: "ml.g4dn.xlarge", Region: "eu-west-1", PyVersion: "py3"},
			"763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.6-gpu-py3"},
		// Newer versions and scopes.
		{Request{Framework: PyTorch, Version: "2.6", InstanceType: "ml.g5.xlarge", Region: "us-east-1"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6-gpu-py312"},
		{Request{Framework: PyTorch, Version: "2.0.1", InstanceType: "ml.c7g.xlarge", Region: "us-west-2"},
			"763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference-graviton:2.0.1-cpu-py310-ubuntu20.04-sagemaker"},
		{Request{Framework: PyTorch, Version: "2.0", Target: "ml_m5", Region: "us-east-1"},
			"785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-inference-pytorch:2.0-cpu-py3"},
		{Request{Framework: TensorFlow, Version: "2.5.2", Target: "ml_inf1", Region: "us-east-1"},
			"785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-neo-tensorflow:2.5.2-inf-py3"},
		{Request{Framework: PyTorch, Version: "1.8", Target: "ml_c5", Region: "cn-north-1"},
			"472730292857.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-inference-pytorch:1.8-cpu-py3"},
		{Request{Framework: DJLNeuronX, Version: "latest", InstanceType: "ml.inf2.xlarge", Region: "us-east-2"},
			"763104351884.dkr.ecr.us-east-2.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1"},
		{Request{Framework: HuggingFaceNeuronX, Version: "4.36", BaseFramework: "pytorch2.1", InstanceType: "ml.inf2.xlarge", Region: "us-east-1"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference-neuronx:2.1.2-transformers4.36.2-neuronx-py310-sdk2.18.0-ubuntu20.04"},
		{Request{Framework: PyTorch, Version: "1.6", InstanceType: "ml.p4d.24xlarge", Region: "us-east-1", PyVersion: "py3"},
			"763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:1.6-gpu-py3-cu110-ubuntu18.04-v3"},
	}
	for _, tc := range cases {
		img, err := Resolve(tc.r)
		if err != nil || img.URI != tc.want {
			t.Errorf("Resolve(%+v) = %q, %v; want %s", tc.r, img.URI, err, tc.want)
		}
	}
}

func TestResolveSaysWhyThereIsNoImage(t *testing.T) {
	cases := []struct {
		r     Request
		field Field
		says  string
	}{
		{Request{Framework: PyTorch, Version: "1.5.1", Target: "ml_inf1", Region: "eu-west-1"}, FieldVersion, "1.7, 1.8, 1.9"},
		{Request{Framework: PyTorch, Version: "1.8", Target: "ml_inf2", Region: "us-east-2"}, FieldInstance, "DescribeCompilationJob"},
		{Request{Framework: PyTorch, Version: "1.8", InstanceType: "ml.inf1.xlarge", Region: "eu-west-1"}, FieldInstance, "compile it with Neo"},
		{Request{Framework: PyTorch, Version: "2.1", InstanceType: "ml.inf2.xlarge", Region: "us-east-1"}, FieldInstance, DJLNeuronX},
		{Request{Framework: PyTorch, Version: "1.8", Target: "ml_c5", Region: "mars-1"}, FieldRegion, `region "mars-1"`},
		{Request{Framework: PyTorch, Version: "1.6", InstanceType: "ml.c5.xlarge", Region: "eu-west-1"}, FieldPyVersion, "py3, py36"},
		{Request{Framework: PyTorch, Version: "1.6", InstanceType: "ml.c5.xlarge", Region: "eu-west-1", PyVersion: "py27"}, FieldPyVersion, "not py27"},
		{Request{Framework: PyTorch, Target: "ml_c5", Region: "eu-west-1"}, FieldVersion, "required"},
		{Request{Framework: "onnx", Version: "1.0", Target: "ml_c5", Region: "eu-west-1"}, FieldFramework, "onnx"},
		{Request{Framework: PyTorch, Version: "1.8", Target: "jetson_nano", Region: "eu-west-1"}, FieldInstance, "device"},
		{Request{Framework: DJLNeuronX, Version: "latest", InstanceType: "ml.g5.xlarge", Region: "eu-west-1"}, FieldInstance, "Neuron"},
		{Request{Framework: HuggingFaceNeuronX, Version: "4.36.2", InstanceType: "ml.inf2.xlarge", Region: "us-east-1"}, FieldBaseFramework, "pytorch1.13.1, pytorch2.1.2"},
		{Request{Framework: PyTorch, Version: "1.8", InstanceType: "c5.xlarge", Region: "eu-west-1"}, FieldInstance, "ml.<family>.<size>"},
		{Request{Framework: PyTorch, Version: "1.8", Region: "eu-west-1"}, FieldInstance, "instance type"},
		{Request{Framework: PyTorch, Version: "2.0", InstanceType: "ml.p2.xlarge", Region: "eu-west-1"}, FieldInstance, "P2"},
		{Request{Framework: PyTorch, Version: "2.0", Target: "ml_c6g", Region: "us-east-1"}, FieldInstance, "Graviton"},
	}
	for _, tc := range cases {
		img, err := Resolve(tc.r)
		var ne *NoImageError
		if !errors.As(err, &ne) || ne.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Resolve(%+v) = %q, %v; want a *NoImageError on %s saying %q", tc.r, img.URI, err, tc.field, tc.says)
		}
	}
}
