package sagebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A sweep climbs past its peak into queueing: CloudWatch's whole minutes hold every step,
// the client's peak step only one. Compared like with like, a healthy emulated run has a
// positive network + client time and no warning.
//
// Serial: "no warning" needs a client that is not saturated, which CPU taken by tests
// running beside it would break.
func TestSweepServerFiguresCompareLikeWithLike(t *testing.T) {
	// Device times long beside the client's own time per request, which the race detector
	// multiplies: a saturated client would rightly be warned about.
	srv := newEmulator(t, sagemakertest.WithTimeScale(0.05))
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	st.Load.Requests, st.Load.Duration = 0, 600*time.Millisecond
	st.Sweep = &bench.SweepConfig{Levels: []int{1, 2, 4, 8}, StableWindows: 1, MaxWindows: 1, MinGain: new(0.0), PlateauSteps: 4}
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Sweep)
	require.NotNil(t, o.Server, o.ServerNA)
	t.Logf("peak %d of %d steps; warnings %q", o.Sweep.Peak, len(o.Sweep.Steps), o.Server.Warnings)
	assert.Empty(t, o.Server.Warnings, "a healthy emulated run")
	j, err := rep.Document("t", report.Emulated).JSON()
	require.NoError(t, err)
	require.NotNil(t, j.Rows[0].Server.NetworkClientMS)
	assert.GreaterOrEqual(t, *j.Rows[0].Server.NetworkClientMS, 0.0, "network + client time")
}
