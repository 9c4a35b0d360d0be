package sagemaker_test

import (
	"os"
	"testing"

	"github.com/sagebench/sagebench/internal/testparallel"
)

// TestMain runs up to 2 x GOMAXPROCS parallel tests at once: this package's parallel
// tests assert nothing about timing and mostly wait on their own emulator; its timing
// tests are serial.
func TestMain(m *testing.M) { os.Exit(testparallel.Run(m)) }
