package main

import (
	"context"
	"os"
)

// The -profiles flag prints the calibrated device profiles; -profile
// overrides one.
func Example_profiles() {
	run(context.Background(), []string{"-profiles"}, os.Stdout, os.Stderr)
	// Output:
	// ml.c5.xlarge    neo=false workers=4 device=678ms        5.9 TPS  reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): c5 5.9 TPS
	// ml.c5.xlarge    neo=true  workers=4 device=310ms       12.9 TPS  reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): c5+neo 12.9 TPS
	// ml.g4dn.xlarge  neo=false workers=4 device=53.5ms      74.8 TPS  reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): g4dn 74.7 TPS
	// ml.g4dn.xlarge  neo=true  workers=4 device=28.5ms     140.4 TPS  reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): g4dn+neo 140.4 TPS
	// ml.inf1.xlarge  neo=false workers=4 device=678ms        5.9 TPS  estimate: uncompiled model on inf1 falls back to its 4 vCPUs, taken as c5 (5.9 TPS); not in the study
	// ml.inf1.xlarge  neo=true  workers=4 device=13.15ms    304.2 TPS  reference study 2021 (ResNet50, PyTorch, 16 clients, eu-west-1): inf1+neo 304.3 TPS
}
