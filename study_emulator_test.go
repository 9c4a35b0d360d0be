package sagebench_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// TestStudyOfAJSONModelOnAnUncalibratedInstanceQualifies runs a Study as a user new to
// sagebench would against the emulator: a JSON model with no handler configured, an
// instance type the reference study never measured (ml.g5.xlarge, served by its generic
// profile), a 100 ms p99 SLO, and nothing but srv.Config(): no poll intervals, no
// ServerMetrics setting. The row is measured, meets the SLO and is recommended; the study
// polled at the emulator's pace (several DescribeEndpoint calls during a 300 ms creation,
// InService reported long before the 15 s AWS poll interval) and read the endpoint's
// metrics without waiting for CloudWatch's delay.
func TestStudyOfAJSONModelOnAnUncalibratedInstanceQualifies(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("us-east-1"),
		sagemakertest.WithEndpointDelays(300*time.Millisecond, 50*time.Millisecond))
	t.Cleanup(srv.Close)
	require.True(t, srv.ProfileFor("ml.g5.xlarge", false).Generic, "ml.g5.xlarge must not have a calibrated profile")

	model := filepath.Join(t.TempDir(), "model.pth")
	require.NoError(t, os.WriteFile(model, []byte("weights"), 0o644))
	body := payload.Payload{Name: "review.json", ContentType: payload.ContentTypeJSON, Body: []byte(`{"inputs": "a great film"}`)}
	var ev events
	st := sagebench.Study{
		Model:            sagebench.LocalModel{Files: []string{model}},
		FrameworkVersion: "1.8.1",
		RoleARN:          testRole,
		Candidates:       sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.g5.xlarge"}}),
		Load:             bench.Config{Concurrency: 2, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, Payloads: []payload.Payload{body}},
		SLO:              &bench.SLO{Percentile: 99, Max: 100 * time.Millisecond},
		Prices:           cost.Current,
		Events:           ev.add,
	}
	rep, err := st.Run(t.Context(), srv.Config())
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
	require.Len(t, rep.Outcomes, 1)
	o := rep.Outcomes[0]
	require.NoError(t, o.Err)
	require.NotNil(t, o.Result)
	assert.Positive(t, o.Result.Requests)
	assert.Zero(t, o.Result.Errors, "the default handler answers JSON: %v", o.Result.ErrorsByClass)
	assert.True(t, o.MeetsSLO, "generic g5 profile (4 workers x 53.5 ms) at 2 clients: p99 %v", o.Result.Latency.P99)
	assert.Empty(t, o.Disqualified)
	assert.Equal(t, 0, rep.Best, "the only candidate qualifies: %s", rep.Recommendation())
	assert.NotNil(t, o.Server, "the endpoint's own figures were read: %s", o.ServerNA)

	assert.GreaterOrEqual(t, srv.Calls("DescribeEndpoint"), 3, "polled at the emulator's pace during a 300 ms creation")
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, e := range ev.all {
		switch e.Kind {
		case sagebench.EventInService:
			assert.Less(t, e.Elapsed, 15*time.Second, "InService is reported after a poll: the AWS default would be 15 s")
		case sagebench.EventWaitingMetrics:
			assert.Zero(t, e.Remaining, "waited for CloudWatch's delay against an emulator that publishes at once")
		}
	}

	tbl := rep.Document("JSON model", report.Emulated)
	require.Len(t, tbl.Rows, 1)
	assert.Equal(t, report.EmulatedGeneric, tbl.Rows[0].Provenance, "a row measured on a generic profile says so")
	assert.Contains(t, tbl.Markdown(), "Provenance *emulated (generic profile)*: ")
}

// TestStudyLabelsOnlyGenericRowsGeneric: against the emulator, a calibrated instance type
// keeps the plain "emulated" provenance beside a generic one.
func TestStudyLabelsOnlyGenericRowsGeneric(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge", "ml.c6i.xlarge"}})...)
	rep, err := st.Run(t.Context(), srv.Config())
	require.NoError(t, err)
	tbl := rep.Document("two", report.Emulated)
	got := map[string]string{}
	for _, r := range tbl.Rows {
		got[r.InstanceType] = r.Provenance
	}
	assert.Equal(t, map[string]string{"ml.c5.xlarge": report.Emulated, "ml.c6i.xlarge": report.EmulatedGeneric}, got)
	assert.Equal(t, report.Measured, rep.Document("as if on AWS", report.Measured).Rows[1].Provenance, "only emulated rows are relabelled")
}
