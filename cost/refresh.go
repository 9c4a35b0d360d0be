package cost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// RefreshOptions configures Refresh. The zero value reads CommonRegions from BulkBaseURL
// with http.DefaultClient and caches under os.UserCacheDir()/sagebench/prices for a day.
type RefreshOptions struct {
	Regions  []string
	BaseURL  string
	Client   *http.Client
	CacheDir string        // "-" disables the cache
	MaxAge   time.Duration // a cached region younger than this is not downloaded again
}

// Refresh builds a price table from AWS's public Price List bulk files for SageMaker: for
// each region it reads the service Region index (offers/v1.0/aws/AmazonSageMaker/current/
// region_index.json), then streams that region's price list file in CSV form through
// ParseOffer. Each region's rows are cached on disk, with the file's publication date, so
// that a second call within MaxAge reads no network. The table has the embedded tables'
// API; its name is "bulk".
func Refresh(ctx context.Context, o RefreshOptions) (*Table, error) {
	if len(o.Regions) == 0 {
		o.Regions = CommonRegions
	}
	if o.BaseURL == "" {
		o.BaseURL = BulkBaseURL
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cost: refresh: no cache directory (set RefreshOptions.CacheDir, or \"-\" for none): %w", err)
		}
		o.CacheDir = filepath.Join(dir, "sagebench", "prices")
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
		if len(off.Prices) == 0 {
			return nil, fmt.Errorf("cost: refresh: %s has no on-demand hosting prices for %s", url, region)
		}
		if err := o.store(region, off); err != nil {
			return nil, err
		}
		all = append(all, off.Prices...)
	}
	t, err := NewTable("bulk", all)
	if err != nil {
		return nil, err
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

// cachePath is one region's cached rows, in the CSV form ParseTable reads.
func (o RefreshOptions) cachePath(region string) string {
	return filepath.Join(o.CacheDir, ServiceCode+"-"+region+".csv")
}

func (o RefreshOptions) cached(region string) ([]Price, bool) {
	if o.CacheDir == "-" {
		return nil, false
	}
	path := o.cachePath(region)
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

// store writes a region's rows atomically: a crash leaves the old file or none.
func (o RefreshOptions) store(region string, off *Offer) error {
	if o.CacheDir == "-" {
		return nil
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return fmt.Errorf("cost: refresh: cache: %w", err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, off.Prices,
		fmt.Sprintf("AWS Price List bulk file %s %s, region %s, published %s.", ServiceCode, off.Version, region, off.Published),
		"Cached by cost.Refresh; delete the file to read it again."); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(o.CacheDir, ".prices-*.csv")
	if err != nil {
		return fmt.Errorf("cost: refresh: cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	_, werr := tmp.Write(buf.Bytes())
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("cost: refresh: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), o.cachePath(region)); err != nil {
		return fmt.Errorf("cost: refresh: cache: %w", err)
	}
	return nil
}

// NewTable makes a table of prices, validated as ParseTable validates a file: a region
// code, an instance type, a positive finite price and no duplicate (region, type).
func NewTable(name string, prices []Price) (*Table, error) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, prices); err != nil {
		return nil, fmt.Errorf("cost: table %s: %w", name, err)
	}
	return ParseTable(name, &buf)
}
