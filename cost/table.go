package cost

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Price is the on-demand hourly price of one SageMaker instance: a real-time inference
// (hosting) instance in the tables of this package, unless a table says otherwise (the
// processing table of [RefreshOptions].Component).
type Price struct {
	Region       string  // AWS region code, e.g. "eu-west-1"
	InstanceType string  // canonical SageMaker name, e.g. "ml.c5.xlarge"
	USDPerHour   float64 // per instance
	Source       string  // where the figure was read
	AsOf         string  // when it was read (a date, or a year for historical snapshots); a Price List's publication date
	// Table is the table the price was looked up in: "embedded table current",
	// "AWS Price List", "table <name>" for ParseTable and NewTable; empty for a Price made by hand.
	Table string
}

// Provenance says where the price comes from and how old it is, as a report prints it
// beside the figure: "AWS Price List, published 2026-12-05" or "embedded table current,
// read 2026-11-25 from <source>".
func (p Price) Provenance() string {
	switch {
	case strings.Contains(p.Table, "Price List"):
		return p.Table + ", published " + p.AsOf
	case p.Table != "":
		return p.Table + ", read " + p.AsOf + " from " + p.Source
	case p.Source != "":
		return "read " + p.AsOf + " from " + p.Source
	}
	return ""
}

//go:embed data/*.csv
var dataFS embed.FS

// Current is the present price table, embedded from data/current.csv.
var Current = refreshable(embedded("current", "data/current.csv"))

// Study2021 is the reference study's price table (eu-west-1, 2021), embedded from
// data/study-2021.csv. Pin the study's published figures against it, not against [Current].
var Study2021 = embedded("study-2021", "data/study-2021.csv")

// Lookup returns the price of instanceType in region from the [Current] table.
// instanceType may be given with or without the "ml." prefix.
func Lookup(region, instanceType string) (Price, error) {
	return Current.Lookup(region, instanceType)
}

// Table is a set of prices keyed by region and instance type. The embedded tables load
// lazily, once; a Table is safe for concurrent use.
type Table struct {
	name string
	load func() (*index, error)
	// refreshable tables name, in a missing price's error, the call that reads current
	// prices; a dated snapshot such as Study2021 is not.
	refreshable bool
	note        string
}

// key is the map key of a price: the instance type is stored without its "ml." prefix so
// that "c5.xlarge" and "ml.c5.xlarge" find the same row with no string building.
type key struct{ region, short string }

type index struct {
	prices  []Price // sorted by region, then instance type
	byKey   map[key]int
	regions []string            // sorted, unique
	types   []string            // canonical names, sorted, unique
	where   map[string][]string // short type -> regions that price it
}

func refreshable(t *Table) *Table {
	t.refreshable = true
	return t
}

func embedded(name, path string) *Table {
	return &Table{name: name, load: sync.OnceValues(func() (*index, error) {
		b, err := dataFS.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cost: table %s: %w", name, err)
		}
		return parse(name, "embedded table "+name, bytes.NewReader(b))
	})}
}

// Note says where the table's prices come from, in a sentence a report can print: for a
// table from Refresh, which Price List, region and publication date; for others, what
// WithNote gave ("" if nothing).
func (t *Table) Note() string { return t.note }

// WithNote returns the same table with a note, e.g. why a study prices with it: "the AWS
// Price List could not be read (...); prices from the embedded table current".
func (t *Table) WithNote(note string) *Table {
	c := *t
	c.note = note
	return &c
}

// Name says which table this is ("current", "study-2021", or the name given to [ParseTable]).
func (t *Table) Name() string { return t.name }

// Lookup returns the price of instanceType in region. instanceType may be given with or
// without the "ml." prefix. Errors are *[LookupError] values that match [ErrUnknownRegion],
// [ErrUnknownInstanceType] or [ErrNotPriced] under errors.Is.
func (t *Table) Lookup(region, instanceType string) (Price, error) {
	ix, err := t.load()
	if err != nil {
		return Price{}, err
	}
	region = strings.TrimSpace(region)
	short := shortName(strings.TrimSpace(instanceType))
	if i, ok := ix.byKey[key{region, short}]; ok {
		return ix.prices[i], nil
	}
	// The slow path may allocate: it runs only for mixed-case input and for errors.
	lr, ls := strings.ToLower(region), strings.ToLower(short)
	if i, ok := ix.byKey[key{lr, ls}]; ok {
		return ix.prices[i], nil
	}
	return Price{}, t.lookupError(ix, lr, ls, instanceType)
}

// Prices returns every row of the table, sorted by region and instance type.
func (t *Table) Prices() ([]Price, error) {
	ix, err := t.load()
	if err != nil {
		return nil, err
	}
	return slices.Clone(ix.prices), nil
}

// Regions returns the regions the table prices, sorted.
func (t *Table) Regions() ([]string, error) {
	ix, err := t.load()
	if err != nil {
		return nil, err
	}
	return slices.Clone(ix.regions), nil
}

// shortName drops a leading "ml." so both spellings share one key.
func shortName(s string) string {
	if len(s) > 3 && strings.EqualFold(s[:3], "ml.") {
		return s[3:]
	}
	return s
}

func newIndex(prices []Price) *index {
	slices.SortFunc(prices, func(a, b Price) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return compareTypes(a.InstanceType, b.InstanceType)
	})
	ix := &index{prices: prices, byKey: make(map[key]int, len(prices)), where: map[string][]string{}}
	for i, p := range prices {
		short := shortName(p.InstanceType)
		ix.byKey[key{p.Region, short}] = i
		if len(ix.regions) == 0 || ix.regions[len(ix.regions)-1] != p.Region {
			ix.regions = append(ix.regions, p.Region)
		}
		if len(ix.where[short]) == 0 {
			ix.types = append(ix.types, p.InstanceType)
		}
		ix.where[short] = append(ix.where[short], p.Region)
	}
	slices.SortFunc(ix.types, compareTypes)
	return ix
}

// compareTypes orders instance types by family, then by size as a person reads a price
// page (xlarge before 2xlarge before 12xlarge), not by byte order.
func compareTypes(a, b string) int {
	fa, sa, _ := strings.Cut(shortName(a), ".")
	fb, sb, _ := strings.Cut(shortName(b), ".")
	if c := strings.Compare(fa, fb); c != 0 {
		return c
	}
	if c := sizeRank(sa) - sizeRank(sb); c != 0 {
		return c
	}
	return strings.Compare(sa, sb)
}

var namedSizes = map[string]int{"nano": -6, "micro": -5, "small": -4, "medium": -3, "large": -2, "xlarge": 1}

// sizeRank maps "xlarge" to 1, "2xlarge" to 2, "metal" and unknown sizes to the end.
func sizeRank(s string) int {
	if r, ok := namedSizes[s]; ok {
		return r
	}
	n, rest := 0, s
	for len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
		n = n*10 + int(rest[0]-'0')
		rest = rest[1:]
		if n > 1<<20 {
			break
		}
	}
	if rest == "xlarge" && n > 0 {
		return n
	}
	return 1 << 30
}
