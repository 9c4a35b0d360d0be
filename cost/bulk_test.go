package cost

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/bulk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// The fixture holds one kept row per instance type and every kind of row that must be
// left out: a reserved term and a Savings Plans term of kept SKUs, a second rate row of a
// kept SKU, training, notebook and async components, a CNY row, a zero rate, storage, and
// another region's row.
func TestParseOfferKeepsExactlyTheOnDemandHostingRows(t *testing.T) {
	off, err := ParseOffer(openFixture(t, "AmazonSageMaker-eu-west-1.csv"), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if off.OfferCode != "AmazonSageMaker" || off.Version != "20261120184207" || off.Published != "2026-11-20T18:42:07Z" {
		t.Errorf("metadata = %q %q %q", off.OfferCode, off.Version, off.Published)
	}
	src := func(sku, usage string) string {
		return "AWS Price List bulk file AmazonSageMaker 20261120184207 eu-west-1 (SKU " + sku + ", " + usage + ")"
	}
	want := []Price{
		{"eu-west-1", "ml.c5.xlarge", 0.25, src("SKUC5HOST", "EU-Host:ml.c5.xlarge"), "2026-11-20", ""},
		{"eu-west-1", "ml.g4dn.xlarge", 0.9, src("SKUG4HOST", "EU-Host:ml.g4dn.xlarge"), "2026-11-20", ""},
		{"eu-west-1", "ml.inf1.xlarge", 0.4, src("SKUINF1HOST", "EU-Host:ml.inf1.xlarge"), "2026-11-20", ""},
		{"eu-west-1", "ml.m5.xlarge", 0.26, src("SKUM5HOST", "Host:ml.m5.xlarge"), "2026-11-20", ""},
	}
	if len(off.Prices) != len(want) {
		t.Fatalf("kept %d rows %+v; want %d", len(off.Prices), off.Prices, len(want))
	}
	for i := range want {
		if off.Prices[i] != want[i] {
			t.Errorf("row %d = %+v; want %+v", i, off.Prices[i], want[i])
		}
	}
}

// The parser reads row by row: a reader that hands out one byte at a time gives the same
// rows, so nothing depends on holding the file whole.
func TestParseOfferStreams(t *testing.T) {
	off, err := ParseOffer(iotest.OneByteReader(openFixture(t, "AmazonSageMaker-eu-west-1.csv")), "eu-west-1")
	if err != nil || len(off.Prices) != 4 {
		t.Fatalf("ParseOffer(one byte at a time) = %v, %v; want 4 rows", off, err)
	}
}

func TestParseOfferRefusesWhatIsNotASageMakerServiceFile(t *testing.T) {
	if _, err := ParseOffer(openFixture(t, "savings-plan.csv"), "eu-west-1"); err == nil || !strings.Contains(err.Error(), "termtype") {
		t.Errorf("a Savings Plans file: %v; want an error naming the missing TermType column", err)
	}
	b, err := os.ReadFile("testdata/bulk/AmazonSageMaker-eu-west-1.csv")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	cases := map[string]string{
		"other offer": strings.Replace(s, `"OfferCode","AmazonSageMaker"`, `"OfferCode","AmazonEC2"`, 1),
		"truncated":   s[:strings.Index(s, `"Version"`)],
		"bad price":   strings.Replace(s, `"0.2500000000"`, `"a quarter"`, 1),
		"two prices":  strings.Replace(s, `"0.9000000000","USD","","","","","ML Instance","AmazonSageMaker","EU (Ireland)","AWS Region","ml.g4dn.xlarge","Hosting","4","16 GiB","1","EU-Host:ml.g4dn.xlarge","RunInstance","eu-west-1","Amazon SageMaker"`+"\n"+`"SKUG4HOSTCNY"`, `"0.9100000000","USD","","","","","ML Instance","AmazonSageMaker","EU (Ireland)","AWS Region","ml.g4dn.xlarge","Hosting","4","16 GiB","1","EU-Host:ml.g4dn.xlarge","RunInstance","eu-west-1","Amazon SageMaker"`+"\n"+`"SKUG4HOSTCNY"`, 1),
	}
	for name, in := range cases {
		if in == s {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if _, err := ParseOffer(strings.NewReader(in), "eu-west-1"); err == nil {
			t.Errorf("%s: ParseOffer succeeded; want an error", name)
		}
	}
	_, err = ParseOffer(iotest.ErrReader(errors.New("connection reset")), "eu-west-1")
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("a failing reader: %v", err)
	}
}
