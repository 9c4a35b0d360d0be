package cost

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
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

// emulatorPriceList is the Price List file sagemakertest serves for eu-central-1, read
// over HTTP at the path a region index names, as cost.Refresh reads it from AWS.
func emulatorPriceList(t *testing.T) string {
	t.Helper()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/offers/v1.0/aws/AmazonSageMaker/20261205100000/eu-central-1/index.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the emulator's price list: %s, %v", resp.Status, err)
	}
	return string(b)
}

// The emulator's fixture holds, for eu-central-1, the rows each table keeps and one row
// for each reason a row is left out; ParseOffer keeps exactly the former.
func TestParseOfferKeepsTheFixturesHostingProcessingAndServerlessRows(t *testing.T) {
	off, err := ParseOffer(strings.NewReader(emulatorPriceList(t)), "eu-central-1")
	if err != nil {
		t.Fatal(err)
	}
	hourly := func(ps []Price) map[string]float64 {
		m := map[string]float64{}
		for _, p := range ps {
			if p.Region != "eu-central-1" || p.AsOf != "2026-12-05" || !strings.Contains(p.Source, "AmazonSageMaker 20261205100000 eu-central-1 (SKU EUC1") {
				t.Errorf("row %+v: want eu-central-1, as of the publication date, its SKU in the source", p)
			}
			m[p.InstanceType] = p.USDPerHour
		}
		return m
	}
	// Left out of hosting: c6i's reserved term (0.15) and AWS Outposts row (0.28), g5's CNY
	// row and its second rate row (same price), t2's free-tier zero, training and notebook
	// components, storage, and eu-west-1's c6i row (0.242).
	if got, want := hourly(off.Prices), map[string]float64{"ml.c5.xlarge": 0.233, "ml.c6i.xlarge": 0.233, "ml.g4dn.xlarge": 0.94, "ml.g5.xlarge": 1.661,
		"ml.inf1.xlarge": 0.369, "ml.inf2.xlarge": 0.906, "ml.m5.xlarge": 0.276}; !maps.Equal(got, want) {
		t.Errorf("hosting = %v; want %v", got, want)
	}
	if got, want := hourly(off.Processing), map[string]float64{"ml.c6i.xlarge": 0.233, "ml.m5.xlarge": 0.276}; !maps.Equal(got, want) {
		t.Errorf("processing = %v; want %v", got, want)
	}
	// Left out of serverless: provisioned concurrency at 4 GB.
	var compute []string
	data := map[string]float64{}
	for _, s := range off.Serverless {
		switch {
		case s.MemoryGB > 0:
			compute = append(compute, fmt.Sprintf("%dGB:%v/s:%.1e/GB-s", s.MemoryGB, s.USDPerSecond, s.USDPerGBSecond()))
		default:
			data[s.Data] = s.USDPerGB
		}
	}
	if want := []string{"1GB:2.4e-05/s:2.4e-05/GB-s", "2GB:4.8e-05/s:2.4e-05/GB-s", "4GB:9.6e-05/s:2.4e-05/GB-s"}; !slices.Equal(compute, want) {
		t.Errorf("serverless compute = %v; want %v", compute, want)
	}
	if want := map[string]float64{"in": 0.016, "out": 0.016}; !maps.Equal(data, want) {
		t.Errorf("serverless data = %v; want %v", data, want)
	}
}

// Each rule that leaves a row out, shown on the fixture's kept c6i hosting row: the row
// changed in one attribute is no longer a hosting price (and no other table takes it).
func TestParseOfferLeavesOutRowsForEachRule(t *testing.T) {
	fixture := emulatorPriceList(t)
	const kept = `"EUC1C6IHOST","JRTCKXETXF","EUC1C6IHOST.JRTCKXETXF.6YS6EN2CT7","OnDemand","$0.2330 per Hosting ml.c6i.xlarge hour in EU (Frankfurt)","2026-12-01","0","Inf","Hrs","0.2330000000","USD","","","","","ML Instance","AmazonSageMaker","EU (Frankfurt)","AWS Region","ml.c6i.xlarge","Hosting","4","8 GiB","0","EUC1-Host:ml.c6i.xlarge","RunInstance","eu-central-1","Amazon SageMaker"`
	if !strings.Contains(fixture, kept) {
		t.Fatal("the fixture lacks its kept c6i hosting row")
	}
	rules := []struct{ why, from, to string }{
		{"not an on-demand term", `"OnDemand"`, `"Reserved"`},
		{"not USD", `"USD"`, `"CNY"`},
		{"a Local Zone, not an AWS Region", `"AWS Region"`, `"AWS Local Zone"`},
		{"another region", `"eu-central-1"`, `"eu-west-1"`},
		{"not the ML Instance family", `"ML Instance"`, `"ML Storage"`},
		{"another component", `"Hosting","4"`, `"Training","4"`},
		{"not a Host usage type", `"EUC1-Host:`, `"EUC1-Train:`},
		{"not per hour", `"Hrs"`, `"GB-Mo"`},
		{"a zero rate", `"0.2330000000"`, `"0.0000000000"`},
	}
	for _, r := range rules {
		row := strings.Replace(kept, r.from, r.to, 1)
		in := strings.Replace(fixture, kept, row, 1)
		if row == kept || in == fixture {
			t.Fatalf("%s: the edit did not apply", r.why)
		}
		off, err := ParseOffer(strings.NewReader(in), "eu-central-1")
		if err != nil {
			t.Errorf("%s: %v", r.why, err)
			continue
		}
		for _, p := range off.Prices {
			if p.InstanceType == "ml.c6i.xlarge" {
				t.Errorf("%s: the row was kept: %+v", r.why, p)
			}
		}
	}
}

