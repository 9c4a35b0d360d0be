package sagebench

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sagebench/sagebench/internal/catalog"
	"github.com/sagebench/sagebench/neo"
)

// Candidate is one deployment the study measures: an endpoint of InstanceCount instances
// of InstanceType serving the model as is, or compiled by Neo for Target, with optional
// container parameters (environment variables such as model-server workers or thread
// counts, like Inference Recommender's EnvironmentParameterRanges).
type Candidate struct {
	// Name identifies the candidate in events, reports and the resume directory; unique
	// within a study. Matrix derives it ("g4dn+neo workers=2").
	Name          string
	InstanceType  string // e.g. ml.g4dn.xlarge
	InstanceCount int    // 0 means 1
	// Target, when set, serves the model compiled by Neo for this device (ml_g4dn); each
	// target is compiled once however many candidates share it.
	Target neo.Target
	// FrameworkVersion, for an uncompiled candidate, is the version of the model it serves
	// when that is not the study's (Study.FrameworkVersion): it picks the serving image.
	// Compiled candidates share their target's Neo job; set Study.NeoVersions for those.
	FrameworkVersion string `json:",omitempty"`
	// Image overrides the container image the study would resolve.
	Image string
	// Env is laid over the container environment the study would set.
	Env map[string]string
	// Note is shown under the report's row.
	Note string `json:",omitempty"`
	// Endpoint, if set, names an endpoint that is already in service in the study's
	// region (one of yours, deployed by other means): the study measures it as it is and
	// never deploys, updates or deletes it, its configuration or its model. Its instance
	// type and count are read from its configuration (DescribeEndpoint and
	// DescribeEndpointConfig) and price it; InstanceType and InstanceCount, if set, must
	// match. Target, FrameworkVersion, Image and Env do not apply. It adds nothing to the
	// Bill: the endpoint bills whether or not it is measured.
	Endpoint string `json:",omitempty"`
	// Serverless, if set, deploys a serverless endpoint instead of instances
	// (see ServerlessSpec); InstanceType and InstanceCount are then empty.
	Serverless *ServerlessSpec `json:",omitempty"`
}

// Existing reports whether the candidate is an endpoint that exists already.
func (c Candidate) Existing() bool { return c.Endpoint != "" }

// Compiled reports whether the candidate serves a Neo-compiled model.
func (c Candidate) Compiled() bool { return c.Target != "" }

func (c Candidate) count() int { return max(c.InstanceCount, 1) }

// Grid is the set of choices Matrix crosses. A nil field takes the one-value default.
type Grid struct {
	InstanceTypes []string
	// Compile lists the compilation choices: false serves the model as is, true compiles
	// it with Neo for the instance type's family (ml.c5.xlarge: ml_c5) [{false}].
	Compile []bool
	// Env lists container parameter sets; each is one choice [{}].
	Env []map[string]string
	// Counts lists instance counts [{1}].
	Counts []int
}

// Matrix returns the cross product of g's choices, instance type first, with derived,
// unique names: the instance family (with its size when two sizes of a family are in
// the grid), "+neo" when compiled, the container parameters as key=value sorted by key,
// and "x3" for three instances, e.g. "g4dn+neo workers=2 x3".
func Matrix(g Grid) []Candidate {
	compile := orOne(g.Compile, false)
	envs := orOne(g.Env, nil)
	counts := orOne(g.Counts, 1)
	families := map[string]int{}
	for _, t := range slices.Compact(slices.Clone(g.InstanceTypes)) {
		families[catalog.Family(t)]++
	}
	var out []Candidate
	for _, it := range g.InstanceTypes {
		label := catalog.Family(it)
		if label == "" || families[label] > 1 { // not ml.<family>.<size> (Plan refuses it), or two sizes
			label = strings.TrimPrefix(it, "ml.")
		}
		for _, neoOn := range compile {
			for _, env := range envs {
				for _, n := range counts {
					c := Candidate{InstanceType: it, InstanceCount: n, Env: maps.Clone(env)}
					name := label
					if neoOn {
						c.Target = neoTarget(it)
						name += "+neo"
					}
					for _, k := range slices.Sorted(maps.Keys(env)) {
						name += " " + k + "=" + env[k]
					}
					if n > 1 {
						name += fmt.Sprintf(" x%d", n)
					}
					c.Name = name
					out = append(out, c)
				}
			}
		}
	}
	return uniqueNames(out)
}

// neoTarget is the target Matrix compiles instanceType for: neo.TargetFor's, or, when Neo
// has none for its family, the target of the family's name, which Plan refuses with
// neo.TargetFor's reason.
func neoTarget(instanceType string) neo.Target {
	if t, err := neo.TargetFor(instanceType); err == nil {
		return t
	}
	return neo.Target("ml_" + catalog.Family(instanceType))
}

func orOne[T any](s []T, def T) []T {
	if len(s) == 0 {
		return []T{def}
	}
	return s
}

// uniqueNames suffixes repeated names with #2, #3, ... so that a grid with a repeated
// choice still names every candidate once.
func uniqueNames(cs []Candidate) []Candidate {
	taken := map[string]bool{}
	for _, c := range cs {
		taken[c.Name] = true
	}
	seen := map[string]bool{}
	for i := range cs {
		if !seen[cs[i].Name] {
			seen[cs[i].Name] = true
			continue
		}
		base := cs[i].Name
		for n := 2; ; n++ { // skip suffixes another derived name already has
			if name := fmt.Sprintf("%s #%d", base, n); !taken[name] && !seen[name] {
				cs[i].Name = name
				break
			}
		}
		seen[cs[i].Name] = true
	}
	return cs
}
