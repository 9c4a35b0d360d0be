package cost

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Offer is what ParseOffer keeps of one AWS Price List bulk file (a service price list file
// in CSV form): its metadata and three tables of on-demand prices in one region.
type Offer struct {
	OfferCode string // "AmazonSageMaker"
	Version   string // e.g. "20261101000000"
	Published string // the publication date, e.g. "2026-11-01T00:00:00Z"
	// Prices are real-time inference (hosting) instances, per instance-hour.
	Prices []Price
	// Processing are processing job instances, per instance-hour.
	Processing []Price
	// Serverless are serverless inference's compute prices by memory size and its
	// per-GB data processing prices.
	Serverless []ServerlessPrice
}

// ServerlessPrice is one on-demand price of SageMaker Serverless Inference: compute at one
// memory size (MemoryGB > 0, USDPerSecond set), or data processed in or out (Data set,
// USDPerGB set).
type ServerlessPrice struct {
	Region       string
	MemoryGB     int     // the endpoint's memory size; 0 for a data price
	USDPerSecond float64 // compute, per second of inference at MemoryGB
	Data         string  // "in" or "out" for a data price
	USDPerGB     float64 // data processed, per GB
	Source       string
	AsOf         string
}

// USDPerGBSecond is the compute price per GB-second: USDPerSecond over MemoryGB.
func (p ServerlessPrice) USDPerGBSecond() float64 {
	if p.MemoryGB <= 0 {
		return 0
	}
	return p.USDPerSecond / float64(p.MemoryGB)
}

// ServiceCode is SageMaker's code in the AWS Price List: the bulk files' offer code and
// the Price List Query API's ServiceCode.
const ServiceCode = "AmazonSageMaker"

// The layout, from the AWS Billing user guide ("Reading the service price list file for an
// AWS service"): five metadata rows ("FormatVersion", "Disclaimer", "Publication Date",
// "Version", "OfferCode", each a name and a value), then a header row whose first columns
// are the pricing details (SKU, OfferTermCode, RateCode, TermType, PriceDescription,
// EffectiveDate, StartingRange, EndingRange, Unit, PricePerUnit, Currency, ...) and whose
// other columns are the product's attributes, then one row per SKU, term and rate: a SKU
// with several terms or rates has several rows.
var bulkMeta = []string{"FormatVersion", "Disclaimer", "Publication Date", "Version", "OfferCode"}

// The columns ParseOffer reads. Attribute columns are matched ignoring case and spaces, so
// "Instance Name" and "instanceName" are the same column. locationtype may be absent
// (older files); the others must be there: without a Region Code a row does not say
// which region it prices, and another region's file would be read as the one asked for.
var bulkColumns = []string{"sku", "termtype", "unit", "priceperunit", "currency",
	"productfamily", "component", "usagetype", "instancename", "regioncode", "locationtype"}

var optionalColumns = map[string]bool{"locationtype": true}

// rowKind is the table a row of a price list file belongs to (see ParseOffer).
type rowKind int

const (
	skipRow rowKind = iota
	hostingRow
	processingRow
	serverlessComputeRow
	serverlessDataRow
)

// ParseOffer reads a Price List bulk file for SageMaker in CSV form, one row at a time (the
// regional file has tens of thousands of rows; it is never held whole), and keeps the
// on-demand prices of region in three tables. A leading UTF-8 byte order mark is skipped.
// Two different prices for one instance type (or memory size) in one table are an error,
// not a guess. Each kept price has the file's publication date as AsOf and names the
// file, SKU and usage type as Source.
//
// The rows each table keeps, and where each rule comes from: every table keeps only rows
// with TermType "OnDemand" and Currency "USD" (the pricing columns of the AWS Billing user
// guide, "Reading the service price list file for an AWS service"), whose Location Type is
// "AWS Region" and whose Region Code is the region asked for (product attributes
// of the file; a Local Zone or an AWS Outposts location prices the same instance
// differently and is not where a study's endpoint runs), and whose PricePerUnit is a
// plain positive decimal (a zero rate is a free tier or a placeholder, not a price).
//
//   - Hosting (Offer.Prices): Product Family "ML Instance", Component "Hosting", a usage
//     type "<region prefix>-Host:<instance>" or "Host:<instance>", an Instance Name
//     starting "ml.", Unit "Hrs". SageMaker bills real-time endpoints per instance-hour
//     under these usage types (AWS bills show "$0.821 per Hosting ml.g4dn.xlarge hour";
//     aws-samples/sagemaker-ssh-helper Sample_Costs.md).
//   - Processing (Offer.Processing): the same with Component "Processing" and a usage type
//     "...-Processing:<instance>" (e.g. "USE1-Processing:ml.m5.xlarge": the usage type that
//     public Price List readers log for processing instances; SageMaker bills them per
//     instance-hour, as it bills hosting).
//   - Serverless compute (Offer.Serverless, MemoryGB > 0): Product Family "ML Serverless",
//     a usage type ending "ServerlessInf:Mem-<N>GB" (N GB of memory; provisioned
//     concurrency's "ProvisionedConcurrency:..." types are left out), Unit "Second" or
//     "Seconds": the AWS pricing page quotes serverless inference per second at each
//     memory size (https://aws.amazon.com/sagemaker/pricing/), and Price List readers such
//     as infracost select these rows by that usage type.
//   - Serverless data (Offer.Serverless, Data "in" or "out"): a usage type ending
//     "Data-Bytes-In" or "Data-Bytes-Out", Unit "GB": the "$0.016 per GB for Endpoint Data
//     IN/OUT" lines of a SageMaker bill, charged for serverless as for real-time endpoints.
//
// The serverless rules could not be checked against a live file when they were written
// (no network); a file whose serverless rows differ yields no serverless prices, never a
// wrong one, since every attribute above must match.
func ParseOffer(r io.Reader, region string) (*Offer, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	off := &Offer{}
	for i, name := range bulkMeta {
		rec, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("cost: price list file: metadata row %d: %w", i+1, orEOF(err))
		}
		if len(rec) != 2 || rec[0] != name {
			return nil, fmt.Errorf("cost: price list file: row %d is %q, want the %q metadata row", i+1, rec, name)
		}
		switch name {
		case "Publication Date":
			off.Published = rec[1]
		case "Version":
			off.Version = rec[1]
		case "OfferCode":
			off.OfferCode = rec[1]
		}
	}
	if off.OfferCode != ServiceCode {
		return nil, fmt.Errorf("cost: price list file is for offer %q, want %s", off.OfferCode, ServiceCode)
	}
	rec, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cost: price list file: header row: %w", orEOF(err))
	}
	col, err := bulkHeader(rec)
	if err != nil {
		return nil, err
	}
	asOf, _, _ := strings.Cut(off.Published, "T")
	p := offerParser{off: off, region: region, asOf: asOf, seen: map[string]float64{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cost: price list file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i := col[c]; i >= 0 && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		if err := p.row(get); err != nil {
			return nil, fmt.Errorf("cost: price list file line %d: %w", line, err)
		}
	}
	return off, nil
}

