package cost

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Offer is what ParseOffer keeps of one AWS Price List bulk file (a service price list file
// in CSV form): its metadata and the on-demand real-time inference prices in it.
type Offer struct {
	OfferCode string // "AmazonSageMaker"
	Version   string // e.g. "20261101000000"
	Published string // the publication date, e.g. "2026-11-01T00:00:00Z"
	Prices    []Price
}

// ServiceCode is the Price List offer code of SageMaker.
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
// "Instance Name" and "instanceName" are the same column.
var bulkColumns = []string{"sku", "termtype", "unit", "priceperunit", "currency",
	"productfamily", "component", "usagetype", "instancename", "regioncode"}

// ParseOffer reads a Price List bulk file for SageMaker in CSV form, one row at a time (the
// regional file has tens of thousands of rows; it is never held whole), and keeps the
// on-demand price of each real-time inference instance in region: TermType OnDemand,
// product family "ML Instance", component "Hosting", a Host usage type, unit Hrs, currency
// USD. Everything else is left out: reserved and Savings Plans terms, training, notebook,
// processing and other components, non-USD rows, zero-rate rows, and rows of other regions.
// Two different prices for one instance type are an error, not a guess. Each kept Price has
// the file's publication date as AsOf and names the file, SKU and usage type as Source.
func ParseOffer(r io.Reader, region string) (*Offer, error) {
	cr := csv.NewReader(r)
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
	seen := map[string]int{} // instance type -> index in off.Prices
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
		if get("termtype") != "OnDemand" || get("productfamily") != "ML Instance" || get("component") != "Hosting" ||
			!isHostUsage(get("usagetype")) || !strings.HasPrefix(get("instancename"), "ml.") ||
			get("unit") != "Hrs" || get("currency") != "USD" {
			continue
		}
		if rc := get("regioncode"); rc != "" && rc != region {
			continue
		}
		usd, err := strconv.ParseFloat(get("priceperunit"), 64)
		if err != nil || math.IsNaN(usd) || math.IsInf(usd, 0) || usd < 0 {
			return nil, fmt.Errorf("cost: price list file line %d: %s: PricePerUnit %q is not a price", line, get("instancename"), get("priceperunit"))
		}
		if usd == 0 {
			continue // a free-tier or placeholder rate, not a price
		}
		typ, err := canonicalType(get("instancename"))
		if err != nil {
			return nil, fmt.Errorf("cost: price list file line %d: %w", line, err)
		}
		p := Price{Region: region, InstanceType: typ, USDPerHour: usd, AsOf: asOf,
			Source: fmt.Sprintf("AWS Price List bulk file %s %s %s (SKU %s, %s)", ServiceCode, off.Version, region, get("sku"), get("usagetype"))}
		if j, dup := seen[typ]; dup {
			if off.Prices[j].USDPerHour != usd {
				return nil, fmt.Errorf("cost: price list file line %d: %s in %s has two on-demand hosting prices, %v and %v",
					line, typ, region, off.Prices[j].USDPerHour, usd)
			}
			continue // the same rate again (another row of the SKU)
		}
		seen[typ] = len(off.Prices)
		off.Prices = append(off.Prices, p)
	}
	return off, nil
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
		if col[c] < 0 && c != "regioncode" {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cost: price list file header lacks column(s) %s (a Savings Plans file, or not a service price list file?)",
			strings.Join(missing, ", "))
	}
	return col, nil
}

// isHostUsage matches usage types of real-time endpoint instances, "EU-Host:ml.c5.xlarge"
// (with a region prefix) or "Host:ml.c5.xlarge".
func isHostUsage(u string) bool {
	return strings.HasPrefix(u, "Host:") || strings.Contains(u, "-Host:")
}

func orEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
