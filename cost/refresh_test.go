package cost_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// bulkServer serves a region index and the fixture as eu-west-1's price list file, at the
// paths the Price List documentation gives, and counts requests.
func bulkServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	csv, err := os.ReadFile(filepath.Join("testdata", "bulk", "AmazonSageMaker-eu-west-1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /offers/v1.0/aws/AmazonSageMaker/current/region_index.json", func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Write([]byte(`{"formatVersion":"v1.0","disclaimer":"test","publicationDate":"2026-11-20T18:42:07Z",
			"regions":{"eu-west-1":{"regionCode":"eu-west-1","currentVersionUrl":"/offers/v1.0/aws/AmazonSageMaker/20261120184207/eu-west-1/index.json"}}}`))
	})
	mux.HandleFunc("GET /offers/v1.0/aws/AmazonSageMaker/20261120184207/eu-west-1/index.csv", func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Write(csv)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRefreshReadsTheBulkFilesAndCachesThem(t *testing.T) {
	srv, calls := bulkServer(t)
	cache := t.TempDir()
	opts := func(o *cost.RefreshOptions) {
		o.Regions, o.BaseURL, o.Client, o.CacheDir = []string{"eu-west-1"}, srv.URL, srv.Client(), cache
	}
	tbl, err := cost.Refresh(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tbl.Lookup("eu-west-1", "ml.inf1.xlarge")
	if err != nil || p.USDPerHour != 0.4 || p.AsOf != "2026-11-20" || !strings.Contains(p.Source, "SKUINF1HOST") {
		t.Errorf("Lookup(inf1) = %+v, %v", p, err)
	}
	if calls.Load() != 2 {
		t.Errorf("first refresh made %d requests; want 2 (region index, price list)", calls.Load())
	}

	again, err := cost.Refresh(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("second refresh made %d more requests; want the cache to answer", calls.Load()-2)
	}
	a, _ := tbl.Prices()
	b, _ := again.Prices()
	if len(a) != 4 || len(a) != len(b) {
		t.Fatalf("cached table has %d rows, fresh one %d; want 4 each", len(b), len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("cached row %+v differs from %+v", b[i], a[i])
		}
	}

	// A missing price names the call that refreshes it.
	_, err = tbl.Lookup("eu-west-1", "ml.g5.xlarge")
	var le *cost.LookupError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), `cost.Refresh(ctx, func(o *cost.RefreshOptions) { o.Regions = []string{"eu-west-1"} })`) {
		t.Errorf("missing price: %v; want the refresh call", err)
	}
}

func TestRefreshFailures(t *testing.T) {
	srv, _ := bulkServer(t)
	base := func(o *cost.RefreshOptions) { o.BaseURL, o.Client, o.CacheDir = srv.URL, srv.Client(), "-" }

	mars := func(o *cost.RefreshOptions) { o.Regions = []string{"mars-1"} }
	if _, err := cost.Refresh(context.Background(), base, mars); err == nil || !strings.Contains(err.Error(), `"mars-1"`) {
		t.Errorf("unknown region: %v", err)
	}
	nothing := func(o *cost.RefreshOptions) { o.BaseURL = srv.URL + "/nothing-here" }
	if _, err := cost.Refresh(context.Background(), base, nothing); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing index: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cost.Refresh(ctx, base); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v; want context.Canceled", err)
	}
}

func TestCurrentNamesTheRefreshForAMissingPrice(t *testing.T) {
	_, err := cost.Lookup("eu-west-1", "ml.trn1.2xlarge")
	if err == nil || !strings.Contains(err.Error(), "cost.Refresh(") {
		t.Errorf("Current: %v; want the refresh call", err)
	}
	_, err = cost.Study2021.Lookup("eu-west-1", "ml.trn1.2xlarge")
	if err == nil || strings.Contains(err.Error(), "Refresh") {
		t.Errorf("Study2021 is a snapshot, never refreshed: %v", err)
	}
}

// Refresh against the emulator's Price List reads eu-central-1's hosting and processing
// tables from one download, and each price says which Price List and when it was published.
func TestRefreshReadsTheEmulatorsPriceList(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	cache := t.TempDir()
	opts := func(o *cost.RefreshOptions) {
		o.Regions, o.BaseURL, o.CacheDir = []string{"eu-central-1"}, srv.URL, cache
	}
	hosting, err := cost.Refresh(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hosting.Lookup("eu-central-1", "ml.inf2.xlarge")
	if err != nil || p.USDPerHour != 0.906 {
		t.Fatalf("Lookup(inf2) = %+v, %v; want $0.906", p, err)
	}
	if got, want := p.Provenance(), "Price List at "+srv.URL+", published 2026-12-05"; got != want {
		t.Errorf("Provenance() = %q; want %q", got, want)
	}
	if hosting.Name() != cost.PriceListTable {
		t.Errorf("Name() = %q; want %q", hosting.Name(), cost.PriceListTable)
	}
	calls := srv.Calls("pricing:index.csv")
	proc, err := cost.Refresh(context.Background(), opts, func(o *cost.RefreshOptions) { o.Component = cost.Processing })
	if err != nil {
		t.Fatal(err)
	}
	if p, err := proc.Lookup("eu-central-1", "ml.m5.xlarge"); err != nil || p.USDPerHour != 0.276 {
		t.Errorf("processing Lookup(m5) = %+v, %v", p, err)
	}
	if _, err := proc.Lookup("eu-central-1", "ml.g5.xlarge"); !errors.Is(err, cost.ErrNotPriced) {
		t.Errorf("processing Lookup(g5) = %v; want ErrNotPriced (the fixture has no g5 processing row)", err)
	}
	if calls != 1 || srv.Calls("pricing:index.csv") != 1 {
		t.Errorf("the price list file was read %d times, then %d; want once, the processing table from the cache", calls, srv.Calls("pricing:index.csv"))
	}
}

// Prices read from another Price List (here the emulator's invented ones) are cached apart
// from AWS's: a later read of AWS's list, offline, does not find them.
func TestRefreshCachesAnotherPriceListApartFromAWSs(t *testing.T) {
	srv := sagemakertest.NewServer()
	defer srv.Close()
	cache := t.TempDir()
	if _, err := cost.Refresh(context.Background(), func(o *cost.RefreshOptions) {
		o.Regions, o.BaseURL, o.CacheDir = []string{"eu-central-1"}, srv.URL, cache
	}); err != nil {
		t.Fatal(err)
	}
	offline := &http.Client{Transport: failingTransport{}}
	_, err := cost.Refresh(context.Background(), func(o *cost.RefreshOptions) {
		o.Regions, o.Client, o.CacheDir = []string{"eu-central-1"}, offline, cache
	})
	if err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("AWS's Price List, offline, with only the emulator's cached: %v; want the network error", err)
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline")
}

// A region named twice is read once: the table is the region's, not an error about two
// prices for each of its instance types.
func TestRefreshReadsARegionNamedTwiceOnce(t *testing.T) {
	srv, calls := bulkServer(t)
	tbl, err := cost.Refresh(context.Background(), func(o *cost.RefreshOptions) {
		o.Regions = []string{"eu-west-1", "eu-west-1"}
		o.BaseURL, o.Client, o.CacheDir = srv.URL, srv.Client(), "-"
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tbl.Lookup("eu-west-1", "ml.c5.xlarge"); err != nil || p.USDPerHour != 0.25 {
		t.Errorf("Lookup(c5) = %+v, %v", p, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d requests; want 2 (region index, price list)", calls.Load())
	}
}
