package sagemakertest

import (
	"slices"
	"strings"
	"time"
)

// Profile says how one endpoint instance serves requests: it runs Workers
// model workers, each busy for DeviceTime per request, so one instance
// sustains Workers/DeviceTime requests per second once enough clients keep
// every worker busy. Requests beyond the workers wait in a queue.
type Profile struct {
	Workers    int
	DeviceTime time.Duration
	// Source says where the figures come from.
	Source string
}

// Throughput is the requests per second one instance sustains when saturated.
func (p Profile) Throughput() float64 {
	if p.DeviceTime <= 0 {
		return 0
	}
	return float64(p.Workers) / p.DeviceTime.Seconds()
}

// ProfileEntry is one row of the profile table.
type ProfileEntry struct {
	InstanceType string
	Compiled     bool
	Profile
}

type profileKey struct {
	instanceType string
	compiled     bool
}

const studySource = "reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): "

// Workers per instance follow the hardware: ml.c5.xlarge and ml.g4dn.xlarge
// have 4 vCPUs and the serving container starts one model worker per vCPU (on
// g4dn the four share the GPU, overlapping their CPU work with its kernels);
// ml.inf1.xlarge has 4 NeuronCores and the Neuron runtime binds one worker to
// each. DeviceTime = Workers / published TPS, so 16 clients (more than the
// workers) saturate the instance at the published figure.
var shippedProfiles = []ProfileEntry{
	{"ml.c5.xlarge", false, Profile{4, 678 * time.Millisecond, studySource + "c5 5.9 TPS"}},
	{"ml.c5.xlarge", true, Profile{4, 310 * time.Millisecond, studySource + "c5+neo 12.9 TPS"}},
	{"ml.g4dn.xlarge", false, Profile{4, 53500 * time.Microsecond, studySource + "g4dn 74.7 TPS"}},
	{"ml.g4dn.xlarge", true, Profile{4, 28500 * time.Microsecond, studySource + "g4dn+neo 140.4 TPS"}},
	{"ml.inf1.xlarge", true, Profile{4, 13150 * time.Microsecond, studySource + "inf1+neo 304.3 TPS"}},
	// An uncompiled PyTorch model cannot use the NeuronCores: a CPU serving
	// image on inf1 runs on its 4 vCPUs (2nd generation Xeon, like c5), so the
	// c5 figure is used. Not measured by the study; an estimate.
	{"ml.inf1.xlarge", false, Profile{4, 678 * time.Millisecond, "estimate: uncompiled model on inf1 falls back to its 4 vCPUs, taken as c5 (5.9 TPS); not in the study"}},
}

// fallbackProfile serves instance types without a profile of their own.
var fallbackProfile = Profile{2, 100 * time.Millisecond, "sagemakertest default for instance types without a profile"}

// Profiles returns the shipped profile table, sorted by instance type and
// compiled-ness. Instance types not in it get 2 workers of 100ms each.
func Profiles() []ProfileEntry {
	out := slices.Clone(shippedProfiles)
	slices.SortFunc(out, func(a, b ProfileEntry) int {
		if c := strings.Compare(a.InstanceType, b.InstanceType); c != 0 {
			return c
		}
		if a.Compiled == b.Compiled {
			return 0
		}
		if a.Compiled {
			return 1
		}
		return -1
	})
	return out
}

func defaultProfiles() map[profileKey]Profile {
	m := make(map[profileKey]Profile, len(shippedProfiles))
	for _, e := range shippedProfiles {
		m[profileKey{e.InstanceType, e.Compiled}] = e.Profile
	}
	return m
}

// profileFor returns the profile that applies to an instance type.
func (s *Server) profileFor(instanceType string, compiled bool) Profile {
	if p, ok := s.opts.profiles[profileKey{instanceType, compiled}]; ok && p.Workers > 0 {
		return p
	}
	return fallbackProfile
}

// ProfileFor returns the profile the server uses for an instance type, after
// [WithProfile] overrides and before the time scale.
func (s *Server) ProfileFor(instanceType string, compiled bool) Profile {
	return s.profileFor(instanceType, compiled)
}
