package sagebench_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// newEuCentralStudy is a study in eu-central-1 of c6i, g5 and inf2 (no Neo), the prices
// left to the study: none of the three is in the embedded table there.
func newEuCentralStudy(t *testing.T) (*sagemakertest.Server, sagebench.Study) {
	t.Helper()
	srv := newEmulator(t, sagemakertest.WithRegion("eu-central-1"))
	st := newStudy(t, sagebench.Matrix(sagebench.Grid{
		InstanceTypes: []string{"ml.c6i.xlarge", "ml.g5.xlarge", "ml.inf2.xlarge"}, Compile: []bool{false}})...)
	for i := range st.Candidates {
		st.Candidates[i].Image = "763104351884.dkr.ecr.eu-central-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"
	}
	st.Prices = nil
	st.PriceList.CacheDir = t.TempDir()
	return srv, st
}

// Given the emulator's Price List, a study prices eu-central-1's c6i, g5 and inf2 from it,
// and the estimate and the report name the Price List and its publication date per row.
func TestStudyPricesFromThePriceListItIsGiven(t *testing.T) {
	t.Parallel()
	srv, st := newEuCentralStudy(t)
	st.PriceList.BaseURL = srv.URL

	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	est := plan.Bill
	require.True(t, est.Known(), "estimate: %s", est)
	source := "Price List at " + srv.URL + ", published 2026-12-05"
	for _, l := range est.Lines {
		assert.Equal(t, source, l.PriceSource, "%s", l.Candidate)
	}
	assert.InDelta(t, 0.25*(0.233+1.661+0.906), est.USD, 0.01, "15 minutes of each endpoint at the fixture's prices")

	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	want := map[string]float64{"c6i": 0.233, "g5": 1.661, "inf2": 0.906}
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Cost, "%s: %s %v", o.Candidate.Name, o.Disqualified, o.Err)
		assert.Equal(t, want[o.Candidate.Name], o.Cost.USDPerHour, o.Candidate.Name)
		assert.Equal(t, source, o.Cost.PriceSource, o.Candidate.Name)
	}
	md := rep.Document("eu-central-1", report.Emulated).Markdown()
	assert.Contains(t, md, "c6i $0.233/h, g5 $1.661/h, inf2 $0.906/h: "+source+".")
	assert.Contains(t, md, "Prices from Price List at "+srv.URL+", eu-central-1, published 2026-12-05")
	j, err := rep.Document("eu-central-1", report.Emulated).JSON()
	require.NoError(t, err)
	for _, row := range j.Rows {
		assert.Equal(t, source, row.PriceSource, row.Name)
	}
}

// With the Price List unreachable, the study prices with the embedded table and says why;
// in eu-central-1 that table has none of the three, so Plan names them, prints no total,
// and the study still measures every one.
func TestStudyWithoutAnyPriceNamesTheUnpricedAndStillMeasures(t *testing.T) {
	t.Parallel()
	srv, st := newEuCentralStudy(t)
	gone := httptest.NewServer(nil)
	gone.Close() // nothing listens there any more
	st.PriceList.BaseURL = gone.URL

	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	est := plan.Bill
	assert.Equal(t, []string{"c6i", "g5", "inf2"}, est.Unpriced)
	text := est.String()
	assert.NotContains(t, text, "$0.00", "an unknown bill is not a zero one")
	assert.Contains(t, text, "estimated endpoint cost: unknown: no candidate has a price (c6i, g5, inf2)")
	assert.Contains(t, text, "ml.c6i.xlarge is a valid SageMaker instance type")
	assert.Contains(t, text, "the embedded table current")
	assert.Contains(t, text, "because the Price List could not be read")

	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		assert.NotNil(t, o.Result, "%s was not measured: %v %s", o.Candidate.Name, o.Err, o.Skipped)
		assert.Nil(t, o.Cost, o.Candidate.Name)
	}
	md := rep.Document("eu-central-1", report.Emulated).Markdown()
	assert.Contains(t, md, "because the Price List could not be read")
	assert.Contains(t, md, "No price for c6i, g5, inf2.")

	st.MaxCostUSD = 5 // a bound no estimate can be checked against refuses the study
	_, err = st.Plan(srv.Config())
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "no price to check MaxCostUSD against")
}

