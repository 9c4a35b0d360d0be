package bench

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain lets up to 2 x GOMAXPROCS parallel tests run at once unless -parallel is
// given. This package's parallel tests assert nothing about timing (counts, invariants,
// event delivery, cancellation) and spend most of their time waiting on timers: windows
// of 100-250 ms, a 1 s stall, rates of a few sends a second. At the default, GOMAXPROCS
// (2 on a 2-core machine), they waited two at a time with the CPU mostly idle. The tests
// that time something are not parallel: Go runs them first, one at a time. At 4 x
// GOMAXPROCS the CPU, not the timers, became the limit.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", strconv.Itoa(2*runtime.GOMAXPROCS(0))); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
