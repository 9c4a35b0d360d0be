package catalog

import (
	"maps"
	"slices"
	"sync"
)

// Regions lists, sorted, every region any table publishes an image in: the regions the
// SageMaker Python SDK knows SageMaker hosting in. A region outside it is a typo or a
// region the SDK's tables do not cover yet.
var Regions = sync.OnceValue(func() []string {
	set := map[string]bool{}
	var walk func(v *version)
	walk = func(v *version) {
		for r := range v.registries {
			set[r] = true
		}
		for _, b := range v.bases {
			walk(b)
		}
	}
	for _, c := range scopes {
		for _, v := range c.versions {
			walk(v)
		}
	}
	return slices.Sorted(maps.Keys(set))
})