// When the Price List cannot be read, the embedded table prices what it has, each row
// saying it is the embedded table's and where its figure was read.
func TestPriceTableFallsBackToTheEmbeddedTable(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(nil)
	gone.Close()
	st := sagebench.Study{Region: "us-east-1", PriceList: sagebench.PriceList{BaseURL: gone.URL, CacheDir: "-"}}
	tbl := st.PriceTable(context.Background(), sagemakertest.NewServer().Config())
	assert.Contains(t, tbl.Note(), "because the Price List could not be read")
	p, err := tbl.Lookup("us-east-1", "ml.g5.xlarge")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.Provenance(), "embedded table current, read 2026-11-25 from "), p.Provenance())
}

// Against an endpoint that is not AWS, with no Price List given, the study uses the
// embedded table without a network read; Prices set by the caller pins the table.
func TestPriceTableReadsNoPriceListAgainstAnotherEndpointOrWhenPinned(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	defer srv.Close()
	st := sagebench.Study{Region: "eu-central-1"}
	tbl := st.PriceTable(context.Background(), srv.Config())
	assert.Contains(t, tbl.Note(), "not AWS; set Study.PriceList.BaseURL")
	assert.Zero(t, srv.Calls("pricing:region_index.json"))

	st.Prices = cost.Study2021
	assert.Same(t, cost.Study2021, st.PriceTable(context.Background(), srv.Config()))
}

// A cached copy of the Price List older than MaxAge is used, dated, when the list cannot
// be read now: it is still the Price List, newer than the embedded table.
func TestPriceTableUsesAStaleCachedPriceListWhenOffline(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	cache := t.TempDir()
	st := sagebench.Study{Region: "eu-central-1", PriceList: sagebench.PriceList{BaseURL: srv.URL, CacheDir: cache}}
	fresh := st.PriceTable(context.Background(), srv.Config())
	require.Equal(t, cost.PriceListTable, fresh.Name(), fresh.Note())
	old := time.Now().Add(-30 * 24 * time.Hour)
	files, _ := filepath.Glob(filepath.Join(cache, "*", "*.csv")) // the emulator's list is cached apart from AWS's
	require.NotEmpty(t, files)
	for _, f := range files {
		require.NoError(t, os.Chtimes(f, old, old))
	}

	srv.Close() // the same Price List, unreachable now
	stale := st.PriceTable(context.Background(), srv.Config())
	assert.Equal(t, cost.PriceListTable, stale.Name())
	assert.Contains(t, stale.Note(), "published 2026-12-05, its cached copy (older than 24h) because the Price List could not be read now")
	p, err := stale.Lookup("eu-central-1", "ml.g5.xlarge")
	require.NoError(t, err)
	assert.Equal(t, 1.661, p.USDPerHour)
}

// Against AWS (an aws.Config with no BaseEndpoint) a study without Prices asks AWS's
// public Price List for its region's index; the transport here answers instead of the
// network, and the study falls back to the embedded table saying why.
func TestPriceTableReadsAWSsPriceListByDefaultAgainstAWS(t *testing.T) {
	t.Parallel()
	var asked []string
	client := &http.Client{Transport: recordingTransport(func(r *http.Request) {
		asked = append(asked, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
	})}
	st := sagebench.Study{Region: "eu-central-1", PriceList: sagebench.PriceList{Client: client, CacheDir: t.TempDir()}}
	tbl := st.PriceTable(context.Background(), aws.Config{Region: "eu-central-1"})
	assert.Equal(t, []string{"GET https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonSageMaker/current/region_index.json auth="}, asked,
		"one unsigned GET of the public region index")
	assert.Contains(t, tbl.Note(), "because the Price List could not be read")
}

type recordingTransport func(*http.Request)

func (f recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return nil, errors.New("no network in tests")
}
