package sagemakertest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Accelerator kinds of [Hardware].
const (
	AcceleratorNone   = ""
	AcceleratorGPU    = "GPU"        // NVIDIA GPUs (ml.g*, ml.p*)
	AcceleratorGaudi  = "Gaudi"      // Habana Gaudi (ml.dl1)
	AcceleratorNeuron = "NeuronCore" // AWS Inferentia and Trainium (ml.inf*, ml.trn*)
)

// vcpuSource says where every Hardware's vCPUs come from.
const vcpuSource = "vCPUs from EC2's size names (medium 1, t2.medium 2, large 2, xlarge 4, Nxlarge 4N), as " +
	"aws/sagemaker-hyperpod-cli src/sagemaker/hyperpod/training/constants.py@2d082e97 lists them for ml.c5 to ml.p6"

// Hardware is what an instance type has that serves a model: its vCPUs and
// its accelerators, from which the generic profiles are derived (see
// [GenericProfile]).
type Hardware struct {
	VCPUs int
	// Accelerator is the kind of accelerator (AcceleratorGPU, AcceleratorGaudi,
	// AcceleratorNeuron), empty for a CPU-only instance type.
	Accelerator string
	// Accelerators is the number of GPUs, Gaudi cards or Neuron chips.
	Accelerators int
	// Cores are the NeuronCores over all Neuron chips (one model worker each, as
	// the Neuron runtime binds them); for other accelerators, Accelerators.
	Cores int
	// Source says where the accelerator count comes from.
	Source string
}

const (
	srcSDKGPU   = "SageMaker Python SDK src/sagemaker/image_uri_config/instance_gpu_info.json@53cb6f82"
	srcHyperPod = "aws/sagemaker-hyperpod-cli src/sagemaker/hyperpod/training/constants.py@2d082e97"
	srcInf1     = "AWS Neuron docs, Inf1 architecture (https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/inf1-arch.html): 4 NeuronCores per Inferentia chip"
	srcInf2     = "AWS Neuron docs, Inf2 and Inferentia2 architecture (https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/inferentia2.html): 2 NeuronCore-v2 per Inferentia2 chip"
	srcTrn      = srcHyperPod + " (Trainium chips) and AWS Neuron docs, Trainium architecture: 2 NeuronCore-v2 per Trainium chip, 8 NeuronCore-v3 per Trainium2 chip"
	srcDL1      = "Amazon EC2 DL1 instances page (https://aws.amazon.com/ec2/instance-types/dl1/): 8 Gaudi accelerators"
	srcG7       = "no published count found for ml.g7; assumed to be g7e's per size (" + srcHyperPod + ")"
)

// accelerators lists every real-time instance type with accelerators: kind,
// count, NeuronCores per chip (Neuron only) and source. A family missing here
// is served as CPU-only; TestEveryInstanceTypeHasAGenericProfile fails when
// the SDK's instance types name an accelerated family that is not.
var accelerators = func() map[string]Hardware {
	m := map[string]Hardware{}
	add := func(kind string, perChip int, src string, counts map[string]int) {
		for typ, n := range counts {
			cores := n
			if perChip > 0 {
				cores = n * perChip
			}
			m["ml."+typ] = Hardware{Accelerator: kind, Accelerators: n, Cores: cores, Source: src}
		}
	}
	add(AcceleratorGPU, 0, srcSDKGPU, map[string]int{
		"p2.xlarge": 1, "p2.8xlarge": 8, "p2.16xlarge": 16,
		"p3.2xlarge": 1, "p3.8xlarge": 4, "p3.16xlarge": 8,
		"g4dn.xlarge": 1, "g4dn.2xlarge": 1, "g4dn.4xlarge": 1, "g4dn.8xlarge": 1, "g4dn.16xlarge": 1, "g4dn.12xlarge": 4,
	})
	sized := func(families []string, counts map[string]int, src string) {
		for _, f := range families {
			c := map[string]int{}
			for size, n := range counts {
				c[f+"."+size] = n
			}
			add(AcceleratorGPU, 0, src, c)
		}
	}
	sized([]string{"g5", "g6", "g6e"}, map[string]int{
		"xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8,
	}, srcHyperPod)
	g7 := map[string]int{"2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 2, "24xlarge": 4, "48xlarge": 8}
	sized([]string{"g7e"}, g7, srcHyperPod)
	sized([]string{"g7"}, g7, srcG7)
	add(AcceleratorGPU, 0, srcHyperPod, map[string]int{
		"p4d.24xlarge": 8, "p4de.24xlarge": 8, "p5.4xlarge": 1, "p5.48xlarge": 8, "p5e.48xlarge": 8, "p5en.48xlarge": 8,
		"p6-b200.48xlarge": 8, "p6-b300.48xlarge": 8, "p6e-gb200.36xlarge": 4,
	})
	add(AcceleratorGaudi, 0, srcDL1, map[string]int{"dl1.24xlarge": 8})
	add(AcceleratorNeuron, 4, srcInf1, map[string]int{"inf1.xlarge": 1, "inf1.2xlarge": 1, "inf1.6xlarge": 4, "inf1.24xlarge": 16})
	add(AcceleratorNeuron, 2, srcInf2, map[string]int{"inf2.xlarge": 1, "inf2.8xlarge": 1, "inf2.24xlarge": 6, "inf2.48xlarge": 12})
	add(AcceleratorNeuron, 2, srcTrn, map[string]int{"trn1.2xlarge": 1, "trn1.32xlarge": 16, "trn1n.32xlarge": 16})
	add(AcceleratorNeuron, 8, srcTrn, map[string]int{"trn2.48xlarge": 16})
	return m
}()

// acceleratedFamily reports whether an instance family's name says it has
// accelerators (ml.g*, ml.p*, ml.inf*, ml.trn*, ml.dl*).
func acceleratedFamily(family string) bool {
	for _, p := range []string{"g", "p", "inf", "trn", "dl"} {
		if rest, ok := strings.CutPrefix(family, p); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return true
		}
	}
	return false
}

