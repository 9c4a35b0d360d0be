package cost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BulkBaseURL is where AWS publishes the Price List bulk files. They are public: reading
// them needs no AWS account and no credentials.
const BulkBaseURL = "https://pricing.us-east-1.amazonaws.com"

// RefreshCommand is the command that rebuilds the embedded table from the bulk files.
const RefreshCommand = "go generate ./cost"

// CommonRegions are the regions the embedded table aims to cover.
var CommonRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-1"}

// RefreshOptions configures Refresh, through the functions passed to it. Each zero field
// means its default: the zero value reads CommonRegions from BulkBaseURL with
// http.DefaultClient and caches under os.UserCacheDir()/sagebench/prices for a day.
type RefreshOptions struct {
	// Regions are the regions to read, each once; default CommonRegions.
	Regions []string
	// BaseURL is where the Price List is served; default BulkBaseURL.
	BaseURL string
	// Client makes the requests; default http.DefaultClient.
	Client *http.Client
	// CacheDir holds the cached regions; default os.UserCacheDir()/sagebench/prices. "-"
	// disables the cache; a BaseURL other than BulkBaseURL caches in a subdirectory of its own.
	CacheDir string
	// MaxAge: a cached region younger than this is not downloaded again; default
	// DefaultMaxAge.
	MaxAge time.Duration
	// Component picks the table: Hosting (the zero value: real-time inference instances)
	// or Processing (processing job instances). One download caches both.
	Component Component
}

// Component is which instance prices a refreshed table holds.
type Component string

// The components Refresh reads (the Price List's "Component" attribute).
const (
	Hosting    Component = "Hosting"
	Processing Component = "Processing"
)

// PriceListTable is the name of a table Refresh builds from AWS's Price List; a
// processing table is named PriceListTable + "-processing".
const PriceListTable = "aws-price-list"

// DefaultMaxAge is how long Refresh reuses a cached region: a study run the same day reads
// no network, and one run the next day reads the list again. The publication date, not the
// age of the copy, is what each price reports.
const DefaultMaxAge = 24 * time.Hour

// Refresh builds a price table from AWS's public Price List bulk files for SageMaker: for
// each region it reads the service Region index (offers/v1.0/aws/AmazonSageMaker/current/
// region_index.json), then streams that region's price list file in CSV form through
// ParseOffer. Each region's rows are cached on disk, with the file's publication date, so
// that a second call within MaxAge reads no network. The table has the embedded tables'
// API; its name is PriceListTable, each Price's Table is "AWS Price List" (or "Price List
// at <BaseURL>" for another base URL, such as an emulator's), and its Note names the
// regions and publication dates.
//
// Like the AWS SDK's clients, it takes optFns that set fields of a RefreshOptions:
//
//	t, err := cost.Refresh(ctx, func(o *cost.RefreshOptions) { o.Regions = []string{"eu-west-1"} })
func Refresh(ctx context.Context, optFns ...func(*RefreshOptions)) (*Table, error) {
	var o RefreshOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if len(o.Regions) == 0 {
		o.Regions = CommonRegions
	}
	var regions []string // each once, in order: a region named twice would price its types twice
	for _, r := range o.Regions {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	o.Regions = regions
	if o.BaseURL == "" {
		o.BaseURL = BulkBaseURL
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	switch o.Component {
	case "":
		o.Component = Hosting
	case Hosting, Processing:
	default:
		return nil, fmt.Errorf("cost: refresh: component %q: want %s or %s", o.Component, Hosting, Processing)
	}
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cost: refresh: no cache directory (set RefreshOptions.CacheDir, or \"-\" for none): %w", err)
		}
		o.CacheDir = filepath.Join(dir, "sagebench", "prices")
	}
	if base := strings.TrimSuffix(o.BaseURL, "/"); o.CacheDir != "-" && base != BulkBaseURL {
		// Another Price List (an emulator's fixture, a mirror) is cached apart, so that
		// its files are never taken for AWS's.
		sum := sha256.Sum256([]byte(base))
		o.CacheDir = filepath.Join(o.CacheDir, "base-"+hex.EncodeToString(sum[:8]))
	}
	var index map[string]string // region -> URL of its CSV file, read once if needed
	var all []Price
	for _, region := range o.Regions {
		if prices, ok := o.cached(region); ok {
			all = append(all, prices...)
			continue
		}
		if index == nil {
			var err error
			if index, err = o.regionIndex(ctx); err != nil {
				return nil, err
			}
		}
		url, ok := index[region]
		if !ok {
			return nil, fmt.Errorf("cost: refresh: the SageMaker region index lists no price list for %q", region)
		}
		off, err := o.offer(ctx, url, region)
		if err != nil {
			return nil, err
		}
		rows := off.Prices
		if o.Component == Processing {
			rows = off.Processing
		}
		if len(rows) == 0 {
			return nil, fmt.Errorf("cost: refresh: %s has no on-demand %s prices for %s", url, strings.ToLower(string(o.Component)), region)
		}
		if err := o.store(region, off); err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	name := PriceListTable
	if o.Component == Processing {
		name += "-processing"
	}
	label := "AWS Price List"
	if strings.TrimSuffix(o.BaseURL, "/") != BulkBaseURL {
		label = "Price List at " + o.BaseURL
	}
	t, err := newTable(name, label, all)
	if err != nil {
		return nil, err
	}
	published := map[string]bool{}
	var dates []string
	for _, p := range all {
		if !published[p.AsOf] {
			published[p.AsOf] = true
			dates = append(dates, p.AsOf)
		}
	}
	slices.Sort(dates)
	src := label
	if label == "AWS Price List" {
		src += " (" + o.BaseURL + ")"
	}
	t.note = fmt.Sprintf("%s, %s, published %s", src, strings.Join(o.Regions, ", "), strings.Join(dates, ", "))
	if o.CacheDir != "-" {
		t.note += fmt.Sprintf("; cached in %s, reused for %s", o.CacheDir, strings.TrimSuffix(o.MaxAge.String(), "0m0s"))
	}
	return refreshable(t), nil
}

// regionIndex reads the service Region index: regions[region].currentVersionUrl is the
// path of the regional JSON file; the CSV file is the same path ending in .csv.
func (o RefreshOptions) regionIndex(ctx context.Context) (map[string]string, error) {
	url := strings.TrimSuffix(o.BaseURL, "/") + "/offers/v1.0/aws/" + ServiceCode + "/current/region_index.json"
	body, err := o.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var idx struct {
		Regions map[string]struct {
			RegionCode        string `json:"regionCode"`
			CurrentVersionURL string `json:"currentVersionUrl"`
		} `json:"regions"`
	}
	if err := json.NewDecoder(io.LimitReader(body, 16<<20)).Decode(&idx); err != nil {
		return nil, fmt.Errorf("cost: refresh: %s: %w", url, err)
	}
	out := make(map[string]string, len(idx.Regions))
	for key, r := range idx.Regions {
		code := r.RegionCode
		if code == "" {
			code = key
		}
		if p, ok := strings.CutSuffix(r.CurrentVersionURL, ".json"); ok {
			out[code] = strings.TrimSuffix(o.BaseURL, "/") + p + ".csv"
		}
	}
	return out, nil
}

func (o RefreshOptions) offer(ctx context.Context, url, region string) (*Offer, error) {
	body, err := o.get(ctx, url)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	off, err := ParseOffer(body, region)
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, url)
	}
	return off, nil
}

