package sagemakertest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// TestEveryInstanceTypeHasAGenericProfile derives a profile for every
// real-time instance type the SDK knows, plain and compiled: none is left to
// a made-up default, and each says it is generic and where it comes from.
func TestEveryInstanceTypeHasAGenericProfile(t *testing.T) {
	for _, v := range types.ProductionVariantInstanceType("").Values() {
		it := string(v)
		for _, compiled := range []bool{false, true} {
			p, ok := sagemakertest.GenericProfile(it, compiled)
			if !ok {
				t.Errorf("%s compiled=%v: no generic profile (is its family's hardware missing?)", it, compiled)
				continue
			}
			if p.Workers < 1 || p.DeviceTime <= 0 || !p.Generic || !strings.Contains(p.Source, "generic") || !strings.Contains(p.Source, "assumes") {
				t.Errorf("%s compiled=%v: %+v", it, compiled, p)
			}
		}
	}
}

// TestInstanceHardwareMatchesPublishedFacts checks the derived hardware
// against figures AWS publishes (sources in Hardware.Source).
func TestInstanceHardwareMatchesPublishedFacts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ                 string
		vcpus               int
		kind                string
		accelerators, cores int
	}{
		{"ml.t2.medium", 2, "", 0, 0},
		{"ml.c8g.medium", 1, "", 0, 0},
		{"ml.m5.large", 2, "", 0, 0},
		{"ml.c5.9xlarge", 36, "", 0, 0},
		{"ml.c6i.32xlarge", 128, "", 0, 0},
		{"ml.g4dn.xlarge", 4, sagemakertest.AcceleratorGPU, 1, 1},
		{"ml.g4dn.12xlarge", 48, sagemakertest.AcceleratorGPU, 4, 4},
		{"ml.g5.xlarge", 4, sagemakertest.AcceleratorGPU, 1, 1},
		{"ml.g5.48xlarge", 192, sagemakertest.AcceleratorGPU, 8, 8},
		{"ml.g7e.12xlarge", 48, sagemakertest.AcceleratorGPU, 2, 2},
		{"ml.p3.2xlarge", 8, sagemakertest.AcceleratorGPU, 1, 1},
		{"ml.p6e-gb200.36xlarge", 144, sagemakertest.AcceleratorGPU, 4, 4},
		{"ml.dl1.24xlarge", 96, sagemakertest.AcceleratorGaudi, 8, 8},
		{"ml.inf1.xlarge", 4, sagemakertest.AcceleratorNeuron, 1, 4},
		{"ml.inf1.24xlarge", 96, sagemakertest.AcceleratorNeuron, 16, 64},
		{"ml.inf2.xlarge", 4, sagemakertest.AcceleratorNeuron, 1, 2},
		{"ml.inf2.48xlarge", 192, sagemakertest.AcceleratorNeuron, 12, 24},
		{"ml.trn1.32xlarge", 128, sagemakertest.AcceleratorNeuron, 16, 32},
	} {
		h, ok := sagemakertest.InstanceHardware(tc.typ)
		if !ok || h.VCPUs != tc.vcpus || h.Accelerator != tc.kind || h.Accelerators != tc.accelerators || h.Cores != tc.cores || h.Source == "" {
			t.Errorf("%s: %+v, %v; want %d vCPUs, %d %q (%d cores)", tc.typ, h, ok, tc.vcpus, tc.accelerators, tc.kind, tc.cores)
		}
	}
	for _, bad := range []string{"", "c5.xlarge", "ml.c5", "ml.c5.huge", "ml.g99.xlarge", "ml.c5.0xlarge"} {
		if h, ok := sagemakertest.InstanceHardware(bad); ok {
			t.Errorf("%q: got %+v, want not ok", bad, h)
		}
	}
}

// TestGenericProfilesReproduceTheCalibration applies the generic rule to the
// instance types the reference study measured: it must give their calibrated
// profiles, so that a generic row is on the same scale as a calibrated one.
func TestGenericProfilesReproduceTheCalibration(t *testing.T) {
	for _, e := range sagemakertest.Profiles() {
		g, ok := sagemakertest.GenericProfile(e.InstanceType, e.Compiled)
		if !ok || g.Workers != e.Workers || g.DeviceTime != e.DeviceTime {
			t.Errorf("%s compiled=%v: generic %d x %v, calibrated %d x %v", e.InstanceType, e.Compiled, g.Workers, g.DeviceTime, e.Workers, e.DeviceTime)
		}
		if e.Generic {
			t.Errorf("%s compiled=%v: a calibrated profile says it is generic", e.InstanceType, e.Compiled)
		}
	}
}

// TestServerUsesCalibratedThenGenericProfiles: the study's instance types
// keep their calibrated profiles exactly; others get the generic one, whose
// device time lets a 100 ms SLO pass on a GPU; WithProfile overrides both.
func TestServerUsesCalibratedThenGenericProfiles(t *testing.T) {
	srv := newServer(t, sagemakertest.WithProfile("ml.g6.xlarge", false, sagemakertest.Profile{Workers: 1, DeviceTime: time.Second}))
	if p := srv.ProfileFor("ml.c5.xlarge", false); p.Generic || p.Workers != 4 || p.DeviceTime != 678*time.Millisecond {
		t.Errorf("ml.c5.xlarge: %+v, want the calibrated 4 x 678ms", p)
	}
	if p := srv.ProfileFor("ml.inf1.xlarge", true); p.Generic || p.Workers != 4 || p.DeviceTime != 13150*time.Microsecond {
		t.Errorf("ml.inf1.xlarge compiled: %+v, want the calibrated 4 x 13.15ms", p)
	}
	if p := srv.ProfileFor("ml.g5.xlarge", false); !p.Generic || p.Workers != 4 || p.DeviceTime != 53500*time.Microsecond {
		t.Errorf("ml.g5.xlarge: %+v, want generic 4 x 53.5ms", p)
	}
	if p := srv.ProfileFor("ml.inf2.48xlarge", true); !p.Generic || p.Workers != 24 || p.DeviceTime != 13150*time.Microsecond {
		t.Errorf("ml.inf2.48xlarge compiled: %+v, want generic 24 NeuronCores x 13.15ms", p)
	}
	if p := srv.ProfileFor("ml.c6i.2xlarge", false); !p.Generic || p.Workers != 8 || p.DeviceTime != 678*time.Millisecond {
		t.Errorf("ml.c6i.2xlarge: %+v, want generic 8 vCPUs x 678ms", p)
	}
	if p := srv.ProfileFor("ml.g6.xlarge", false); p.Generic || p.Workers != 1 {
		t.Errorf("WithProfile override not applied: %+v", p)
	}
}
