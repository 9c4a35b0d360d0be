package sagemaker

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Processor is the hardware an inference container image is built for.
type Processor string

// The processors of the PyTorch inference images. Inferentia (ml.inf*) takes a Neo
// compiled model and a Neo image, which package neo resolves.
const (
	CPU        Processor = "cpu"
	GPU        Processor = "gpu"
	Inferentia Processor = "inf"
)

// ProcessorFor returns the processor of an instance type the way the Python SDK does:
// ml.inf* is Inferentia, ml.g* and ml.p* are GPU, anything else is CPU.
func ProcessorFor(instanceType string) (Processor, error) {
	if err := checkInstanceType(instanceType); err != nil {
		return "", fmt.Errorf("sagemaker: %w", err)
	}
	family := strings.Split(instanceType, ".")[1]
	switch {
	case strings.HasPrefix(family, "inf"):
		return Inferentia, nil
	case family[0] == 'g' || family[0] == 'p':
		return GPU, nil
	}
	return CPU, nil
}

// ImageSpec selects a PyTorch inference container image.
type ImageSpec struct {
	Region           string // e.g. "eu-west-1"
	FrameworkVersion string // e.g. "1.8", "1.8.1", "2.1"; the tag keeps the form given
	PyVersion        string // e.g. "py3", "py38"; empty picks the version's only (or "py3")
	// Processor, or InstanceType to derive it (ml.g4dn.xlarge gives GPU).
	Processor    Processor
	InstanceType string
}

// pytorchVersion is one row of the table below: the Python versions its images exist for.
type pytorchVersion struct {
	py []string
}

// pytorchInference mirrors the "inference" section of the Python SDK's
// image_uri_config/pytorch.json (repository pytorch-inference), for versions 1.2 to 2.3.
var pytorchInference = map[string]pytorchVersion{
	"1.2.0": {py: []string{"py2", "py3"}}, "1.3.1": {py: []string{"py2", "py3"}},
	"1.4.0": {py: []string{"py3", "py36"}}, "1.5.0": {py: []string{"py3", "py36"}},
	"1.5.1": {py: []string{"py3", "py36"}}, "1.6.0": {py: []string{"py3", "py36"}},
	"1.7.1": {py: []string{"py3", "py36"}}, "1.8.0": {py: []string{"py3", "py36"}},
	"1.8.1": {py: []string{"py3", "py36"}},
	"1.9.0": {py: []string{"py38"}}, "1.9.1": {py: []string{"py38"}},
	"1.10.0": {py: []string{"py38"}}, "1.10.2": {py: []string{"py38"}},
	"1.11.0": {py: []string{"py38"}}, "1.12.0": {py: []string{"py38"}},
	"1.12.1": {py: []string{"py38"}},
	"1.13.0": {py: []string{"py39"}}, "1.13.1": {py: []string{"py39"}},
	"2.0.0": {py: []string{"py310"}}, "2.0.1": {py: []string{"py310"}},
	"2.1.0": {py: []string{"py310"}}, "2.2.0": {py: []string{"py310"}},
	"2.3.0": {py: []string{"py311"}},
}

// pytorchAliases are the short versions the Python SDK accepts.
var pytorchAliases = map[string]string{
	"1.2": "1.2.0", "1.3": "1.3.1", "1.4": "1.4.0", "1.5": "1.5.1", "1.6": "1.6.0",
	"1.7": "1.7.1", "1.8": "1.8.1", "1.9": "1.9.1", "1.10": "1.10.2", "1.11": "1.11.0",
	"1.12": "1.12.1", "1.13": "1.13.1", "2.0": "2.0.1", "2.1": "2.1.0", "2.2": "2.2.0",
	"2.3": "2.3.0",
}

// dlcRegistries are the ECR accounts of the AWS Deep Learning Containers per region, from
// the same file (the same for every pytorch-inference version listed above).
var dlcRegistries = map[string]string{
	"af-south-1": "626614931356", "ap-east-1": "871362719292",
	"ap-northeast-1": "763104351884", "ap-northeast-2": "763104351884",
	"ap-northeast-3": "364406365360", "ap-south-1": "763104351884",
	"ap-south-2": "772153158452", "ap-southeast-1": "763104351884",
	"ap-southeast-2": "763104351884", "ap-southeast-3": "907027046896",
	"ap-southeast-4": "457447274322", "ca-central-1": "763104351884",
	"ca-west-1": "204538143572", "cn-north-1": "727897471807",
	"cn-northwest-1": "727897471807", "eu-central-1": "763104351884",
	"eu-central-2": "380420809688", "eu-north-1": "763104351884",
	"eu-south-1": "692866216735", "eu-south-2": "503227376785",
	"eu-west-1": "763104351884", "eu-west-2": "763104351884",
	"eu-west-3": "763104351884", "il-central-1": "780543022126",
	"me-central-1": "914824155844", "me-south-1": "217643126080",
	"sa-east-1": "763104351884", "us-east-1": "763104351884",
	"us-east-2": "763104351884", "us-gov-east-1": "446045086412",
	"us-gov-west-1": "442386744353", "us-west-1": "763104351884",
	"us-west-2": "763104351884",
}

// PyTorchImage returns the URI of the PyTorch inference container image for s, as the
// Python SDK's image_uris.retrieve("pytorch", ...) does, e.g.
// 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3.
// It refuses a version, Python version or region it does not know, and Inferentia, whose
// models are compiled by Neo and served from Neo images (package neo).
func PyTorchImage(s ImageSpec) (string, error) {
	proc := s.Processor
	if proc == "" && s.InstanceType != "" {
		p, err := ProcessorFor(s.InstanceType)
		if err != nil {
			return "", err
		}
		proc = p
	}
	switch proc {
	case "":
		proc = CPU
	case CPU, GPU:
	case Inferentia:
		return "", fmt.Errorf("sagemaker: no pytorch-inference image for Inferentia (%s): compile the model with Neo and use the image it returns", orDefault(s.InstanceType, "inf"))
	default:
		return "", fmt.Errorf("sagemaker: unknown processor %q (want cpu or gpu)", proc)
	}
	full, ok := pytorchAliases[s.FrameworkVersion]
	if !ok {
		full = s.FrameworkVersion
	}
	v, ok := pytorchInference[full]
	if !ok {
		return "", fmt.Errorf("sagemaker: unknown PyTorch inference version %q (known: %s)", s.FrameworkVersion, strings.Join(knownVersions(), ", "))
	}
	py := s.PyVersion
	switch {
	case py == "" && len(v.py) == 1:
		py = v.py[0]
	case py == "":
		py = "py3"
	case !slices.Contains(v.py, py):
		return "", fmt.Errorf("sagemaker: PyTorch %s images exist for %s, not %s", s.FrameworkVersion, strings.Join(v.py, ", "), py)
	}
	account, ok := dlcRegistries[s.Region]
	if !ok {
		return "", fmt.Errorf("sagemaker: no PyTorch inference images known in region %q", s.Region)
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/pytorch-inference:%s-%s-%s", account, s.Region, ecrDomain(s.Region), s.FrameworkVersion, proc, py), nil
}

func ecrDomain(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

func knownVersions() []string {
	var out []string
	for k := range pytorchAliases {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return versionLess(out[i], out[j]) })
	return out
}

// versionLess orders dotted versions numerically ("1.9" < "1.10").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if len(pa[i]) != len(pb[i]) {
			return len(pa[i]) < len(pb[i])
		}
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
