package sagemaker_test

import (
	"strings"
	"testing"

	"github.com/sagebench/sagebench/sagemaker"
)

// Review: RunName (and Client.Name) cut the base to fit the run id, but never the run
// id: a run id of 63 characters or more (Options.RunID is the caller's, e.g. a CI job
// URL) gives a negative cut and a slice-bounds panic, and one of 62 an empty base and
// a name starting with '-', which SageMaker refuses.
func TestReviewRunNameWithALongRunIDIsValidAndDoesNotPanic(t *testing.T) {
	for _, n := range []int{61, 62, 70} {
		run := strings.Repeat("r", n)
		var name string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("RunName with a %d-character run id panics: %v", n, r)
				}
			}()
			name = sagemaker.RunName("resnet50", run)
		}()
		if len(name) > sagemaker.MaxNameLen || strings.HasPrefix(name, "-") || name == "" {
			t.Errorf("RunName with a %d-character run id = %q; not a valid SageMaker name", n, name)
		}
	}
}
