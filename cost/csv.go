package cost

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// header is the first non-comment line of every price file, in this order.
var header = []string{"region", "instance_type", "usd_per_hour", "as_of", "source"}

// ParseTable reads a price table in the CSV form of data/current.csv: lines starting with
// '#' are comments, then the header region,instance_type,usd_per_hour,as_of,source, then one
// row per region and instance type. Instance types are stored in canonical "ml." form.
// It rejects malformed rows, non-positive or non-finite prices and duplicate rows, saying
// which line is at fault.
func ParseTable(name string, r io.Reader) (*Table, error) {
	ix, err := parse(name, "table "+name, r)
	if err != nil {
		return nil, err
	}
	return &Table{name: name, load: func() (*index, error) { return ix, nil }}, nil
}

// parse reads a table; label becomes every row's Price.Table.
func parse(name, label string, r io.Reader) (*index, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("cost: table %s: no header line", name)
	}
	if err != nil {
		return nil, fmt.Errorf("cost: table %s: %w", name, err)
	}
	if !slices.Equal(rec, header) {
		return nil, fmt.Errorf("cost: table %s: header is %q, want %q", name, rec, header)
	}
	var prices []Price
	seen := map[key]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cost: table %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		p, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("cost: table %s line %d: %w", name, line, err)
		}
		k := key{p.Region, shortName(p.InstanceType)}
		if first, dup := seen[k]; dup {
			return nil, fmt.Errorf("cost: table %s line %d: %s in %s already priced on line %d",
				name, line, p.InstanceType, p.Region, first)
		}
		seen[k] = line
		p.Table = label
		prices = append(prices, p)
	}
	return newIndex(prices), nil
}

func parseRow(rec []string) (Price, error) {
	region := strings.TrimSpace(rec[0])
	if !validRegion(region) {
		return Price{}, fmt.Errorf("region %q is not an AWS region code like eu-west-1", rec[0])
	}
	typ, err := canonicalType(rec[1])
	if err != nil {
		return Price{}, err
	}
	usd, err := ParseDecimal(rec[2])
	if err != nil || math.IsInf(usd, 0) || usd <= 0 {
		return Price{}, fmt.Errorf("usd_per_hour %q for %s is not a positive number", rec[2], typ)
	}
	asOf, source := strings.TrimSpace(rec[3]), strings.TrimSpace(rec[4])
	if asOf == "" || source == "" {
		return Price{}, fmt.Errorf("%s in %s has no as_of date or no source", typ, region)
	}
	if !printable(asOf) || !printable(source) {
		return Price{}, fmt.Errorf("%s in %s: as_of and source must be single lines of text", typ, region)
	}
	return Price{Region: region, InstanceType: typ, USDPerHour: usd, Source: source, AsOf: asOf}, nil
}

// skipBOM drops a leading UTF-8 byte order mark, which spreadsheet programs write.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// validRegion accepts region codes such as us-east-1 or ap-southeast-3: lowercase words and a
// trailing number joined by hyphens.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range []byte(p) {
			digit, lower := c >= '0' && c <= '9', c >= 'a' && c <= 'z'
			if (i == len(parts)-1 && !digit) || (i < len(parts)-1 && !lower) {
				return false
			}
		}
	}
	return true
}

// canonicalType turns "c5.xlarge" or "ML.C5.XLARGE" into "ml.c5.xlarge", and rejects
// anything that is not family.size made of lowercase letters, digits and hyphens.
func canonicalType(s string) (string, error) {
	short := strings.ToLower(shortName(strings.TrimSpace(s)))
	family, size, ok := strings.Cut(short, ".")
	if !ok || family == "" || size == "" || strings.Contains(size, ".") ||
		!nameChars(family) || !nameChars(size) {
		return "", fmt.Errorf("instance type %q is not like ml.c5.xlarge", s)
	}
	return "ml." + short, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func nameChars(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// WriteCSV writes prices in the form [ParseTable] reads, sorted by region and instance
// type, under the given comment lines (each written with a leading "# ").
func WriteCSV(w io.Writer, prices []Price, comments ...string) error {
	rows := slices.Clone(prices)
	for i := range rows {
		typ, err := canonicalType(rows[i].InstanceType)
		if err != nil {
			return fmt.Errorf("cost: write %s: %w", rows[i].Region, err)
		}
		if _, err := parseRow(record(rows[i], typ)); err != nil {
			return fmt.Errorf("cost: write: %w", err)
		}
		rows[i].InstanceType = typ
	}
	ix := newIndex(rows)
	if len(ix.byKey) != len(rows) {
		return fmt.Errorf("cost: write: %d prices but only %d distinct region and instance type pairs",
			len(rows), len(ix.byKey))
	}
	for _, c := range comments {
		for line := range strings.SplitSeq(c, "\n") {
			if _, err := fmt.Fprintf(w, "# %s\n", line); err != nil {
				return fmt.Errorf("cost: write: %w", err)
			}
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("cost: write: %w", err)
	}
	for _, p := range ix.prices {
		if err := cw.Write(record(p, p.InstanceType)); err != nil {
			return fmt.Errorf("cost: write: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cost: write: %w", err)
	}
	return nil
}

func record(p Price, typ string) []string {
	return []string{p.Region, typ, strconv.FormatFloat(p.USDPerHour, 'f', -1, 64), p.AsOf, p.Source}
}
