package study

import (
	"fmt"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
)

// LivePrices is the -prices value that reads today's prices from AWS's public Price List
// (sagebench.Study.PriceTable) instead of pinning an embedded table.
const LivePrices = "aws"

// PriceTable picks the embedded price table a -prices flag names: "current", "study2021", or "auto",
// the first of the two that prices every candidate in chosen in region (cost.Current
// when neither does, so that the report shows which rows it cannot price).
func PriceTable(name, region string, chosen []sagebench.Candidate) (*cost.Table, error) {
	switch name {
	case "current":
		return cost.Current, nil
	case "study2021":
		return cost.Study2021, nil
	case "auto":
		for _, t := range []*cost.Table{cost.Current, cost.Study2021} {
			if pricesAll(t, region, chosen) {
				return t, nil
			}
		}
		return cost.Current, nil
	}
	return nil, fmt.Errorf("-prices %q: want %s (where the command reads the Price List), current, study2021 or auto", name, LivePrices)
}

func pricesAll(t *cost.Table, region string, chosen []sagebench.Candidate) bool {
	for _, c := range chosen {
		if _, err := t.Lookup(region, c.InstanceType); err != nil {
			return false
		}
	}
	return true
}