type offerParser struct {
	off          *Offer
	region, asOf string
	seen         map[string]float64 // table and key -> the price kept
}

// classify says which table a row belongs to, from every attribute but the price.
func classify(get func(string) string, region string) (rowKind, int, string) {
	if get("termtype") != "OnDemand" || get("currency") != "USD" {
		return skipRow, 0, ""
	}
	if lt := get("locationtype"); lt != "" && lt != "AWS Region" {
		return skipRow, 0, ""
	}
	if get("regioncode") != region {
		return skipRow, 0, ""
	}
	family, usage, unit := get("productfamily"), get("usagetype"), get("unit")
	if family == "ML Instance" && unit == "Hrs" && strings.HasPrefix(get("instancename"), "ml.") {
		switch component := get("component"); {
		case component == "Hosting" && usageIs(usage, "Host:"):
			return hostingRow, 0, ""
		case component == "Processing" && usageIs(usage, "Processing:"):
			return processingRow, 0, ""
		}
		return skipRow, 0, ""
	}
	if family == "ML Serverless" && (unit == "Second" || unit == "Seconds") {
		if gb, ok := serverlessMemory(usage); ok {
			return serverlessComputeRow, gb, ""
		}
	}
	if unit == "GB" {
		switch {
		case strings.HasSuffix(usage, "Data-Bytes-In"):
			return serverlessDataRow, 0, "in"
		case strings.HasSuffix(usage, "Data-Bytes-Out"):
			return serverlessDataRow, 0, "out"
		}
	}
	return skipRow, 0, ""
}

