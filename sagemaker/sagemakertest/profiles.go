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
	// Generic is true for a profile derived from the instance type's hardware
	// (see GenericProfile) rather than calibrated to a measurement.
	Generic bool
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
	{"ml.c5.xlarge", false, Profile{Workers: 4, DeviceTime: 678 * time.Millisecond, Source: studySource + "c5 5.9 TPS"}},
	{"ml.c5.xlarge", true, Profile{Workers: 4, DeviceTime: 310 * time.Millisecond, Source: studySource + "c5+neo 12.9 TPS"}},
	{"ml.g4dn.xlarge", false, Profile{Workers: 4, DeviceTime: 53500 * time.Microsecond, Source: studySource + "g4dn 74.7 TPS"}},
	{"ml.g4dn.xlarge", true, Profile{Workers: 4, DeviceTime: 28500 * time.Microsecond, Source: studySource + "g4dn+neo 140.4 TPS"}},
	{"ml.inf1.xlarge", true, Profile{Workers: 4, DeviceTime: 13150 * time.Microsecond, Source: studySource + "inf1+neo 304.3 TPS"}},
	// An uncompiled PyTorch model cannot use the NeuronCores: a CPU serving
	// image on inf1 runs on its 4 vCPUs (2nd generation Xeon, like c5), so the
	// c5 figure is used. Not measured by the study; an estimate.
	{"ml.inf1.xlarge", false, Profile{Workers: 4, DeviceTime: 678 * time.Millisecond, Source: "estimate: uncompiled model on inf1 falls back to its 4 vCPUs, taken as c5 (5.9 TPS); not in the study"}},
}

// fallbackProfile serves instance types whose hardware is unknown: names the
// SDK's instance types do not hold, which the API refuses anyway.
var fallbackProfile = Profile{Workers: 2, DeviceTime: 100 * time.Millisecond, Source: "sagemakertest default for instance types of unknown hardware", Generic: true}

// Profiles returns the shipped, calibrated profile table, sorted by instance
// type and compiled-ness. Every other instance type gets its [GenericProfile],
// derived from its hardware.
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
	if p, ok := GenericProfile(instanceType, compiled); ok {
		return p
	}
	return fallbackProfile
}

// ProfileFor returns the profile the server uses for an instance type, after
// [WithProfile] overrides and before the time scale.
func (s *Server) ProfileFor(instanceType string, compiled bool) Profile {
	return s.profileFor(instanceType, compiled)
}
