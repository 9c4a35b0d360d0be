package sagebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Every measured candidate gets the emulator's CloudWatch figures, read after its
// endpoint is deleted: the server counted what the client sent, and the report shows
// where the time goes.
func TestRunCollectsServerFiguresForEveryCandidate(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	var ev events
	st.Events = ev.add
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Result, o.Candidate.Name)
		require.NotNil(t, o.Server, "%s: server figures (n/a: %q)", o.Candidate.Name, o.ServerNA)
		// A closed loop's requests in flight at the window's edges may count on one side only.
		assert.InDelta(t, o.Result.Requests, o.Server.Invocations, float64(o.Result.Concurrency),
			"%s: invocations CloudWatch counted vs requests the client sent", o.Candidate.Name)
		assert.Positive(t, o.Server.ModelMean, o.Candidate.Name)
		assert.Empty(t, o.ServerNA, o.Candidate.Name)
	}
	assert.Equal(t, len(rep.Outcomes), ev.count(sagebench.EventServerMetrics))
	assert.Zero(t, ev.count(sagebench.EventWaitingMetrics), "NoWait reads at once")
	assertDeletedBeforeMetrics(t, &ev)
	md := rep.Document("split", report.Emulated).Markdown()
	assert.Contains(t, md, "Where the time goes")
}

// assertDeletedBeforeMetrics checks that no candidate's metrics were read while its
// endpoint was alive: money first.
func assertDeletedBeforeMetrics(t *testing.T, ev *events) {
	t.Helper()
	ev.mu.Lock()
	defer ev.mu.Unlock()
	deleted := map[string]bool{}
	for _, e := range ev.all {
		switch e.Kind {
		case sagebench.EventDeleted:
			deleted[e.Candidate] = true
		case sagebench.EventServerMetrics, sagebench.EventWaitingMetrics:
			assert.True(t, deleted[e.Candidate], "%s: metrics before its endpoint was deleted", e.Candidate)
		}
	}
}

// Without cloudwatch:GetMetricData the figures are n/a with the reason, and the study
// succeeds with its client figures.
func TestRunWithoutCloudWatchAccessSaysWhyAndSucceeds(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	srv.FailNext("GetMetricData", 1, sagemakertest.ErrAccessDenied())
	st := newStudy(t, study3()[:1]...)
	var ev events
	st.Events = ev.add
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err, "metrics never fail a study")
	assertNothingLeft(t, srv, rep)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Result)
	assert.Nil(t, o.Server)
	assert.Contains(t, o.ServerNA, "no CloudWatch access")
	assert.GreaterOrEqual(t, rep.Best, 0, "still recommended on the client's figures")
	md := rep.Document("denied", report.Emulated).Markdown()
	assert.Contains(t, md, "no CloudWatch access")
}

// A resumed candidate keeps the server figures its first run saved.
func TestResumeKeepsServerFigures(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.OutputDir = t.TempDir()
	first, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.NotNil(t, first.Outcomes[0].Server)
	again, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := again.Outcomes[0]
	require.True(t, o.Resumed)
	assert.Equal(t, first.Outcomes[0].Server, o.Server)
}

// Off collects nothing and calls no CloudWatch.
func TestRunWithServerMetricsOffCallsNoCloudWatch(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	srv.FailNext("GetMetricData", 1, sagemakertest.ErrAccessDenied())
	st := newStudy(t, study3()[:1]...)
	st.ServerMetrics.Off = true
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Nil(t, rep.Outcomes[0].Server)
	assert.Empty(t, rep.Outcomes[0].ServerNA)
	assert.NotContains(t, rep.Document("off", report.Emulated).Markdown(), "Where the time goes")
}

// The cross-check's warnings reach the report: with no room for network and client time,
// every candidate's remainder is flagged.
func TestRunPutsCrossCheckWarningsInTheReport(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	st.ServerMetrics.Tolerance = cwmetrics.Tolerance{Latency: 1e-9, LatencyFloor: time.Nanosecond}
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Server)
	require.NotEmpty(t, o.Server.Warnings, "a zero tolerance flags any remainder")
	assert.Contains(t, rep.Document("strict", report.Emulated).Markdown(), o.Server.Warnings[0])
}

// A panic in Events while the metrics are collected is re-raised by Run, after every
// resource is deleted, as a panic anywhere else in the study is.
func TestRunReraisesAPanicWhileCollectingMetrics(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:2]...)
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventServerMetrics {
			panic("user callback")
		}
	}
	assert.PanicsWithValue(t, "user callback", func() { _, _ = st.Run(context.Background(), srv.Config()) })
	assertNothingLeft(t, srv, nil)
}

func TestPlanRefusesAnUnboundedMetricsDelay(t *testing.T) {
	t.Parallel()
	st := newStudy(t, study3()[:1]...)
	st.ServerMetrics.Delay = time.Hour
	_, err := st.Plan(newEmulator(t).Config())
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "ServerMetrics.Delay 1h0m0s is outside 0 to 15m0s")
}

func TestMetricsEventsSayWhatHappened(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    sagebench.Event
		want string
	}{
		{sagebench.Event{Kind: sagebench.EventWaitingMetrics, Candidate: "c5", Remaining: 150 * time.Second},
			"c5: waiting 2m30s more for complete CloudWatch metrics (endpoint already deleted)"},
		{sagebench.Event{Kind: sagebench.EventServerMetrics, Candidate: "c5"}, "c5: server-side figures read from CloudWatch"},
		{sagebench.Event{Kind: sagebench.EventServerMetrics, Candidate: "c5", Reason: "no CloudWatch access: cloudwatch:GetMetricData denied"},
			"c5: server-side figures n/a (no CloudWatch access: cloudwatch:GetMetricData denied)"},
	} {
		assert.Equal(t, tc.want, tc.e.String())
	}
}
