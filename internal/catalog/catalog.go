// Package catalog resolves SageMaker inference container images the way the SageMaker
// Python SDK's image_uris.retrieve does, from tables generated out of the SDK's own
// image_uri_config JSON (testdata/image_uri_config, with the commit they came from).
//
//	img, err := catalog.Resolve(catalog.Request{Framework: "pytorch", Version: "1.7",
//		Target: "ml_inf1", Region: "eu-west-1"})
//	// img.URI: 802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3
//
// Packages sagemaker and neo expose it (sagemaker.ImageURI, neo.ImageURI) and alias its
// error type; this package holds the one rule and the one copy of the data.
package catalog

//go:generate go run ../cmd/imagegen -in testdata/image_uri_config -out tables_gen.go

import (
	"fmt"
	"slices"
	"strings"
)

// Frameworks the catalog resolves, spelled as the SDK's framework argument.
const (
	PyTorch            = "pytorch"
	TensorFlow         = "tensorflow"
	MXNet              = "mxnet"
	DJLNeuronX         = "djl-neuronx"         // DJL Serving on Neuron (inf2, trn1)
	HuggingFaceNeuronX = "huggingface-neuronx" // Hugging Face TGI/transformers on Neuron (inf2)
	// SKLearn is the SageMaker scikit-learn container, resolved as retrieve resolves it
	// without an image scope ("training", the SDK's default for sklearn), as a Processing
	// job's image: package loadjob runs its worker on it.
	SKLearn = "sklearn"
)

// Request says which image is wanted. Exactly one of InstanceType (an uncompiled model
// hosted as is) and Target (a model Neo compiled for that target) is set.
type Request struct {
	Framework    string // one of the constants above; "PYTORCH" is accepted too
	Version      string // a version or an alias the SDK lists: "1.7", "1.8.1", "latest" (djl)
	InstanceType string // e.g. "ml.g4dn.xlarge"
	Target       string // a Neo target, e.g. "ml_inf1"
	Region       string // e.g. "eu-west-1"
	PyVersion    string // optional when the version has only one
	// BaseFramework is the Hugging Face image's framework: "pytorch2.1.2" or an alias
	// such as "pytorch2.1".
	BaseFramework string
}

// Image is a resolved image.
type Image struct {
	URI        string
	Scope      string // the table it came from, e.g. "inferentia-pytorch"
	Account    string
	Repository string
	Tag        string
	Version    string // the table's version key the request resolved to
}

type config struct {
	processors []string
	aliases    map[string]string
	versions   map[string]*version
}

type version struct {
	repository  string
	registries  map[string]string
	py          []string
	tagPrefix   string
	container   map[string]string
	sdk         []string
	processors  []string
	baseAliases map[string]string
	bases       map[string]*version
}

// graviton lists the instance families the SDK serves from inference_graviton images
// (fw_utils.GRAVITON_ALLOWED_TARGET_INSTANCE_FAMILY).
var graviton = []string{"m6g", "m6gd", "c6g", "c6gd", "c6gn", "c7g", "r6g", "r6gd"}

// neuronX lists the instance families the Neuron (NeuronX) containers serve.
var neuronX = []string{"inf2", "trn1", "trn1n"}

// Resolve returns the image for r, or a *NoImageError saying why there is none.
func Resolve(r Request) (Image, error) {
	r.Framework = strings.ToLower(r.Framework)
	e := &NoImageError{Request: r}
	switch {
	case r.InstanceType == "" && r.Target == "":
		return Image{}, e.with(FieldInstance, "set an instance type (uncompiled) or a Neo target (compiled)")
	case r.InstanceType != "" && r.Target != "":
		return Image{}, e.with(FieldInstance, "set an instance type or a Neo target, not both")
	case r.Version == "":
		return Image{}, e.with(FieldVersion, "the framework version is required: the image depends on it")
	}
	key, proc, err := r.scope(e)
	if err != nil {
		return Image{}, err
	}
	e.Scope = key
	cfg := scopes[key]
	vkey, v := cfg.lookup(r.Version)
	if v == nil {
		e.Known = cfg.versionList()
		return Image{}, e.with(FieldVersion, fmt.Sprintf("%s lists no version %q", key, r.Version))
	}
	if key == "huggingface-neuronx/inference" {
		return r.huggingFace(e, cfg, vkey, v, proc)
	}
	if err := checkProcessor(e, proc, cfg.processors); err != nil {
		return Image{}, err
	}
	if key == "sklearn/training" {
		// sklearn lists its processors per version (cpu only), and retrieve checks them.
		if err := checkProcessor(e, proc, v.processors); err != nil {
			return Image{}, err
		}
	}
	if key == "pytorch/inference" && Family(r.InstanceType) == "p2" && compareVersions(vkey, "1.13") >= 0 {
		// image_uris._validate_instance_deprecation
		return Image{}, e.with(FieldInstance, "P2 instances are deprecated from PyTorch 1.13 on: use a newer GPU family")
	}
	py, err := pyVersion(e, r.PyVersion, v.py)
	if err != nil {
		return Image{}, err
	}
	account, err := registry(e, v.registries)
	if err != nil {
		return Image{}, err
	}
	prefix := r.Version // the SDK keeps the version as given in the tag
	if v.tagPrefix != "" {
		prefix = v.tagPrefix
	}
	var container string
	if v.container != nil {
		container = v.container[proc]
	}
	if key == "pytorch/inference_graviton" {
		container += "-sagemaker"
	}
	if key == "djl-neuronx" {
		proc = "" // the SDK ignores the processor of configs without processors
	}
	tag := join(prefix, proc, py, container)
	if key == "pytorch/inference" && Family(r.InstanceType) == "p4d" {
		if cv, ok := p4dContainers[tag]; ok {
			tag += "-" + cv
		}
	}
	return image(key, vkey, account, r.Region, v.repository, tag), nil
}