// A price is a plain decimal: Go's literal syntax that strconv.ParseFloat accepts is a
// malformed file, not a price ("0_25" read as 25, "0x1p-2" as 0.25).
func TestParseOfferRefusesPricesThatAreNotPlainDecimals(t *testing.T) {
	fixture := emulatorPriceList(t)
	for _, bad := range []string{"0_25", "0x1p-2", "2.5e-1", "+0.25", "-0.25", "Inf", "NaN", ".25", "0.", "", "0.2 5"} {
		in := strings.Replace(fixture, `"0.2330000000","USD","","","","","ML Instance","AmazonSageMaker","EU (Frankfurt)","AWS Region","ml.c6i.xlarge","Hosting"`,
			`"`+bad+`","USD","","","","","ML Instance","AmazonSageMaker","EU (Frankfurt)","AWS Region","ml.c6i.xlarge","Hosting"`, 1)
		if in == fixture {
			t.Fatal("the edit did not apply")
		}
		off, err := ParseOffer(strings.NewReader(in), "eu-central-1")
		if err == nil {
			t.Errorf("price %q: kept %+v; want an error", bad, off.Prices)
		} else if !strings.Contains(err.Error(), "ml.c6i.xlarge") {
			t.Errorf("price %q: error %q does not name the row", bad, err)
		}
	}
	for in, want := range map[string]float64{"0.25": 0.25, "12": 12, " 0.0000200000 ": 0.00002} {
		if got, err := ParseDecimal(in); err != nil || got != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// A file saved by a tool that writes a UTF-8 byte order mark still parses.
func TestParseOfferSkipsAByteOrderMark(t *testing.T) {
	off, err := ParseOffer(strings.NewReader("\ufeff"+emulatorPriceList(t)), "eu-central-1")
	if err != nil || len(off.Prices) != 7 {
		t.Fatalf("ParseOffer(BOM + file) = %v, %v; want 7 hosting prices", off, err)
	}
	tab, err := ParseTable("bom", strings.NewReader("\ufeff# a comment\nregion,instance_type,usd_per_hour,as_of,source\neu-west-1,ml.c5.xlarge,0.23,2021,x\n"))
	if err != nil {
		t.Fatalf("ParseTable(BOM + file): %v", err)
	}
	if _, err := tab.Lookup("eu-west-1", "ml.c5.xlarge"); err != nil {
		t.Error(err)
	}
}

// A row prices the region asked for only if it says so: a file without the Region Code
// column (another region's file, an old one) and a row with an empty one are not taken
// for that region's prices.
func TestParseOfferKeepsOnlyRowsThatNameTheRegion(t *testing.T) {
	const meta = "\"FormatVersion\",\"v1.0\"\n\"Disclaimer\",\"x\"\n\"Publication Date\",\"2026-12-05T10:00:00Z\"\n" +
		"\"Version\",\"1\"\n\"OfferCode\",\"AmazonSageMaker\"\n"
	const cols = "SKU,TermType,Unit,PricePerUnit,Currency,Product Family,Component,usageType,Instance Name"
	const row = "A,OnDemand,Hrs,0.25,USD,ML Instance,Hosting,USE1-Host:ml.c5.xlarge,ml.c5.xlarge"
	_, err := ParseOffer(strings.NewReader(meta+cols+"\n"+row+"\n"), "eu-central-1")
	if err == nil || !strings.Contains(err.Error(), "regioncode") {
		t.Errorf("a us-east-1 file without Region Code read for eu-central-1: %v; want an error naming the column", err)
	}
	off, err := ParseOffer(strings.NewReader(meta+cols+",Region Code,Location Type\n"+row+",,AWS Region\n"+
		"B,OnDemand,Hrs,0.30,USD,ML Instance,Hosting,EUC1-Host:ml.c5.xlarge,ml.c5.xlarge,eu-central-1,AWS Region\n"), "eu-central-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(off.Prices) != 1 || off.Prices[0].USDPerHour != 0.30 {
		t.Errorf("prices %+v; want only eu-central-1's row, at 0.30", off.Prices)
	}
}
