package sagebench_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// unsupported is a model's answer to a content type it cannot read.
type unsupported struct{}

func (unsupported) Error() string {
	return "model returned status 415: unsupported content type application/json"
}
func (unsupported) StatusCode() int { return 415 }

// c5 is priced a thousand times cheaper per hour than g4dn here, and with no device time
// both serve about the same rate (whatever else the machine is doing, far less than 1000x
// apart), so c5 is the cheapest; but 1 of its 20 requests fails (5% > 1%). The
// recommendation, the table's bold row and headline, CSV's and JSON's best must all be g4dn.
func TestRunDocumentAndRecommendationNameTheSameCandidate(t *testing.T) {
	t.Parallel()
	var c5calls atomic.Int64
	srv := newEmulator(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(
		func(ctx context.Context, endpoint string, body []byte, ct string) ([]byte, error) {
			if strings.Contains(endpoint, "-c5-") && c5calls.Add(1)%20 == 1 {
				return nil, unsupported{}
			}
			return answer(ctx, endpoint, body, ct)
		}))
	st := newStudy(t,
		sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"},
		sagebench.Candidate{Name: "g4dn", InstanceType: "ml.g4dn.xlarge"})
	st.MaxParallel = 1
	prices, err := cost.ParseTable("thousandfold", strings.NewReader(
		"region,instance_type,usd_per_hour,as_of,source\n"+
			"eu-west-1,ml.c5.xlarge,0.01,2026,test\n"+
			"eu-west-1,ml.g4dn.xlarge,10,2026,test\n"))
	require.NoError(t, err)
	st.Prices = prices
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.NotNil(t, rep.Outcomes[0].Cost)
	require.NotNil(t, rep.Outcomes[1].Cost)
	require.Less(t, rep.Outcomes[0].Cost.PerMillion, rep.Outcomes[1].Cost.PerMillion, "c5 is the cheapest")
	require.Equal(t, 1, rep.Best, "g4dn is recommended")

	rec := rep.Recommendation()
	assert.True(t, strings.HasPrefix(rec, "Recommended: g4dn "), rec)
	assert.Contains(t, rec, "c5 not recommended: errors 5.0% > 1.0% (mostly model_error); main error: model_error (1 of 20 requests)")
	assert.Contains(t, rec, "unsupported content type application/json", "the main error's message")

	table := rep.Document("t", "emulated")
	md := table.Markdown()
	lines := strings.Split(md, "\n")
	assert.True(t, strings.HasPrefix(lines[2], "Recommended: **g4dn**"), "first line: %s", lines[2])
	assert.Contains(t, lines[2], "Cheaper but not recommended: **c5**")
	for _, line := range lines {
		if strings.HasPrefix(line, "| **") {
			assert.True(t, strings.HasPrefix(line, "| **g4dn** |"), "bold row: %s", line)
		}
		if strings.HasPrefix(line, "| c5 | ml.c5.xlarge |") {
			assert.Contains(t, line, "| 1 (5.0%): model_error 1 |")
			assert.Contains(t, line, "| errors 5.0% > 1.0% (mostly model_error) |")
		}
	}
	assert.Contains(t, md, "c5: first model_error error: ")

	var b bytes.Buffer
	require.NoError(t, table.WriteCSV(&b))
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		assert.Equal(t, r[col["config"]] == "g4dn", r[col["best"]] == "true", "CSV best of %s", r[col["config"]])
	}
	js, err := table.JSON()
	require.NoError(t, err)
	require.Equal(t, 1, js.Best)
	assert.Equal(t, "g4dn", js.Rows[js.Best].Name)
	_, err = json.Marshal(js)
	require.NoError(t, err)
}