// p4dContainers is the SDK's auto-selected container version on p4d for PyTorch 1.6
// (image_uris._get_image_tag).
var p4dContainers = map[string]string{
	"1.6-gpu-py36": "cu110-ubuntu18.04-v3", "1.6.0-gpu-py36": "cu110-ubuntu18.04",
	"1.6-gpu-py3": "cu110-ubuntu18.04-v3", "1.6.0-gpu-py3": "cu110-ubuntu18.04",
}

// scope picks the table and the processor for r.
func (r Request) scope(e *NoImageError) (key, proc string, err error) {
	if r.Target != "" {
		fam, ok := strings.CutPrefix(r.Target, "ml_")
		if !ok {
			return "", "", e.with(FieldInstance, fmt.Sprintf("Neo target %s is not a SageMaker hosting family; its artifact runs on the device, not from an image", r.Target))
		}
		if !slices.Contains([]string{PyTorch, TensorFlow, MXNet}, r.Framework) {
			return "", "", e.with(FieldFramework, fmt.Sprintf("the SDK lists Neo images for pytorch, tensorflow and mxnet, not %q", r.Framework))
		}
		switch {
		case slices.Contains(graviton, fam):
			// image_uris._validate_for_suppported_frameworks_and_instance_type refuses every
			// neo-* framework for a Graviton family (only pytorch, tensorflow, xgboost and
			// sklearn pass), so the SDK resolves no image here.
			return "", "", e.with(FieldInstance, fmt.Sprintf("the SDK resolves no Neo image for the Graviton target %s: use the image DescribeCompilationJob reports", r.Target))
		case fam == "inf1":
			return "inferentia-" + r.Framework, "inf", nil
		case slices.Contains(neuronX, fam):
			return "", "", e.with(FieldInstance, fmt.Sprintf("the SDK lists no Neo serving image for %s: use the image DescribeCompilationJob reports, or serve an uncompiled model from %s or %s", r.Target, DJLNeuronX, HuggingFaceNeuronX))
		}
		return "neo-" + r.Framework, processorOf(fam), nil
	}
	fam := Family(r.InstanceType)
	if fam == "" {
		return "", "", e.with(FieldInstance, fmt.Sprintf("instance type %q is not of the form ml.<family>.<size>", r.InstanceType))
	}
	switch r.Framework {
	case SKLearn:
		if slices.Contains(graviton, fam) {
			return "", "", e.with(FieldInstance, fmt.Sprintf("the SDK resolves sklearn on %s from its inference_graviton table, which the catalog does not hold: use an x86 instance", r.InstanceType))
		}
		return "sklearn/training", processorOf(fam), nil
	case DJLNeuronX, HuggingFaceNeuronX:
		if !slices.Contains(neuronX, fam) {
			return "", "", e.with(FieldInstance, fmt.Sprintf("%s images serve Neuron instances (ml.inf2, ml.trn1), not %s", r.Framework, r.InstanceType))
		}
		if r.Framework == DJLNeuronX {
			return DJLNeuronX, processorOf(fam), nil
		}
		return "huggingface-neuronx/inference", processorOf(fam), nil
	case PyTorch:
	default:
		return "", "", e.with(FieldFramework, fmt.Sprintf("no hosting image table for framework %q (have %s, %s, %s, %s)", r.Framework, PyTorch, DJLNeuronX, HuggingFaceNeuronX, SKLearn))
	}
	switch {
	case slices.Contains(graviton, fam):
		return "pytorch/inference_graviton", "cpu", nil
	case fam == "inf1":
		return "", "", e.with(FieldInstance, fmt.Sprintf("an uncompiled PyTorch model cannot use %s's NeuronCores: compile it with Neo for ml_inf1, or use a CPU instance", r.InstanceType))
	case slices.Contains(neuronX, fam) || strings.HasPrefix(fam, "trn") || strings.HasPrefix(fam, "inf"):
		return "", "", e.with(FieldInstance, fmt.Sprintf("PyTorch on %s is served by the Neuron containers: use framework %s or %s", r.InstanceType, DJLNeuronX, HuggingFaceNeuronX))
	}
	return "pytorch/inference", processorOf(fam), nil
}