func (p *offerParser) row(get func(string) string) error {
	kind, gb, dir := classify(get, p.region)
	if kind == skipRow {
		return nil
	}
	usd, err := ParseDecimal(get("priceperunit"))
	if err != nil {
		return fmt.Errorf("%s %s: PricePerUnit: %w", get("usagetype"), get("instancename"), err)
	}
	if usd == 0 {
		return nil // a free-tier or placeholder rate, not a price
	}
	src := fmt.Sprintf("AWS Price List bulk file %s %s %s (SKU %s, %s)", ServiceCode, p.off.Version, p.region, get("sku"), get("usagetype"))
	var key, what string
	switch kind {
	case hostingRow, processingRow:
		typ, err := canonicalType(get("instancename"))
		if err != nil {
			return err
		}
		price := Price{Region: p.region, InstanceType: typ, USDPerHour: usd, AsOf: p.asOf, Source: src}
		list, name := &p.off.Prices, "hosting"
		if kind == processingRow {
			list, name = &p.off.Processing, "processing"
		}
		key, what = name+" "+typ, fmt.Sprintf("%s in %s has two on-demand %s prices", typ, p.region, name)
		if dup, err := p.once(key, what, usd); dup || err != nil {
			return err
		}
		*list = append(*list, price)
	case serverlessComputeRow:
		key, what = fmt.Sprintf("serverless %dGB", gb), fmt.Sprintf("serverless inference at %d GB in %s has two prices", gb, p.region)
		if dup, err := p.once(key, what, usd); dup || err != nil {
			return err
		}
		p.off.Serverless = append(p.off.Serverless, ServerlessPrice{Region: p.region, MemoryGB: gb, USDPerSecond: usd, Source: src, AsOf: p.asOf})
	case serverlessDataRow:
		key, what = "data "+dir, fmt.Sprintf("data processed %s in %s has two prices", dir, p.region)
		if dup, err := p.once(key, what, usd); dup || err != nil {
			return err
		}
		p.off.Serverless = append(p.off.Serverless, ServerlessPrice{Region: p.region, Data: dir, USDPerGB: usd, Source: src, AsOf: p.asOf})
	}
	return nil
}

// once records the price of key: dup is true for the same rate again (another row of the
// SKU), and two different rates are an error.
func (p *offerParser) once(key, what string, usd float64) (dup bool, err error) {
	if prev, ok := p.seen[key]; ok {
		if prev != usd {
			return true, fmt.Errorf("%s, %v and %v", what, prev, usd)
		}
		return true, nil
	}
	p.seen[key] = usd
	return false, nil
}

func bulkHeader(rec []string) (map[string]int, error) {
	col := make(map[string]int, len(bulkColumns))
	for _, c := range bulkColumns {
		col[c] = -1
	}
	for i, h := range rec {
		k := strings.ToLower(strings.ReplaceAll(h, " ", ""))
		if _, want := col[k]; want && col[k] < 0 {
			col[k] = i
		}
	}
	var missing []string
	for _, c := range bulkColumns {
		if col[c] < 0 && !optionalColumns[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cost: price list file header lacks column(s) %s (a Savings Plans file, or not a service price list file?)",
			strings.Join(missing, ", "))
	}
	return col, nil
}

// usageIs matches usage types of the given kind, "EU-Host:ml.c5.xlarge" (with a region
// prefix) or "Host:ml.c5.xlarge".
func usageIs(u, kind string) bool {
	return strings.HasPrefix(u, kind) || strings.Contains(u, "-"+kind)
}

// serverlessMemory reads N from a usage type ending "ServerlessInf:Mem-NGB".
func serverlessMemory(u string) (int, bool) {
	i := strings.LastIndex(u, "ServerlessInf:Mem-")
	if i < 0 || (i > 0 && u[i-1] != '-') {
		return 0, false
	}
	n, ok := strings.CutSuffix(u[i+len("ServerlessInf:Mem-"):], "GB")
	if !ok || n == "" || len(n) > 4 || strings.Trim(n, "0123456789") != "" {
		return 0, false
	}
	gb, err := strconv.Atoi(n)
	return gb, err == nil && gb > 0
}

// ParseDecimal reads a price written as a plain decimal: digits, optionally a point and
// more digits ("0.2500000000", "12", "0.0000200"). It refuses what strconv.ParseFloat
// would take as Go or C syntax and a price list never holds: signs, exponents, "Inf",
// "NaN", hexadecimal ("0x1p-2") and digit separators ("0_25" is not 25).
func ParseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (dot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("%w: %q is not a plain decimal number like 0.25", ErrInvalidInput, s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrInvalidInput, s, err)
	}
	return v, nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func orEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
