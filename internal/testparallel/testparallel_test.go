package testparallel_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/sagebench/sagebench/internal/testparallel"
)

func TestMain(m *testing.M) { os.Exit(testparallel.Run(m)) }

// Without -parallel on the command line, Run set it to Factor x GOMAXPROCS.
func TestRunSetsParallelUnlessGiven(t *testing.T) {
	got := flag.Lookup("test.parallel").Value.String()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if want := strconv.Itoa(testparallel.Factor * runtime.GOMAXPROCS(0)); !given && got != want {
		t.Errorf("-test.parallel = %s; want %s", got, want)
	}
}

// A test package opts in with one line in its main_test.go:
//
//	func TestMain(m *testing.M) { os.Exit(testparallel.Run(m)) }
func Example() {
	fmt.Println("parallel tests at once:", testparallel.Factor, "x GOMAXPROCS")
	// Output: parallel tests at once: 2 x GOMAXPROCS
}
