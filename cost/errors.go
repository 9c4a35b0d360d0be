package cost

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sagebench/sagebench/internal/suggest"
)

// Sentinel kinds of lookup failure; a *[LookupError] matches exactly one under errors.Is.
var (
	ErrUnknownRegion       = errors.New("cost: unknown region")
	ErrUnknownInstanceType = errors.New("cost: unknown instance type")
	ErrNotPriced           = errors.New("cost: instance type not priced in region")
)

// LookupError says why a price lookup failed and what the caller may have meant.
type LookupError struct {
	Table        string // the table's name
	Region       string // as asked
	InstanceType string // as asked
	Kind         error  // ErrUnknownRegion, ErrUnknownInstanceType or ErrNotPriced
	// Valid is true when InstanceType is an instance type SageMaker accepts (for an
	// endpoint or a processing job): a missing price is then the table's gap, not a typo,
	// and no other name is suggested.
	Valid       bool
	Suggestions []string // closest known names (regions for ErrUnknownRegion, types otherwise)
	PricedIn    []string // regions that price the type (ErrNotPriced), or all regions (ErrUnknownRegion)
	// Refresh is the call that reads the region's current prices from AWS's public Price
	// List, when the table can be refreshed (Current and Refresh's tables; not Study2021).
	Refresh string
}

// Error names the table, the region and the type, and offers the likely intended name.
func (e *LookupError) Error() string {
	var b strings.Builder
	switch e.Kind {
	case ErrUnknownRegion:
		if e.Valid && len(e.Suggestions) == 0 {
			fmt.Fprintf(&b, "cost: %s is a valid SageMaker instance type; table %s has no price for it in %s (nor for any type there)",
				e.InstanceType, e.Table, e.Region)
			break
		}
		fmt.Fprintf(&b, "cost: no prices for region %q in table %s", e.Region, e.Table)
	case ErrNotPriced:
		if len(e.PricedIn) == 0 {
			fmt.Fprintf(&b, "cost: %s is a valid SageMaker instance type; table %s has no price for it in %s",
				e.InstanceType, e.Table, e.Region)
			break
		}
		fmt.Fprintf(&b, "cost: no price for %s in %s in table %s (priced in %s)",
			e.InstanceType, e.Region, e.Table, strings.Join(e.PricedIn, ", "))
	default:
		fmt.Fprintf(&b, "cost: no price for %s in %s in table %s", e.InstanceType, e.Region, e.Table)
	}
	switch {
	case len(e.Suggestions) > 0:
		fmt.Fprintf(&b, " (did you mean %s?)", strings.Join(e.Suggestions, " or "))
	case e.Kind == ErrUnknownRegion && len(e.PricedIn) <= 8:
		fmt.Fprintf(&b, " (it prices %s)", strings.Join(e.PricedIn, ", "))
	}
	if e.Refresh != "" {
		fmt.Fprintf(&b, "; refresh it with %s (public Price List files, no AWS account needed)", e.Refresh)
	}
	return b.String()
}

// Unwrap lets errors.Is match the kind of failure.
func (e *LookupError) Unwrap() error { return e.Kind }

func (t *Table) lookupError(ix *index, region, short, asked string) *LookupError {
	e := t.classify(ix, region, short, asked)
	if t.refreshable && validRegion(region) {
		e.Refresh = fmt.Sprintf("cost.Refresh(ctx, func(o *cost.RefreshOptions) { o.Regions = []string{%q} })", region)
	}
	return e
}

func (t *Table) classify(ix *index, region, short, asked string) *LookupError {
	e := &LookupError{Table: t.name, Region: region, InstanceType: strings.TrimSpace(asked)}
	_, e.Valid = slices.BinarySearch(sageMakerTypes, "ml."+short)
	if !slices.Contains(ix.regions, region) {
		e.Kind = ErrUnknownRegion
		e.Suggestions = closest(region, ix.regions)
		e.PricedIn = slices.Clone(ix.regions)
		return e
	}
	if where, ok := ix.where[short]; ok || e.Valid {
		e.Kind = ErrNotPriced
		e.InstanceType = "ml." + short
		e.PricedIn = slices.Clone(where)
		return e
	}
	e.Kind = ErrUnknownInstanceType
	e.Suggestions = closest("ml."+short, ix.types)
	return e
}

func closest(s string, candidates []string) []string { return suggest.Closest(s, candidates) }
