package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// scopes are the (file, scope) pairs the catalog serves, under the key the catalog uses.
// An empty scope means the file has no scope level (its versions are at the top).
var scopes = []struct{ file, scope, key string }{
	{"pytorch.json", "inference", "pytorch/inference"},
	{"pytorch.json", "inference_graviton", "pytorch/inference_graviton"},
	{"neo-pytorch.json", "", "neo-pytorch"},
	{"inferentia-pytorch.json", "", "inferentia-pytorch"},
	{"neo-tensorflow.json", "", "neo-tensorflow"},
	{"inferentia-tensorflow.json", "", "inferentia-tensorflow"},
	{"neo-mxnet.json", "", "neo-mxnet"},
	{"inferentia-mxnet.json", "", "inferentia-mxnet"},
	{"djl-neuronx.json", "", "djl-neuronx"},
	{"huggingface-neuronx.json", "inference", "huggingface-neuronx/inference"},
	// The scikit-learn image a Processing job runs on (package loadjob): retrieve without
	// an image scope picks "training" for sklearn (image_uris._get_final_image_scope).
	{"sklearn.json", "training", "sklearn/training"},
}

type rawScope struct {
	Processors []string                   `json:"processors"`
	Aliases    map[string]string          `json:"version_aliases"`
	Versions   map[string]json.RawMessage `json:"versions"`
	Scope      []string                   `json:"scope"`
}

// rawVersion is one version entry. Its fields are every key the SDK's retrieve reads for
// the scopes above; decoding rejects any other.
type rawVersion struct {
	PyVersions       []string          `json:"py_versions"`
	Registries       map[string]string `json:"registries"`
	Repository       string            `json:"repository"`
	TagPrefix        string            `json:"tag_prefix"`
	ContainerVersion map[string]string `json:"container_version"`
	SDKVersions      []string          `json:"sdk_versions"`
	Processors       []string          `json:"processors"`
}

type version struct {
	rawVersion
	baseAliases map[string]string
	bases       map[string]*version
}

type scope struct {
	key        string
	processors []string
	aliases    map[string]string
	versions   map[string]*version
}

// generate reads dir and returns the formatted Go source of the tables.
func generate(dir string) ([]byte, error) {
	commit, err := sourceCommit(filepath.Join(dir, "SOURCE"))
	if err != nil {
		return nil, err
	}
	var all []scope
	for _, s := range scopes {
		sc, err := readScope(filepath.Join(dir, s.file), s.scope)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.file, s.scope, err)
		}
		sc.key = s.key
		all = append(all, sc)
	}
	return render(commit, all)
}

func sourceCommit(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if c, ok := strings.CutPrefix(sc.Text(), "commit: "); ok && len(strings.TrimSpace(c)) == 40 {
			return strings.TrimSpace(c), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no line \"commit: <40 hex digits>\"", path)
}

func readScope(path, name string) (scope, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return scope{}, err
	}
	var raw rawScope
	if name == "" {
		err = json.Unmarshal(b, &raw)
	} else {
		var top map[string]json.RawMessage
		if err = json.Unmarshal(b, &top); err == nil {
			part, ok := top[name]
			if !ok {
				return scope{}, fmt.Errorf("no scope %q", name)
			}
			err = json.Unmarshal(part, &raw)
		}
	}
	if err != nil {
		return scope{}, err
	}
	if len(raw.Versions) == 0 {
		return scope{}, fmt.Errorf("no versions")
	}
	sc := scope{processors: raw.Processors, aliases: raw.Aliases, versions: map[string]*version{}}
	for v, msg := range raw.Versions {
		ver, err := readVersion(msg)
		if err != nil {
			return scope{}, fmt.Errorf("version %s: %w", v, err)
		}
		sc.versions[v] = ver
	}
	for alias, target := range raw.Aliases {
		if sc.versions[target] == nil {
			return scope{}, fmt.Errorf("alias %s names version %s, which the file does not list", alias, target)
		}
	}
	return sc, nil
}

