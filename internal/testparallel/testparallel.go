// Package testparallel raises the number of parallel tests a package's test binary runs
// at once, for packages whose parallel tests assert nothing about timing and spend most
// of their time waiting (on timers, emulated delays, or each other's loopback servers).
//
// Go runs parallel tests after the serial ones, so a package's timing tests, which stay
// serial, still run one at a time. Only parallel tests share the CPU more.
//
//	func TestMain(m *testing.M) { os.Exit(testparallel.Run(m)) }
package testparallel

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
)

// Factor times GOMAXPROCS is the -parallel value Run sets. At 2 the CPU of a 2-core
// machine, not the tests' waits, became the limit; at 4 tests that count work done in a
// time window starved (measured on the bench package).
const Factor = 2

// Run parses the test flags, sets -test.parallel to Factor x GOMAXPROCS unless the
// command line gave it, and runs the tests. It returns m.Run's exit code.
func Run(m *testing.M) int {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		// The flag exists once testing's flags are registered (flag.Parse above ran
		// after testing.MainStart registered them); a failure here is a Go change.
		if err := flag.Set("test.parallel", strconv.Itoa(Factor*runtime.GOMAXPROCS(0))); err != nil {
			panic(err)
		}
	}
	return m.Run()
}