// Family is the instance family of ml.<family>.<size> ("g4dn" of ml.g4dn.xlarge), or ""
// for a string of another form.
func Family(instanceType string) string {
	parts := strings.Split(instanceType, ".")
	if len(parts) != 3 || parts[0] != "ml" || parts[1] == "" || parts[2] == "" {
		return ""
	}
	return parts[1]
}

// processorOf is the SDK's _processor for a family: inf*, trn*, g* and p* are inf, trn and
// gpu; anything else is cpu.
func processorOf(fam string) string {
	switch {
	case strings.HasPrefix(fam, "inf"):
		return "inf"
	case strings.HasPrefix(fam, "trn"):
		return "trn"
	case fam != "" && (fam[0] == 'g' || fam[0] == 'p'):
		return "gpu"
	}
	return "cpu"
}

func (c *config) lookup(v string) (string, *version) {
	if k, ok := c.aliases[v]; ok {
		v = k
	}
	return v, c.versions[v]
}

func (c *config) versionList() []string {
	var out []string
	for v := range c.versions {
		out = append(out, v)
	}
	for a := range c.aliases {
		out = append(out, a)
	}
	slices.SortFunc(out, compareVersions)
	return slices.Compact(out)
}

func checkProcessor(e *NoImageError, proc string, available []string) error {
	if available == nil || slices.Contains(available, proc) {
		return nil
	}
	e.Known = available
	return e.with(FieldInstance, fmt.Sprintf("%s images exist for processors %s, not %s", e.Scope, strings.Join(available, ", "), proc))
}

func pyVersion(e *NoImageError, py string, available []string) (string, error) {
	switch {
	case len(available) == 0:
		return "", nil // the SDK ignores a Python version the image has none of
	case py == "" && len(available) == 1:
		return available[0], nil
	case slices.Contains(available, py):
		return py, nil
	}
	e.Known = available
	if py == "" {
		return "", e.with(FieldPyVersion, fmt.Sprintf("version %s has images for Python %s: pick one", e.Request.Version, strings.Join(available, ", ")))
	}
	return "", e.with(FieldPyVersion, fmt.Sprintf("version %s has images for Python %s, not %s", e.Request.Version, strings.Join(available, ", "), py))
}

func registry(e *NoImageError, regs map[string]string) (string, error) {
	if a, ok := regs[e.Request.Region]; ok {
		return a, nil
	}
	e.Known = make([]string, 0, len(regs))
	for r := range regs {
		e.Known = append(e.Known, r)
	}
	slices.Sort(e.Known)
	return "", e.with(FieldRegion, fmt.Sprintf("%s %s is not published in region %q", e.Scope, e.Request.Version, e.Request.Region))
}

func image(scope, vkey, account, region, repo, tag string) Image {
	return Image{
		URI:   fmt.Sprintf("%s.dkr.ecr.%s.%s/%s:%s", account, region, Domain(region), repo, tag),
		Scope: scope, Account: account, Repository: repo, Tag: tag, Version: vkey,
	}
}

// alternateDomains are the DNS suffixes of regions outside the aws partition, as the
// SDK's common_utils.ALTERNATE_DOMAINS lists them.
var alternateDomains = map[string]string{
	"cn-north-1": "amazonaws.com.cn", "cn-northwest-1": "amazonaws.com.cn",
	"us-iso-east-1": "c2s.ic.gov", "us-iso-west-1": "c2s.ic.gov",
	"us-isob-east-1": "sc2s.sgov.gov", "us-isob-west-1": "sc2s.sgov.gov",
	"us-isof-south-1": "csp.hci.ic.gov", "us-isof-east-1": "csp.hci.ic.gov",
	"eu-isoe-west-1": "cloud.adc-e.uk", "eusc-de-east-1": "amazonaws.eu",
}

// Domain is the DNS suffix of ECR in region.
func Domain(region string) string {
	if d, ok := alternateDomains[region]; ok {
		return d
	}
	return "amazonaws.com"
}

// join is the SDK's _format_tag: the non-empty parts joined by "-".
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "-")
}
