package sagebench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sagebench/sagebench/cost"
)

// PriceList says where a Study without Prices reads its prices: AWS's public Price List
// bulk files, which need no account and no credentials, for the study's region, cached on
// disk with their publication date (cost.Refresh). The zero value reads
// cost.BulkBaseURL when the study runs against AWS; against any other endpoint (an
// aws.Config with a BaseEndpoint, such as the emulator's) it prices with the embedded
// table cost.Current unless BaseURL is set. When the Price List cannot be read, the study
// prices with its cached copy however old, else with cost.Current, and says which and why
// in Plan's Bill and in the report.
type PriceList struct {
	// BaseURL is where the bulk files are published [cost.BulkBaseURL]; the emulator
	// serves a fixture at its srv.URL.
	BaseURL string
	// CacheDir holds the files read [os.UserCacheDir()/sagebench/prices]; "-" for none.
	CacheDir string
	// MaxAge is how long a cached region is reused [cost.DefaultMaxAge, a day].
	MaxAge time.Duration
	// Timeout bounds the read [30s]; a slow network falls back as an unreachable one does.
	Timeout time.Duration
	// Client makes the requests [http.DefaultClient].
	Client *http.Client
	// Off prices with cost.Current without reading the Price List.
	Off bool
}

// PriceTable is the table the study prices with in the region cfg reaches (or
// Study.Region): Prices when set, else today's prices from the Price List (see
// PriceList), else the embedded table with a note saying why. It never fails: a study
// whose candidates have no price still measures them, and Plan names them. Run (and Plan,
// called alone) calls it when Prices is nil; call it yourself and set Prices to read the
// Price List once for both, with your context.
func (s *Study) PriceTable(ctx context.Context, cfg aws.Config) *cost.Table {
	if s.Prices != nil {
		return s.Prices
	}
	region := orDefault(s.Region, cfg.Region)
	pl := s.PriceList
	fallback := func(why, hint string) *cost.Table {
		return cost.Current.WithNote(fmt.Sprintf("the embedded table current (cost/data/current.csv, each row dated and sourced), because %s; %s", why, hint))
	}
	switch {
	case pl.Off:
		return fallback("Study.PriceList.Off is set", "unset it to read the region's prices from the AWS Price List")
	case region == "":
		return fallback("the study has no region", "set Study.Region")
	case pl.BaseURL == "" && cfg.BaseEndpoint != nil:
		return fallback("the study runs against "+*cfg.BaseEndpoint+", not AWS",
			"set Study.PriceList.BaseURL to read a Price List there (the emulator serves one at its URL)")
	}
	timeout := pl.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fromPriceList := func(o *cost.RefreshOptions) {
		o.Regions, o.BaseURL = []string{region}, pl.BaseURL
		o.Client, o.CacheDir, o.MaxAge = pl.Client, pl.CacheDir, pl.MaxAge
	}
	t, err := cost.Refresh(ctx, fromPriceList)
	if err == nil {
		return t
	}
	// Unreachable: a cached copy older than MaxAge is still the Price List, dated; the
	// embedded table only when there is none. No request is made for it.
	offline := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("offline")
	})}
	if stale, serr := cost.Refresh(ctx, fromPriceList, func(o *cost.RefreshOptions) {
		o.Client, o.MaxAge = offline, math.MaxInt64
	}); serr == nil {
		list, _, _ := strings.Cut(stale.Note(), "; cached in")
		return stale.WithNote(fmt.Sprintf("%s, its cached copy (older than %s) because the Price List could not be read now (%v)",
			list, strings.TrimSuffix(orDuration(pl.MaxAge, cost.DefaultMaxAge).String(), "0m0s"), err))
	}
	return fallback(fmt.Sprintf("the Price List could not be read (%v)", err),
		"a study that can reach "+orDefault(pl.BaseURL, cost.BulkBaseURL)+" prices with today's figures")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// priced returns s itself when it has Prices, else a copy that has PriceTable's.
func (s *Study) priced(ctx context.Context, cfg aws.Config) *Study {
	if s.Prices != nil {
		return s.processingPriced(ctx, cfg) // loadon.go
	}
	c := *s
	c.Prices = s.PriceTable(ctx, cfg)
	return c.processingPriced(ctx, cfg)
}

// priceOrigin says where a table's prices come from: its note, or its name.
func priceOrigin(t *cost.Table) string {
	switch {
	case t == nil:
		return "no price table"
	case t.Note() != "":
		return t.Note()
	}
	return fmt.Sprintf("table %q", t.Name())
}

// pricesNote is the report's note on where its prices come from: the table, then each
// priced row's source and date, rows of one source together.
func pricesNote(rep *Report) string {
	var b strings.Builder
	b.WriteString("Prices from " + priceOrigin(rep.Prices) + ".")
	var sources []string
	rows := map[string][]string{}
	for _, o := range rep.Outcomes {
		if o.Cost == nil || o.Cost.PriceSource == "" || o.Candidate.IsServerless() { // serverless.go: in its row
			continue
		}
		src := o.Cost.PriceSource
		if rows[src] == nil {
			sources = append(sources, src)
		}
		rows[src] = append(rows[src], fmt.Sprintf("%s $%.4g/h", o.Candidate.Name, o.Cost.USDPerHour/float64(o.Cost.InstanceCount)))
	}
	for _, src := range sources {
		fmt.Fprintf(&b, " %s: %s.", strings.Join(rows[src], ", "), src)
	}
	var unpriced []string
	for _, o := range rep.Outcomes {
		if o.Result != nil && o.Cost == nil && !o.Candidate.IsServerless() { // serverless.go: in its row
			if _, err := rep.Prices.Lookup(rep.Region, o.Candidate.InstanceType); err != nil {
				unpriced = append(unpriced, o.Candidate.Name)
			}
		}
	}
	if len(unpriced) > 0 {
		fmt.Fprintf(&b, " No price for %s", strings.Join(unpriced, ", "))
		if h := fetchHint(rep.Prices); h != "" {
			b.WriteString(": " + h)
		}
		b.WriteString(".")
	}
	return b.String()
}

// fetchHint says what would price a candidate the study's table t has none for.
func fetchHint(t *cost.Table) string {
	switch {
	case t == nil:
		return ""
	case t.Name() == cost.PriceListTable:
		return "the Price List has no on-demand hosting price for them: set Study.Prices to a table that has"
	case t.Note() != "":
		return "" // the note on the table says why it is used and what reads today's prices
	}
	return "leave Study.Prices nil to read the region's prices from the AWS Price List (public, no credentials needed)"
}