// readVersion decodes a version entry: a repository entry, or (Hugging Face) a map of base
// framework versions ("pytorch2.1.2") with their aliases.
func readVersion(msg json.RawMessage) (*version, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(msg, &probe); err != nil {
		return nil, err
	}
	if _, ok := probe["repository"]; ok {
		var rv rawVersion
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rv); err != nil {
			return nil, err
		}
		if len(rv.Registries) == 0 {
			return nil, fmt.Errorf("no registries")
		}
		return &version{rawVersion: rv}, nil
	}
	v := &version{bases: map[string]*version{}}
	for k, part := range probe {
		if k == "version_aliases" {
			if err := json.Unmarshal(part, &v.baseAliases); err != nil {
				return nil, err
			}
			continue
		}
		b, err := readVersion(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if b.bases != nil {
			return nil, fmt.Errorf("%s: nested base framework versions", k)
		}
		v.bases[k] = b
	}
	if len(v.bases) == 0 {
		return nil, fmt.Errorf("neither a repository nor base framework versions")
	}
	return v, nil
}

// render writes the tables. Region-to-account maps repeat across versions, so each
// distinct map is written once and shared.
func render(commit string, all []scope) ([]byte, error) {
	var b bytes.Buffer
	regs := map[string]string{} // canonical form -> var name
	var regOrder []string
	regVar := func(m map[string]string) string {
		c := fmt.Sprint(sortedPairs(m))
		if name, ok := regs[c]; ok {
			return name
		}
		name := fmt.Sprintf("reg%d", len(regs))
		regs[c] = name
		regOrder = append(regOrder, c)
		return name
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "var scopes = map[string]*config{\n")
	for _, sc := range all {
		fmt.Fprintf(&body, "%q: {\n", sc.key)
		if sc.processors != nil {
			fmt.Fprintf(&body, "processors: %s,\n", strs(sc.processors))
		}
		if sc.aliases != nil {
			fmt.Fprintf(&body, "aliases: %s,\n", strmap(sc.aliases))
		}
		fmt.Fprintf(&body, "versions: map[string]*version{\n")
		for _, v := range sortedKeys(sc.versions) {
			fmt.Fprintf(&body, "%q: ", v)
			writeVersion(&body, sc.versions[v], regVar)
			fmt.Fprintf(&body, ",\n")
		}
		fmt.Fprintf(&body, "},\n},\n")
	}
	fmt.Fprintf(&body, "}\n")

	fmt.Fprintf(&b, "// Code generated by internal/cmd/imagegen from the SageMaker Python SDK's image_uri_config; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package catalog\n\n")
	fmt.Fprintf(&b, "// SourceCommit is the aws/sagemaker-python-sdk commit the tables were generated from.\n")
	fmt.Fprintf(&b, "const SourceCommit = %q\n\n", commit)
	b.Write(body.Bytes())
	byName := map[string]string{}
	for c, name := range regs {
		byName[name] = c
	}
	for i := range regOrder {
		name := fmt.Sprintf("reg%d", i)
		fmt.Fprintf(&b, "\nvar %s = map[string]string{%s}\n", name, byName[name])
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format generated code: %w", err)
	}
	return src, nil
}

func writeVersion(w *bytes.Buffer, v *version, regVar func(map[string]string) string) {
	fmt.Fprintf(w, "{")
	if v.bases != nil {
		if v.baseAliases != nil {
			fmt.Fprintf(w, "baseAliases: %s, ", strmap(v.baseAliases))
		}
		fmt.Fprintf(w, "bases: map[string]*version{\n")
		for _, k := range sortedKeys(v.bases) {
			fmt.Fprintf(w, "%q: ", k)
			writeVersion(w, v.bases[k], regVar)
			fmt.Fprintf(w, ",\n")
		}
		fmt.Fprintf(w, "}}")
		return
	}
	fmt.Fprintf(w, "repository: %q, registries: %s", v.Repository, regVar(v.Registries))
	if v.PyVersions != nil {
		fmt.Fprintf(w, ", py: %s", strs(v.PyVersions))
	}
	if v.TagPrefix != "" {
		fmt.Fprintf(w, ", tagPrefix: %q", v.TagPrefix)
	}
	if v.ContainerVersion != nil {
		fmt.Fprintf(w, ", container: %s", strmap(v.ContainerVersion))
	}
	if v.SDKVersions != nil {
		fmt.Fprintf(w, ", sdk: %s", strs(v.SDKVersions))
	}
	if v.Processors != nil {
		fmt.Fprintf(w, ", processors: %s", strs(v.Processors))
	}
	fmt.Fprintf(w, "}")
}

func strs(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

func strmap(m map[string]string) string {
	return "map[string]string{" + sortedPairs(m) + "}"
}

func sortedPairs(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%q: %q", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
