package sagebench_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// One study run in two regions into one OutputDir keeps both regions' results: each
// region resumes from its own.
func TestTwoRegionsInOneOutputDirKeepTheirOwnResults(t *testing.T) {
	dir := t.TempDir()
	for _, region := range []string{"us-east-1", "us-east-2"} {
		srv := newEmulator(t, sagemakertest.WithRegion(region))
		st := newStudy(t, study3()[:1]...)
		st.Region, st.OutputDir = region, dir
		st.Prices = pricesFor(t, region, "ml.c5.xlarge")
		rep, err := st.Run(context.Background(), srv.Config())
		require.NoError(t, err)
		require.NotNil(t, rep.Outcomes[0].Result)
	}
	for _, region := range []string{"us-east-1", "us-east-2"} {
		srv := newEmulator(t, sagemakertest.WithRegion(region))
		st := newStudy(t, study3()[:1]...)
		st.Region, st.OutputDir = region, dir
		st.Prices = pricesFor(t, region, "ml.c5.xlarge")
		p, err := st.Plan(srv.Config())
		require.NoError(t, err)
		assert.Equal(t, []string{study3()[0].Name}, p.Resumed, "%s's result was kept", region)
	}
}
