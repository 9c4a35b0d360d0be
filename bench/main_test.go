package bench

import (
	"os"
	"testing"

	"github.com/sagebench/sagebench/internal/testparallel"
)

// TestMain runs up to 2 x GOMAXPROCS parallel tests at once. This package's parallel
// tests assert nothing about timing (counts, invariants, event delivery, cancellation)
// and spend most of their time waiting on timers: windows of 100-250 ms, a 1 s stall,
// rates of a few sends a second. The tests that time something are not parallel: Go runs
// them first, one at a time.
func TestMain(m *testing.M) { os.Exit(testparallel.Run(m)) }