func (o RefreshOptions) get(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("cost: refresh: %w", err)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cost: refresh: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("cost: refresh: GET %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}

// cachePath is one region's cached rows of a component, in the CSV form ParseTable reads.
func (o RefreshOptions) cachePath(region string, c Component) string {
	if c == Processing {
		return filepath.Join(o.CacheDir, ServiceCode+"-processing-"+region+".csv")
	}
	return filepath.Join(o.CacheDir, ServiceCode+"-"+region+".csv")
}

func (o RefreshOptions) cached(region string) ([]Price, bool) {
	if o.CacheDir == "-" {
		return nil, false
	}
	path := o.cachePath(region, o.Component)
	fi, err := os.Stat(path)
	if err != nil || time.Since(fi.ModTime()) > o.MaxAge {
		return nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	t, err := ParseTable("cache", f)
	if err != nil {
		return nil, false // a damaged cache is read again from AWS
	}
	prices, err := t.Prices()
	return prices, err == nil && len(prices) > 0
}

// store writes a region's rows of each component atomically: a crash leaves the old file
// or none.
func (o RefreshOptions) store(region string, off *Offer) error {
	if o.CacheDir == "-" {
		return nil
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return fmt.Errorf("cost: refresh: cache: %w", err)
	}
	for c, rows := range map[Component][]Price{Hosting: off.Prices, Processing: off.Processing} {
		if len(rows) == 0 {
			continue
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, rows,
			fmt.Sprintf("AWS Price List bulk file %s %s, region %s, published %s: %s instances.", ServiceCode, off.Version, region, off.Published, c),
			"Cached by cost.Refresh; delete the file to read it again."); err != nil {
			return err
		}
		if err := writeFileAtomic(o.CacheDir, o.cachePath(region, c), buf.Bytes()); err != nil {
			return fmt.Errorf("cost: refresh: cache: %w", err)
		}
	}
	return nil
}

func writeFileAtomic(dir, path string, b []byte) error {
	tmp, err := os.CreateTemp(dir, ".prices-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	_, werr := tmp.Write(b)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// NewTable makes a table of prices, validated as ParseTable validates a file: a region
// code, an instance type, a positive finite price and no duplicate (region, type).
func NewTable(name string, prices []Price) (*Table, error) {
	return newTable(name, "table "+name, prices)
}

func newTable(name, label string, prices []Price) (*Table, error) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, prices); err != nil {
		return nil, fmt.Errorf("cost: table %s: %w", name, err)
	}
	ix, err := parse(name, label, &buf)
	if err != nil {
		return nil, err
	}
	return &Table{name: name, load: func() (*index, error) { return ix, nil }}, nil
}
