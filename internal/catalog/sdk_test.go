package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sdkCall is one image_uris.retrieve call and the Request that should answer the same.
type sdkCall struct {
	args map[string]string
	req  Request
}

// TestResolveMatchesThePythonSDK asks the SageMaker Python SDK itself, not a copy of its rule:
// every (scope, version or alias, processor, region, Python version) of every table goes
// through image_uris.retrieve (testdata/sdk_retrieve.py loads it unchanged from a checkout)
// and through Resolve, and the URIs must be equal. It needs python3 with botocore and the
// SDK's sagemaker-core/src/sagemaker/core directory in SAGEBENCH_PYTHON_SDK; the JSON files
// there must be the ones in testdata.
func TestResolveMatchesThePythonSDK(t *testing.T) {
	core := os.Getenv("SAGEBENCH_PYTHON_SDK")
	if core == "" {
		t.Skip("set SAGEBENCH_PYTHON_SDK to a checkout's sagemaker-core/src/sagemaker/core to run the SDK's own retrieve")
	}
	for _, f := range []string{"pytorch", "neo-pytorch", "inferentia-pytorch", "neo-tensorflow", "inferentia-tensorflow",
		"neo-mxnet", "inferentia-mxnet", "djl-neuronx", "huggingface-neuronx", "sklearn"} {
		ours, err1 := os.ReadFile(filepath.Join("testdata", "image_uri_config", f+".json"))
		theirs, err2 := os.ReadFile(filepath.Join(core, "image_uri_config", f+".json"))
		if err1 != nil || err2 != nil || !bytes.Equal(ours, theirs) {
			t.Fatalf("%s.json: the SDK checkout's copy differs from testdata's (%v, %v)", f, err1, err2)
		}
	}
	calls := sdkCalls()
	var in bytes.Buffer
	for _, c := range calls {
		b, _ := json.Marshal(c.args)
		in.Write(append(b, '\n'))
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "sdk_retrieve.py"), core)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sdk_retrieve.py: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	i, mismatches := 0, 0
	for ; sc.Scan(); i++ {
		var ans struct{ URI, Error string }
		if err := json.Unmarshal(sc.Bytes(), &ans); err != nil || i >= len(calls) {
			t.Fatalf("answer %d: %q (%v)", i, sc.Text(), err)
		}
		img, err := Resolve(calls[i].req)
		switch {
		case ans.Error != "" && err == nil:
			t.Errorf("%v: the SDK refuses (%s); Resolve gives %s", calls[i].args, ans.Error, img.URI)
		case ans.Error == "" && (err != nil || img.URI != ans.URI):
			t.Errorf("%v: the SDK gives %s; Resolve gives %q, %v", calls[i].args, ans.URI, img.URI, err)
		default:
			continue
		}
		if mismatches++; mismatches > 20 {
			t.Fatal("too many mismatches")
		}
	}
	if i != len(calls) {
		t.Fatalf("%d answers for %d calls\n%s", i, len(calls), stderr.String())
	}
	t.Logf("%d retrieve calls, every URI equal", len(calls))
}

// sdkCalls enumerates every entry of every table, each version also by its aliases.
func sdkCalls() []sdkCall {
	var calls []sdkCall
	add := func(args map[string]string, req Request) { calls = append(calls, sdkCall{args, req}) }
	names := func(cfg *config, key string) []string {
		out := []string{key}
		for a, k := range cfg.aliases {
			if k == key {
				out = append(out, a)
			}
		}
		slices.Sort(out[1:])
		return out
	}
	for _, key := range sortedKeys(scopes) {
		cfg := scopes[key]
		for _, vk := range sortedKeys(cfg.versions) {
			v := cfg.versions[vk]
			for _, name := range names(cfg, vk) {
				switch {
				case strings.HasPrefix(key, "neo-") || strings.HasPrefix(key, "inferentia-"):
					fw := key[strings.Index(key, "-")+1:]
					for _, target := range map[string][]string{"neo": {"ml_c5", "ml_p3", "ml_g4dn", "ml_m6g"}, "inferentia": {"ml_inf1"}}[key[:strings.Index(key, "-")]] {
						for region := range v.registries {
							add(map[string]string{"framework": key, "region": region, "version": name, "instance_type": target},
								Request{Framework: fw, Version: name, Target: target, Region: region})
						}
					}
				case key == "pytorch/inference" || key == "pytorch/inference_graviton":
					types := []string{"ml.c5.xlarge", "ml.g4dn.xlarge", "ml.p2.xlarge", "ml.p4d.24xlarge"}
					if key == "pytorch/inference_graviton" {
						types = []string{"ml.c7g.2xlarge", "ml.m6g.xlarge"}
					}
					for _, it := range types {
						for region := range v.registries {
							for _, py := range v.py {
								add(map[string]string{"framework": "pytorch", "region": region, "version": name, "instance_type": it, "py_version": py, "image_scope": "inference"},
									Request{Framework: PyTorch, Version: name, InstanceType: it, Region: region, PyVersion: py})
							}
						}
					}
				case key == "sklearn/training":
					for _, it := range []string{"ml.m5.xlarge", "ml.c5.xlarge", "ml.g4dn.xlarge"} {
						for region := range v.registries {
							add(map[string]string{"framework": "sklearn", "region": region, "version": name, "instance_type": it, "py_version": "py3"},
								Request{Framework: SKLearn, Version: name, InstanceType: it, Region: region, PyVersion: "py3"})
						}
					}
				case key == DJLNeuronX:
					for region := range v.registries {
						add(map[string]string{"framework": key, "region": region, "version": name},
							Request{Framework: DJLNeuronX, Version: name, InstanceType: "ml.inf2.xlarge", Region: region})
					}
				case key == "huggingface-neuronx/inference":
					for _, bk := range sortedKeys(v.bases) {
						b := v.bases[bk]
						bases := []string{bk}
						for a, k := range v.baseAliases {
							if k == bk {
								bases = append(bases, a)
							}
						}
						for _, base := range bases {
							for region := range b.registries {
								add(map[string]string{"framework": "huggingface", "region": region, "version": name, "base_framework_version": base,
									"instance_type": "ml.inf2.xlarge", "inference_tool": "neuronx", "image_scope": "inference"},
									Request{Framework: HuggingFaceNeuronX, Version: name, BaseFramework: base, InstanceType: "ml.inf2.xlarge", Region: region})
							}
						}
					}
				}
			}
		}
	}
	return calls
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
