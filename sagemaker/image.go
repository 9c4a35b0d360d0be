package sagemaker

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sagebench/sagebench/internal/catalog"
)

// Processor is the hardware an inference container image is built for.
type Processor string

// The processors of the inference images. Inferentia and Trainium models are compiled by
// Neo (package neo) or served by the Neuron containers (ImageFrameworkDJLNeuronX,
// ImageFrameworkHuggingFaceNeuronX).
const (
	CPU        Processor = "cpu"
	GPU        Processor = "gpu"
	Inferentia Processor = "inf"
	Trainium   Processor = "trn"
)

// ImageFramework is the framework of a hosting image, as the SageMaker Python SDK's
// image_uris.retrieve names it ("pytorch"); a model's framework for Neo is a neo.Framework.
type ImageFramework string

// The frameworks of the hosting images ImageURI resolves.
const (
	ImageFrameworkPyTorch            ImageFramework = catalog.PyTorch            // pytorch-inference, pytorch-inference-graviton
	ImageFrameworkDJLNeuronX         ImageFramework = catalog.DJLNeuronX         // djl-inference on Neuron: ml.inf2, ml.trn1
	ImageFrameworkHuggingFaceNeuronX ImageFramework = catalog.HuggingFaceNeuronX // huggingface-pytorch-inference-neuronx: ml.inf2
)

// NoImageError says why an ImageSpec resolves to no image: which field (Field), why
// (Reason) and what would work (Known). It is the same type as neo.NoImageError.
type NoImageError = catalog.NoImageError

// ProcessorFor returns the processor of an instance type the way the Python SDK does:
// ml.inf* is Inferentia, ml.trn* Trainium, ml.g* and ml.p* GPU, anything else CPU. The
// type must be one SageMaker hosting offers (see CheckInstanceType).
func ProcessorFor(instanceType string) (Processor, error) {
	if err := CheckInstanceType(instanceType); err != nil {
		return "", err
	}
	family := strings.Split(instanceType, ".")[1]
	switch {
	case strings.HasPrefix(family, "inf"):
		return Inferentia, nil
	case strings.HasPrefix(family, "trn"):
		return Trainium, nil
	case family[0] == 'g' || family[0] == 'p':
		return GPU, nil
	}
	return CPU, nil
}

// ImageSpec selects an inference container image for an uncompiled model.
type ImageSpec struct {
	Framework        ImageFramework // ImageFrameworkPyTorch (the default), or a Neuron one
	Region           string         // e.g. "eu-west-1"
	FrameworkVersion string         // e.g. "1.8", "1.8.1", "2.6"; the tag keeps the form given
	// PyVersion is e.g. "py3" or "py310". Empty picks the version's only one, or py3
	// where a version has several (the SDK would ask).
	PyVersion string
	// InstanceType, e.g. ml.g4dn.xlarge, picks the processor and the scope (ml.c7g and
	// the other Graviton families get the inference_graviton images). Processor may be
	// given instead, for PyTorch on x86 CPU or GPU.
	InstanceType string
	Processor    Processor
	// BaseFramework is the Hugging Face image's framework, e.g. "pytorch2.1.2".
	BaseFramework string
}

// ImageURI returns the URI of the inference container image for s, as the SageMaker
// Python SDK's image_uris.retrieve does, from tables generated from the SDK's
// image_uri_config JSON. Errors say so for a malformed or unknown instance type, or are a
// *NoImageError saying why no image exists (version, Python version, region, or an
// instance family the framework's images do not serve).
func ImageURI(s ImageSpec) (string, error) {
	fw := strings.ToLower(string(s.Framework))
	if fw == "" {
		fw = catalog.PyTorch
	}
	it := s.InstanceType
	if it != "" {
		if err := CheckInstanceType(it); err != nil {
			return "", err
		}
	} else {
		// The processor stands for an instance of its kind: the tag depends on the
		// processor only (the SDK's _processor), so any type of the kind gives the same URI.
		switch s.Processor {
		case CPU, "":
			it = "ml.c5.xlarge"
		case GPU:
			it = "ml.g4dn.xlarge"
		case Inferentia, Trainium:
			return "", fmt.Errorf("sagemaker: give the instance type for processor %s (ml.inf1 needs a Neo-compiled model; ml.inf2 and ml.trn1 the Neuron containers)", s.Processor)
		default:
			return "", fmt.Errorf("sagemaker: unknown processor %q (want cpu or gpu)", s.Processor)
		}
	}
	req := catalog.Request{
		Framework: fw, Version: s.FrameworkVersion, InstanceType: it, Region: s.Region,
		PyVersion: s.PyVersion, BaseFramework: s.BaseFramework,
	}
	img, err := catalog.Resolve(req)
	var ne *NoImageError
	if s.PyVersion == "" && errors.As(err, &ne) && ne.Field == catalog.FieldPyVersion && slices.Contains(ne.Known, "py3") {
		req.PyVersion = "py3"
		img, err = catalog.Resolve(req)
	}
	if err != nil {
		return "", fmt.Errorf("sagemaker: %w", err)
	}
	return img.URI, nil
}

// PyTorchImage is ImageURI for the PyTorch inference images (s.Framework is ignored), e.g.
// 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3. It refuses
// Inferentia and Trainium instances, whose PyTorch models are compiled by Neo (package neo)
// or served by the Neuron containers.
func PyTorchImage(s ImageSpec) (string, error) {
	s.Framework = ImageFrameworkPyTorch
	return ImageURI(s)
}

func ecrDomain(region string) string { return catalog.Domain(region) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
