package pricing

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/sagebench/sagebench/cost"
)

// priceItem is the part of one Price List product document (a JSON string inside
// GetProductsOutput.PriceList) that a price row needs.
type priceItem struct {
	Product struct {
		ProductFamily string `json:"productFamily"`
		SKU           string `json:"sku"`
		Attributes    struct {
			RegionCode   string `json:"regionCode"`
			LocationType string `json:"locationType"`
			InstanceName string `json:"instanceName"`
			Component    string `json:"component"`
			UsageType    string `json:"usagetype"`
		} `json:"attributes"`
	} `json:"product"`
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				Unit         string            `json:"unit"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
	PublicationDate string `json:"publicationDate"`
}

// item is a real-time inference product with its on-demand hourly price.
type item struct {
	region, instanceType string
	usdPerHour           float64
	sku, usageType       string
	published            string // YYYY-MM-DD, may be empty
}

func (it item) source() string {
	s := fmt.Sprintf("AWS Price List API %s %s (SKU %s", cost.ServiceCode, it.usageType, it.sku)
	if it.published != "" {
		s += "; published " + it.published
	}
	return s + ")"
}

// parseItem reads one product document. ok is false for products that are not an hourly
// real-time inference instance (training, notebooks, async, storage): the filters should
// already exclude those, and a stray one must not become a price. A document that is not
// JSON, or an hourly hosting product without one clear USD rate, is an error.
func parseItem(doc string) (it item, ok bool, err error) {
	var pi priceItem
	if err := json.Unmarshal([]byte(doc), &pi); err != nil {
		return item{}, false, fmt.Errorf("price list document is not JSON: %w", err)
	}
	a := pi.Product.Attributes
	if pi.Product.ProductFamily != "ML Instance" || a.Component != "Hosting" ||
		!isHostUsage(a.UsageType) || !strings.HasPrefix(a.InstanceName, "ml.") {
		return item{}, false, nil
	}
	if a.LocationType != "" && a.LocationType != "AWS Region" {
		return item{}, false, nil // an Outposts or Local Zone product of the same instance, as cost.ParseOffer leaves out
	}
	it = item{region: a.RegionCode, instanceType: a.InstanceName, sku: pi.Product.SKU, usageType: a.UsageType}
	if d, _, found := strings.Cut(pi.PublicationDate, "T"); found {
		it.published = d
	}
	var rates []float64
	for _, term := range pi.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			if dim.Unit != "Hrs" {
				continue
			}
			usd, err := cost.ParseDecimal(dim.PricePerUnit["USD"])
			if err != nil || math.IsInf(usd, 0) {
				return item{}, false, fmt.Errorf("%s (SKU %s): USD rate %q is not a price",
					a.InstanceName, it.sku, dim.PricePerUnit["USD"])
			}
			rates = append(rates, usd)
		}
	}
	switch {
	case len(rates) == 0:
		return item{}, false, fmt.Errorf("%s (SKU %s): no on-demand hourly rate", a.InstanceName, it.sku)
	case len(rates) > 1:
		return item{}, false, fmt.Errorf("%s (SKU %s): %d on-demand hourly rates %v, want one",
			a.InstanceName, it.sku, len(rates), rates)
	case rates[0] == 0:
		return item{}, false, nil // a zero rate is a free-tier or placeholder product, not a price
	}
	it.usdPerHour = rates[0]
	return it, true, nil
}

// isHostUsage matches usage types of real-time endpoint instances, "USE1-Host:ml.c5.xlarge"
// (with a region prefix) or "Host:ml.c5.xlarge".
func isHostUsage(u string) bool {
	return strings.HasPrefix(u, "Host:") || strings.Contains(u, "-Host:")
}
