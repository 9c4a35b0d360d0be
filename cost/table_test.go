package cost

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sagebench/sagebench/internal/suggest"
)

func TestLookupCurrentTable(t *testing.T) {
	tests := []struct {
		region, typ string
		want        float64
	}{
		{"us-east-1", "ml.c5.xlarge", 0.204},
		{"us-east-1", "c5.xlarge", 0.204}, // prefix optional
		{"us-east-1", "ML.G4DN.XLARGE", 0.7364},
		{" us-east-1 ", " ml.inf2.xlarge ", 0.99},
		{"us-east-1", "ml.p4d.24xlarge", 37.688},
	}
	for _, tt := range tests {
		p, err := Lookup(tt.region, tt.typ)
		if err != nil {
			t.Errorf("Lookup(%q, %q): %v", tt.region, tt.typ, err)
			continue
		}
		if p.USDPerHour != tt.want || p.Region != "us-east-1" || !strings.HasPrefix(p.InstanceType, "ml.") {
			t.Errorf("Lookup(%q, %q) = %+v, want $%v in us-east-1 with canonical type", tt.region, tt.typ, p, tt.want)
		}
		if p.Source == "" || p.AsOf == "" {
			t.Errorf("Lookup(%q, %q): row lacks source or date: %+v", tt.region, tt.typ, p)
		}
	}
}

// Every embedded row is an instance type SageMaker accepts, dated and sourced.
func TestEmbeddedTablesAreWellFormed(t *testing.T) {
	date := regexp.MustCompile(`^\d{4}(-\d{2}-\d{2})?$`)
	for _, tab := range []*Table{Current, Study2021} {
		prices, err := tab.Prices()
		if err != nil {
			t.Fatalf("%s: %v", tab.Name(), err)
		}
		if len(prices) == 0 {
			t.Fatalf("%s is empty", tab.Name())
		}
		for _, p := range prices {
			if _, ok := slices.BinarySearch(sageMakerTypes, p.InstanceType); !ok || !date.MatchString(p.AsOf) || p.Source == "" || p.USDPerHour <= 0 {
				t.Errorf("%s: bad row %+v", tab.Name(), p)
			}
		}
	}
}

