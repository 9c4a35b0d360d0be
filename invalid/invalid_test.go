package invalid_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sagebench/sagebench/invalid"
)

func TestErrIsNilWithoutProblems(t *testing.T) {
	e := &invalid.Error{Subject: "thing"}
	if err := e.Err(); err != nil {
		t.Fatalf("Err() of no problems = %v; want nil", err)
	}
	e.Add("Name", "name %q is empty", "")
	var ie *invalid.Error
	if err := e.Err(); !errors.As(err, &ie) || ie != e {
		t.Fatalf("Err() of one problem = %v; want e itself", err)
	}
}

// A nil *Error is no error, and says so when printed; neither panics.
func TestNilErrorIsNoErrorAndPrintsWithoutAPanic(t *testing.T) {
	var e *invalid.Error
	if err := e.Err(); err != nil {
		t.Errorf("nil Err() = %v; want nil", err)
	}
	if s := e.Error(); s == "" {
		t.Error("nil Error() is empty")
	}
}

func TestErrorListsOneProblemOnItsLineAndSeveralOneALine(t *testing.T) {
	e := &invalid.Error{Subject: "study"}
	e.Add("Region", "no region")
	if got, want := e.Error(), "invalid study: no region"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	e.Add("RoleARN", "no RoleARN")
	if got, want := e.Error(), "invalid study:\n  - no region\n  - no RoleARN"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func ExampleError() {
	validate := func(name string, replicas int) error {
		e := &invalid.Error{Subject: "deployment"}
		if name == "" {
			e.Add("Name", "the name is empty")
		}
		if replicas < 1 {
			e.Add("Replicas", "%d replicas: want at least 1", replicas)
		}
		return e.Err()
	}

	err := validate("", 0)
	var ie *invalid.Error
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Printf("%s: %s\n", p.Field, p.Message)
		}
	}
	// Output:
	// Name: the name is empty
	// Replicas: 0 replicas: want at least 1
}
