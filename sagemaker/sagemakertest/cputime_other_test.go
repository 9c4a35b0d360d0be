//go:build !unix

package sagemakertest_test

import (
	"testing"
	"time"
)

// processCPU is not available here; benchmarks then report 0 CPU.
func processCPU(testing.TB) time.Duration { return 0 }