func TestLookupErrors(t *testing.T) {
	tab, err := ParseTable("t", strings.NewReader(
		"region,instance_type,usd_per_hour,as_of,source\n"+
			"us-east-1,ml.g5.xlarge,1.4,2026-01-01,x\n"+
			"us-east-1,ml.p4d.24xlarge,37.688,2026-01-01,x\n"+
			"eu-west-1,ml.g5.xlarge,1.5,2026-01-01,x\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		region, typ string
		kind        error
		suggestions []string
		msg         string
	}{
		{"eu-west-1", "ml.g9.xlarge", ErrUnknownInstanceType, []string{"ml.g5.xlarge"},
			"cost: no price for ml.g9.xlarge in eu-west-1 in table t (did you mean ml.g5.xlarge?)"},
		{"eu-wset-1", "ml.g5.xlarge", ErrUnknownRegion, []string{"eu-west-1"},
			`cost: no prices for region "eu-wset-1" in table t (did you mean eu-west-1?)`},
		{"eu-west-1", "p4d.24xlarge", ErrNotPriced, nil,
			"cost: no price for ml.p4d.24xlarge in eu-west-1 in table t (priced in us-east-1)"},
		{"ap-southeast-1", "ml.g5.xlarge", ErrUnknownRegion, nil,
			"cost: ml.g5.xlarge is a valid SageMaker instance type; table t has no price for it in ap-southeast-1 (nor for any type there) (it prices eu-west-1, us-east-1)"},
		{"ap-southeast-1", "ml.g9.xlarge", ErrUnknownRegion, nil,
			`cost: no prices for region "ap-southeast-1" in table t (it prices eu-west-1, us-east-1)`},
		{"eu-west-1", "zzzzzz", ErrUnknownInstanceType, nil,
			"cost: no price for zzzzzz in eu-west-1 in table t"},
		// A valid instance type the table does not price is the table's gap, not a typo:
		// ml.c6i.xlarge is not "did you mean" a different, valid ml.c5.xlarge.
		{"eu-west-1", "ml.c6i.xlarge", ErrNotPriced, nil,
			"cost: ml.c6i.xlarge is a valid SageMaker instance type; table t has no price for it in eu-west-1"},
	}
	for _, tt := range tests {
		_, err := tab.Lookup(tt.region, tt.typ)
		if !errors.Is(err, tt.kind) {
			t.Errorf("Lookup(%q, %q) = %v, want %v", tt.region, tt.typ, err, tt.kind)
			continue
		}
		var le *LookupError
		if !errors.As(err, &le) || !slices.Equal(le.Suggestions, tt.suggestions) {
			t.Errorf("Lookup(%q, %q): suggestions %v, want %v", tt.region, tt.typ, le.Suggestions, tt.suggestions)
		}
		if err.Error() != tt.msg {
			t.Errorf("Lookup(%q, %q) error\n got %q\nwant %q", tt.region, tt.typ, err, tt.msg)
		}
	}
}

func TestSuggestionsAreNearestFirst(t *testing.T) {
	types := []string{"ml.p3.2xlarge", "ml.g5.2xlarge", "ml.g5.xlarge", "ml.g6.xlarge", "ml.c5.xlarge"}
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"ml.g5.xlarg", []string{"ml.g5.xlarge"}},
		{"ml.g9.xlarge", []string{"ml.g5.xlarge", "ml.g6.xlarge"}},
		{"ml.trn2.48xlarge", nil},
	} {
		if got := closest(tt.in, types); !slices.Equal(got, tt.want) {
			t.Errorf("closest(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"ml.c5.xlarge", "ml.c5.xlarge", 0}, {"eu-west-1", "eu-wset-1", 2}} {
		if got := suggest.Distance(tt.a, tt.b); got != tt.d {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

func TestEmbeddedTableLoadsOnce(t *testing.T) {
	tab := embedded("current", "data/current.csv")
	var wg sync.WaitGroup
	got := make([]*index, 8)
	for i := range got {
		wg.Go(func() {
			ix, err := tab.load()
			if err != nil {
				t.Error(err)
			}
			got[i] = ix
		})
	}
	wg.Wait()
	for _, ix := range got {
		if ix != got[0] {
			t.Fatal("the table was parsed more than once")
		}
	}
}

func TestMissingEmbeddedFileIsAnErrorNotAPanic(t *testing.T) {
	tab := embedded("gone", "data/gone.csv")
	if _, err := tab.Lookup("us-east-1", "ml.c5.xlarge"); err == nil || !strings.Contains(err.Error(), "cost: table gone") {
		t.Errorf("Lookup on a missing table = %v, want a cost: table gone error", err)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	if _, err := Lookup("us-east-1", "ml.g4dn.xlarge"); err != nil { // load outside the count
		t.Fatal(err)
	}
	for _, typ := range []string{"ml.g4dn.xlarge", "g4dn.xlarge"} {
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := Lookup("us-east-1", typ); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Lookup(%q) allocates %v times per call, want 0", typ, allocs)
		}
	}
}

func TestPricesSortedAsAPersonReads(t *testing.T) {
	prices, err := Current.Prices()
	if err != nil {
		t.Fatal(err)
	}
	var g5 []string
	for _, p := range prices {
		if p.Region == "us-east-1" && strings.HasPrefix(p.InstanceType, "ml.g5.") {
			g5 = append(g5, p.InstanceType)
		}
	}
	want := []string{"ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.12xlarge", "ml.g5.24xlarge", "ml.g5.48xlarge"}
	if !slices.Equal(g5, want) {
		t.Errorf("us-east-1 g5 rows in order %v, want %v", g5, want)
	}
}

func BenchmarkLookup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lookup("us-east-1", "ml.g4dn.xlarge"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupShortName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lookup("us-east-1", "g4dn.xlarge"); err != nil {
			b.Fatal(err)
		}
	}
}
