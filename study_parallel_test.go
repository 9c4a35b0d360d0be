package sagebench_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Six candidates whose endpoints each take 2 s to create: three at a time must take at
// most 45% of the wall time of one at a time (a third, ideally). Only the ratio is
// asserted, so a slow machine slows both runs alike.
func TestRunDeploysInParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 12 endpoints of 2 s each")
	}
	var envs []map[string]string
	for i := 1; i <= 6; i++ {
		envs = append(envs, map[string]string{"workers": strconv.Itoa(i)})
	}
	six := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"}, Env: envs})
	wall := func(parallel int) time.Duration {
		srv := newEmulator(t, sagemakertest.WithEndpointDelays(2*time.Second, 0))
		st := newStudy(t, six...)
		st.MaxParallel = parallel
		start := time.Now()
		rep, err := st.Run(context.Background(), srv.Config())
		require.NoError(t, err)
		for _, o := range rep.Outcomes {
			require.NotNil(t, o.Result, o.Candidate.Name)
		}
		assertNothingLeft(t, srv, rep)
		return time.Since(start)
	}
	one, three := wall(1), wall(3)
	t.Logf("MaxParallel 1: %v, MaxParallel 3: %v (%.0f%%)", one, three, 100*three.Seconds()/one.Seconds())
	assert.LessOrEqual(t, three.Seconds()/one.Seconds(), 0.45)
}
