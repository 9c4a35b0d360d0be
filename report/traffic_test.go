package report_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/report"
)

// us-east-1's 4 GB serverless rate, $0.00008 per second of compute.
var sls4GB = cost.ServerlessRate{Region: "eu-west-1", MemoryGB: 4, USDPerSecond: 0.00008, Source: "test"}

// trafficReport is the study's five instance rows and a serverless row of 200ms per
// request, MaxConcurrency 10 (so at most 50 inferences/s).
func trafficReport(t *testing.T) *report.Report {
	t.Helper()
	rep := studyReport(t)
	est, err := cost.NewServerlessEstimate("sls-4GB", sls4GB, cost.ServerlessLoad{Duration: 200 * time.Millisecond, MaxConcurrency: 10})
	require.NoError(t, err)
	row := report.Row{Name: "sls-4GB", InstanceType: "serverless 4096 MB", Provenance: report.Emulated,
		Result: fakeResult(t, 1, 5, 200*time.Millisecond, 200*time.Millisecond, 220*time.Millisecond, 300, 0)}
	require.NoError(t, row.PriceServerless(est))
	rep.Add(row)
	rep.Traffic = &report.Traffic{Target: 100}
	return rep
}

func rowIndex(t *testing.T, rep *report.Report, name string) int {
	t.Helper()
	for i, r := range rep.Rows {
		if r.Name == name {
			return i
		}
	}
	t.Fatalf("no row %s", name)
	return -1
}

// The break-even points are where the price formulas say: serverless costs
// 3600 x 0.00008 x 0.2 = $0.0576 an hour per inference/s, so it undercuts one c5 at
// $0.23/hour below 0.23 / 0.0576 = 3.99 inferences/s; each instance row steps up at whole
// multiples of its measured throughput, and inf1+neo's $0.33 beats two c5+neo from 12.9 on.
func TestBreakEvensFollowThePriceFormulas(t *testing.T) {
	rep := trafficReport(t)
	sls, c5, c5neo, inf1 := rowIndex(t, rep, "sls-4GB"), rowIndex(t, rep, "c5"), rowIndex(t, rep, "c5+neo"), rowIndex(t, rep, "inf1+neo")
	c5TPS, c5neoTPS, inf1TPS := rep.Rows[c5].Cost.TPS, rep.Rows[c5neo].Cost.TPS, rep.Rows[inf1].Cost.TPS

	spans := rep.BreakEvens()
	require.Len(t, spans, 4, "%+v", spans)
	hi := 2 * inf1TPS
	assert.InDelta(t, hi/1e4, spans[0].From, 1e-12, "the derived range starts at max / 10,000")
	assert.Equal(t, sls, spans[0].Row)
	assert.InDelta(t, 0.23/(3600*0.00008*0.2), spans[0].To, 1e-9)
	assert.Equal(t, c5, spans[1].Row, "c5 and c5+neo tie at one instance: the first added")
	assert.InDelta(t, c5TPS, spans[1].To, 1e-9)
	assert.Equal(t, c5neo, spans[2].Row)
	assert.InDelta(t, c5neoTPS, spans[2].To, 1e-9)
	assert.Equal(t, inf1, spans[3].Row)
	assert.InDelta(t, hi, spans[3].To, 1e-9)

	usd, n, ok := rep.CostAt(sls, 10)
	assert.True(t, ok)
	assert.Zero(t, n)
	assert.InDelta(t, 10*3600*0.00008*0.2, usd, 1e-12, "serverless is linear in traffic")
	_, _, ok = rep.CostAt(sls, 51)
	assert.False(t, ok, "throttled beyond MaxConcurrency / duration = 50/s")
	usd, n, ok = rep.CostAt(c5neo, 2*c5neoTPS+0.1)
	assert.True(t, ok)
	assert.Equal(t, 3, n, "ceil(traffic / throughput per instance)")
	assert.InDelta(t, 3*0.23, usd, 1e-12)
	usd, n, _ = rep.CostAt(inf1, 0)
	assert.Equal(t, 1, n, "an instance endpoint never scales to zero")
	assert.InDelta(t, 0.33, usd, 1e-12)
}

func TestMarkdownShowsTheBreakEvenTableAndTheRangeTheRecommendationHoldsFor(t *testing.T) {
	md := trafficReport(t).Markdown()
	require.Contains(t, md, "## Cost by traffic")
	assert.Contains(t, md, "| 0.0609 to 3.99 | sls-4GB | 0.004 to 0.23 |")
	assert.Contains(t, md, "Cheapest: below 3.99 inferences/s, sls-4GB; from 3.99 to 5.9, c5; from 5.9 to 12.9, c5+neo; above 12.9, inf1+neo.")
	assert.Contains(t, md, "The recommendation, **inf1+neo**, holds from 12.9 to 609 inferences/s.")
	assert.Contains(t, md, "At the target, 100 inferences/s: inf1+neo x1, $0.33/hour.")
}

// A report with neither Traffic nor a serverless row keeps its sections and charts.
func TestReportWithoutTrafficHasNoTrafficSection(t *testing.T) {
	rep := studyReport(t)
	assert.NotContains(t, rep.Markdown(), "Cost by traffic")
	charts, err := rep.Charts()
	require.NoError(t, err)
	for _, c := range charts {
		assert.NotEqual(t, "cost-by-traffic", c.Name)
	}
}

func TestJSONCarriesTheBreakEvens(t *testing.T) {
	rep := trafficReport(t)
	j, err := rep.JSON()
	require.NoError(t, err)
	require.NotNil(t, j.Traffic)
	assert.Equal(t, 100.0, j.Traffic.Target)
	spans := rep.BreakEvens()
	require.Len(t, j.Traffic.Spans, len(spans))
	assert.Equal(t, "sls-4GB", j.Traffic.Spans[0].Name)
	assert.InDelta(t, spans[0].To, j.Traffic.Spans[0].To, 0)
	assert.InDelta(t, 0.23, j.Traffic.Spans[0].USDPerHourAt[1], 1e-9, "serverless reaches c5's hourly price at the break-even")
	plain, err := studyReport(t).JSON()
	require.NoError(t, err)
	assert.Nil(t, plain.Traffic)
}
