package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// huggingFace resolves a huggingface-neuronx image. Its versions are transformers
// versions, each with images per base framework ("pytorch2.1.2"); the tag is
// <framework version>-transformers<version>-neuronx-<py>-<newest Neuron SDK>-<os>, as
// image_uris.retrieve builds it for inference_tool="neuronx".
func (r Request) huggingFace(e *NoImageError, cfg *config, vkey string, v *version, proc string) (Image, error) {
	bases := make([]string, 0, len(v.bases))
	for b := range v.bases {
		bases = append(bases, b)
	}
	slices.Sort(bases)
	base := r.BaseFramework
	if a, ok := v.baseAliases[base]; ok {
		base = a
	}
	b := v.bases[base]
	if b == nil {
		e.Known = bases
		if r.BaseFramework == "" {
			return Image{}, e.with(FieldBaseFramework, fmt.Sprintf("set the base framework of transformers %s (%s)", vkey, strings.Join(bases, ", ")))
		}
		return Image{}, e.with(FieldBaseFramework, fmt.Sprintf("transformers %s has no image for %q", vkey, r.BaseFramework))
	}
	if err := checkProcessor(e, proc, cfg.processors); err != nil {
		return Image{}, err
	}
	py, err := pyVersion(e, r.PyVersion, b.py)
	if err != nil {
		return Image{}, err
	}
	account, err := registry(e, b.registries)
	if err != nil {
		return Image{}, err
	}
	container := b.container[proc]
	if len(b.sdk) > 0 {
		container = slices.Max(b.sdk) + "-" + container // the SDK sorts these as strings
	}
	fw := strings.TrimPrefix(strings.TrimPrefix(base, "pytorch"), "tensorflow")
	tag := join(fw+"-transformers"+vkey, "neuronx", py, container)
	return image(e.Scope, vkey, account, r.Region, b.repository, tag), nil
}