// An endpoint whose deletion fails after a sound measurement is still an answer: the
// candidate stays recommended, and its row and the recommendation say what failed.
func TestRunKeepsAMeasurementWhoseEndpointDeletionFailed(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	srv.FailNext("DeleteEndpoint", 1, sagemakertest.ErrAccessDenied())
	st := newStudy(t, sagebench.Candidate{Name: "g4dn", InstanceType: "ml.g4dn.xlarge"})
	rep, _ := st.Run(context.Background(), srv.Config()) // the teardown's retry decides Run's error
	require.NotNil(t, rep)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Result)
	assert.NoError(t, o.Err)
	assert.Error(t, o.Teardown)
	assert.Equal(t, 0, rep.Best, "the measurement stands")
	assert.Contains(t, rep.Recommendation(), "g4dn: its endpoint could not be deleted (its measurement stands)")
	assert.Contains(t, rep.Document("t", "emulated").Markdown(), "| **recommended; teardown failed: deleting ")
}

// With nothing qualifying, the recommendation's first line says so, names what came
// closest and why, and the table names no best.
func TestRunWithNothingQualifyingSaysWhatCameClosest(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(
		func(ctx context.Context, endpoint string, body []byte, ct string) ([]byte, error) {
			return nil, unsupported{}
		}))
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.Equal(t, -1, rep.Best)
	first, _, _ := strings.Cut(rep.Recommendation(), "\n")
	assert.True(t, strings.HasPrefix(first, `No candidate can be recommended: none was measured with at most 1.0% errors and a known price. `+
		`Closest: c5: no successful request; errors 100% > 1.0% (mostly model_error); main error: model_error (20 of 20 requests): "`), first)
	assert.True(t, strings.HasSuffix(first, `unsupported content type application/json".`), first)
	md := rep.Document("t", "emulated").Markdown()
	assert.NotContains(t, md, "(best)")
	assert.NotContains(t, md, "| **")
}

// A result measured soundly, then not saved, still answers the question: the table
// recommends it and says what failed after.
func TestDocumentKeepsAMeasurementThatCouldNotBeSaved(t *testing.T) {
	t.Parallel()
	res, err := bench.Run(context.Background(), bench.InvokerFunc(func(context.Context, payload.Payload) error { return nil }),
		bench.Config{Concurrency: 1, Requests: 50, Payloads: []payload.Payload{{Name: "p", Body: []byte("x")}}})
	require.NoError(t, err)
	rep := &sagebench.Report{Region: "eu-west-1", Prices: cost.Study2021, Best: -1, Outcomes: []sagebench.Outcome{{
		Candidate: sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"}, Result: res,
		Err: errors.New("saving the result: disk full"),
	}}}
	md := rep.Document("t", "emulated").Markdown()
	assert.Contains(t, md, "| **recommended** |")
	assert.Contains(t, md, "c5: measured, then: saving the result: disk full")
	assert.Contains(t, rep.Recommendation(), "c5 measured, then: saving the result: disk full")
}

// With a batch size above 1 every figure of cost is per inference, as the report's
// footnote says and report.Row.Price does: the recommendation's cost, its inferences/s
// and the plan for TargetTPS (inferences per second) count BatchSize inferences a request.
func TestBatchedStudyPricesInferencesNotRequests(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithTimeScale(0))
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"})
	st.Load.BatchSize = 4
	st.TargetTPS = 1
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[0]
	require.NotNil(t, o.Result)
	require.NotNil(t, o.Cost)
	require.InDelta(t, 4*o.Result.Throughput, o.Result.InferencesPerSecond, 1e-9)
	assert.InDelta(t, o.Result.InferencesPerSecond, o.Cost.TPS, 1e-9, "the cost is per inference")

	row := rep.Document("t", "emulated").Rows[0]
	require.NoError(t, row.Price(mustLookup(t, rep.Prices, "eu-west-1", "ml.c5.xlarge"), 1))
	assert.InDelta(t, row.Cost.PerMillion, o.Cost.PerMillion, 1e-9, "report.Row.Price prices the row the same")
	require.NotNil(t, rep.Fleet)
	assert.InDelta(t, o.Result.InferencesPerSecond, rep.Fleet.Candidate.TPS, 1e-9, "the plan's capacity is in inferences/s")
}

func mustLookup(t *testing.T, tbl *cost.Table, region, instanceType string) cost.Price {
	t.Helper()
	p, err := tbl.Lookup(region, instanceType)
	require.NoError(t, err)
	return p
}
