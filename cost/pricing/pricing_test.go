package pricing_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/cost/pricing"
)

const catalog = "testdata/sagemaker-products.json"

// inRegions is the option that asks Fetch for regions.
func inRegions(regions ...string) func(*pricing.Options) {
	return func(o *pricing.Options) { o.Regions = regions }
}

func TestFetchFollowsPagesAndKeepsHostingRates(t *testing.T) {
	fake, client := newFakePriceList(t, catalog, 2)
	got, err := pricing.Fetch(context.Background(), client, func(o *pricing.Options) {
		o.Regions, o.AsOf = []string{"us-east-1", "eu-west-1"}, "2026-11-25"
	})
	if err != nil {
		t.Fatal(err)
	}
	// Training, async inference, ml.c5.large (below xlarge) and ml.t3 (not a chosen family) are gone.
	want := []struct {
		region, typ string
		usd         float64
	}{
		{"eu-west-1", "ml.c5.xlarge", 0.23},
		{"eu-west-1", "ml.g4dn.xlarge", 0.821},
		{"eu-west-1", "ml.inf1.xlarge", 0.33},
		{"us-east-1", "ml.c5.xlarge", 0.204},
		{"us-east-1", "ml.g4dn.xlarge", 0.7364},
		{"us-east-1", "ml.g5.xlarge", 1.4084},
		{"us-east-1", "ml.inf2.xlarge", 0.99},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d prices, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Region != w.region || g.InstanceType != w.typ || g.USDPerHour != w.usd || g.AsOf != "2026-11-25" {
			t.Errorf("row %d = %+v, want %s %s $%v as of 2026-11-25", i, g, w.region, w.typ, w.usd)
		}
	}
	if src := got[3].Source; src != "AWS Price List API AmazonSageMaker USE1-Host:ml.c5.xlarge (SKU A1C5HOSTUSE1XLRG; published 2026-11-01)" {
		t.Errorf("source = %q", src)
	}

	// us-east-1 has 5 hosting products at 2 a page: 3 requests; eu-west-1 has 3: 2 requests.
	calls := fake.calls()
	var tokens []string
	for _, c := range calls {
		tokens = append(tokens, c.NextToken)
		if c.ServiceCode != "AmazonSageMaker" || !c.Authorized || len(c.Filters) != 3 {
			t.Errorf("request %+v: want AmazonSageMaker, signed, 3 filters", c)
		}
		for _, f := range c.Filters[1:] {
			if f.Type != "TERM_MATCH" || !(f.Field == "productFamily" && f.Value == "ML Instance" || f.Field == "component" && f.Value == "Hosting") {
				t.Errorf("unexpected filter %+v", f)
			}
		}
	}
	if want := []string{"", "page-after-2", "page-after-4", "", "page-after-2"}; !slices.Equal(tokens, want) {
		t.Errorf("NextTokens sent %q, want %q", tokens, want)
	}
}

// The refresh path end to end: fetch, write the CSV, and look prices up in what was written.
func TestFetchedTableWritesAndLoads(t *testing.T) {
	_, client := newFakePriceList(t, catalog, 100)
	prices, err := pricing.Fetch(context.Background(), client, func(o *pricing.Options) {
		o.Regions, o.AsOf = []string{"eu-west-1"}, "2026-11-25"
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "current.csv")
	var buf bytes.Buffer
	if err := cost.WriteCSV(&buf, prices, "from a test"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := cost.ParseTable("refreshed", f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tab.Lookup("eu-west-1", "inf1.xlarge")
	if err != nil || p.USDPerHour != 0.33 || !strings.Contains(p.Source, "EU-Host:ml.inf1.xlarge") {
		t.Errorf("Lookup = %+v, %v", p, err)
	}
}

func TestFetchReturnsAPIErrors(t *testing.T) {
	fake, client := newFakePriceList(t, catalog, 2)
	fake.fail = func(w http.ResponseWriter) bool {
		awsError(w, http.StatusBadRequest, "AccessDeniedException", "not authorized to perform pricing:GetProducts")
		return true
	}
	_, err := pricing.Fetch(context.Background(), client, inRegions("us-east-1"))
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("err = %v, want an AccessDeniedException APIError", err)
	}
	if !strings.HasPrefix(err.Error(), "pricing: GetProducts AmazonSageMaker in us-east-1: ") {
		t.Errorf("error lacks context: %v", err)
	}
}

func TestFetchHonoursCancellation(t *testing.T) {
	fake, client := newFakePriceList(t, catalog, 2)
	ctx, cancel := context.WithCancel(context.Background())
	fake.fail = func(http.ResponseWriter) bool { cancel(); return false } // cancel during the first page
	_, err := pricing.Fetch(ctx, client, inRegions("us-east-1"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(fake.calls()); n > 1 {
		t.Errorf("%d requests after cancellation, want the one in flight only", n)
	}
}

func TestFetchRefusesToGuess(t *testing.T) {
	t.Run("no prices in region", func(t *testing.T) {
		_, client := newFakePriceList(t, catalog, 2)
		_, err := pricing.Fetch(context.Background(), client, inRegions("ap-southeast-1"))
		if err == nil || !strings.Contains(err.Error(), "no real-time inference prices") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("two prices for one type", func(t *testing.T) {
		b, err := os.ReadFile(catalog)
		if err != nil {
			t.Fatal(err)
		}
		// A second ml.inf1.xlarge hosting SKU at another rate.
		dup := strings.Replace(string(b), `"sku": "B3INF1HOSTEUXLRG"`, `"sku": "B4INF1HOSTEUXLRG"`, 1)
		dup = strings.Replace(dup, `"USD": "0.3300000000"`, `"USD": "0.3400000000"`, 1)
		both := strings.TrimSuffix(strings.TrimSpace(string(b)), "]") + "," + strings.TrimPrefix(strings.TrimSpace(dup), "[")
		file := filepath.Join(t.TempDir(), "dup.json")
		if err := os.WriteFile(file, []byte(both), 0o644); err != nil {
			t.Fatal(err)
		}
		_, client := newFakePriceList(t, file, 100)
		_, err = pricing.Fetch(context.Background(), client, inRegions("eu-west-1"))
		if err == nil || !strings.Contains(err.Error(), "ml.inf1.xlarge in eu-west-1 has two prices") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil client", func(t *testing.T) {
		if _, err := pricing.Fetch(context.Background(), nil); err == nil {
			t.Error("nil client accepted")
		}
	})
}
