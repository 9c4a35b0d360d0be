package sagebench_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// With DeleteModel refused, only the models are left: the ledger says exactly that
// (the endpoints and configurations were deleted), and so does Run's error.
func TestTeardownLedgerListsExactlyWhatIsLeft(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	srv.FailNext("DeleteModel", 1000, sagemakertest.ErrAccessDenied())
	st := newStudy(t, study3()...)
	rep, err := st.Run(context.Background(), srv.Config())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "3 resources could not be deleted")
	var left []string
	for _, d := range rep.Teardown {
		if !d.Deleted && d.Kept == "" {
			require.Equal(t, sagemaker.KindModel, d.Resource.Kind, "%s is marked not deleted: %v", d.Resource, d.Err)
			left = append(left, "model "+d.Resource.Name)
		}
	}
	slices.Sort(left)
	assert.Equal(t, srv.Leftovers(), left)
	assert.Len(t, left, 3)
}