// InstanceHardware returns the vCPUs and accelerators of a SageMaker instance
// type ("ml.g5.xlarge"). vCPUs follow EC2's size names, which every ml.*
// type of the SDK's ProductionVariantInstanceType follows (medium 1, except
// t2.medium's 2; large 2; xlarge 4; Nxlarge 4N); accelerators come from the
// sources named in Hardware.Source. ok is false for a name it cannot read.
func InstanceHardware(instanceType string) (h Hardware, ok bool) {
	rest, ok := strings.CutPrefix(instanceType, "ml.")
	if !ok {
		return h, false
	}
	family, size, ok := strings.Cut(rest, ".")
	if !ok || family == "" {
		return h, false
	}
	switch {
	case size == "medium" && family == "t2":
		h.VCPUs = 2
	case size == "medium":
		h.VCPUs = 1
	case size == "large":
		h.VCPUs = 2
	case size == "xlarge":
		h.VCPUs = 4
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err != nil || n < 1 || n > 1024 {
			return h, false
		}
		h.VCPUs = 4 * n
	default:
		return h, false
	}
	if a, found := accelerators[instanceType]; found {
		a.VCPUs = h.VCPUs
		return a, true
	}
	if acceleratedFamily(family) {
		return h, false // accelerated, but not in the table: do not guess
	}
	h.Source = "none (CPU only)"
	return h, true
}

// Per-unit device times of the generic profiles: the calibrated profiles of
// the reference study, per model worker (see shippedProfiles).
const (
	cpuDevice, cpuDeviceNeo = 678 * time.Millisecond, 310 * time.Millisecond     // c5: per vCPU
	gpuDevice, gpuDeviceNeo = 53500 * time.Microsecond, 28500 * time.Microsecond // g4dn: per worker, 4 per T4
	neuronDeviceNeo         = 13150 * time.Microsecond                           // inf1+neo: per NeuronCore
	gpuWorkersPerCard       = 4
)

// Source texts of the generic profiles: what was derived, then the assumption.
const (
	genericPrefix     = "generic profile from the hardware, not measured: "
	genericAssumption = "; assumes any model serves as fast as the study's ResNet50 and a newer generation of the same kind no faster"
	genericCPU        = genericPrefix + "%d vCPUs, one model worker each at c5's %v per request"
	genericCPUNeuron  = genericPrefix + "%d vCPUs, one model worker each at c5's %v per request (an uncompiled model cannot use the NeuronCores)"
	genericCards      = genericPrefix + "%d %s x %d model workers at g4dn's %v per request"
	genericNeuron     = genericPrefix + "%d NeuronCores, one model worker each at inf1+neo's %v per request"
)

// GenericProfile derives a profile from an instance type's hardware, for the
// types the reference study did not measure. It scales the study's calibrated
// figures by what the instance has:
//
//   - CPU only: one model worker per vCPU (the serving container's default),
//     each at c5.xlarge's device time (678 ms, 310 ms compiled).
//   - GPUs (and Gaudi cards): 4 model workers per card, each at
//     g4dn.xlarge's device time (53.5 ms, 28.5 ms compiled), as g4dn.xlarge's
//     4 workers share its one T4; the card, not the vCPUs, bounds it.
//   - Inferentia and Trainium: a Neo-compiled model gets one worker per
//     NeuronCore at inf1.xlarge's 13.15 ms; an uncompiled one cannot use the
//     NeuronCores and runs on the vCPUs as on a CPU instance.
//
// The assumptions, stated in Source: any model serves as fast as the study's
// ResNet50, and a newer generation is no faster than the study's (a g5 GPU
// serves like a T4). Applied to ml.c5.xlarge, ml.g4dn.xlarge and
// ml.inf1.xlarge it gives their calibrated profiles. ok is false when the
// hardware is unknown (see [InstanceHardware]).
func GenericProfile(instanceType string, compiled bool) (p Profile, ok bool) {
	h, ok := InstanceHardware(instanceType)
	if !ok || h.VCPUs < 1 {
		return p, false
	}
	hw := genericAssumption + " (hardware: " + vcpuSource + "; accelerators: " + h.Source + ")"
	p.Generic = true
	switch {
	case h.Accelerator == AcceleratorNeuron && compiled:
		p.Workers, p.DeviceTime = h.Cores, neuronDeviceNeo
		p.Source = fmt.Sprintf(genericNeuron, h.Cores, p.DeviceTime) + hw
	case h.Accelerator == AcceleratorGPU || h.Accelerator == AcceleratorGaudi:
		p.Workers, p.DeviceTime = gpuWorkersPerCard*h.Accelerators, gpuDevice
		if compiled {
			p.DeviceTime = gpuDeviceNeo
		}
		p.Source = fmt.Sprintf(genericCards, h.Accelerators, h.Accelerator, gpuWorkersPerCard, p.DeviceTime) + hw
	default:
		p.Workers, p.DeviceTime = h.VCPUs, cpuDevice
		if compiled {
			p.DeviceTime = cpuDeviceNeo
		}
		format := genericCPU
		if h.Accelerator == AcceleratorNeuron {
			format = genericCPUNeuron
		}
		p.Source = fmt.Sprintf(format, h.VCPUs, p.DeviceTime) + hw
	}
	return p, p.Workers > 0
}
