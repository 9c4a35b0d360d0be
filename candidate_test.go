package sagebench_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/stretchr/testify/assert"
)

// Resource names are the study's Name, the candidate's index and name, then the run id,
// cut to 63 characters: a long Study.Name must not cut the index away and give every
// candidate's model, config and endpoint (and every Neo job) the same name. Either each
// candidate is measured on resources of its own, or Plan refuses the Name before any call;
// nothing is left behind either way.
func TestLongStudyNameKeepsEachCandidatesResourceNamesApart(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...) // c5, c5+neo, g4dn
	st.Name = strings.Repeat("n", 45)
	st.MaxParallel = 3
	rep, err := st.Run(context.Background(), srv.Config())
	if err == nil {
		for _, o := range rep.Outcomes {
			assert.NoError(t, o.Err, o.Candidate.Name)
			assert.NotNil(t, o.Result, o.Candidate.Name)
		}
	} else {
		var ie *invalid.Error
		assert.ErrorAs(t, err, &ie, "either measured, or refused by Plan before any call")
	}
	assert.Empty(t, srv.Leftovers())
}

// Matrix gives unique names even when a derived name equals another's "#2" suffix.
func TestMatrixNamesNeverRepeat(t *testing.T) {
	t.Parallel()
	cs := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"},
		Env: []map[string]string{{"k": "v"}, {"k": "v"}, {"k": "v #2"}}})
	seen := map[string]bool{}
	for _, c := range cs {
		assert.False(t, seen[c.Name], "duplicate %q", c.Name)
		seen[c.Name] = true
	}
}

// A grid's instance type not of the form ml.<family>.<size> keeps its whole name (Plan
// refuses it, naming it), and a compiled one of a family Neo has no target for is still
// compiled, for Plan to refuse with Neo's reason.
func TestMatrixNamesAMalformedTypeWhole(t *testing.T) {
	t.Parallel()
	cs := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"c5.xlarge", "ml.g5.xlarge"}, Compile: []bool{true}})
	assert.Equal(t, []string{"c5.xlarge+neo", "g5+neo"}, []string{cs[0].Name, cs[1].Name})
	assert.True(t, cs[1].Compiled(), "g5+neo is compiled, for Plan to refuse")
}
