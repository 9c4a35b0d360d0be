// Package pricing rebuilds the cost package's price table from the AWS Price List API.
//
// It asks GetProducts for AmazonSageMaker products of family "ML Instance" and component
// "Hosting" (real-time inference endpoints) in each region, keeps the on-demand hourly rate of
// each instance type, and returns rows ready for [cost.WriteCSV]:
//
//	cfg, _ := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
//	prices, err := pricing.Fetch(ctx, awspricing.NewFromConfig(cfg))
//	if err != nil {
//		return err
//	}
//	return cost.WriteCSV(f, prices, "refreshed from the AWS Price List API")
//
// The command internal/cmd/pricegen does exactly that; `go generate ./cost` runs it.
//
// Like the AWS SDK, Fetch takes optFns ...func(*Options), whose zero fields mean defaults.
package pricing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/sagebench/sagebench/cost"
)

// DefaultFamilies are the instance families people benchmark for inference.
var DefaultFamilies = []string{"ml.c5", "ml.c6i", "ml.c7g", "ml.m5", "ml.m6i", "ml.r5",
	"ml.g4dn", "ml.g5", "ml.g6", "ml.p3", "ml.p4d", "ml.inf1", "ml.inf2", "ml.trn1"}

// Options choose what Fetch asks for, through the functions passed to it. Each zero field
// means its default.
type Options struct {
	Regions  []string // default cost.CommonRegions
	Families []string // default DefaultFamilies; sizes below xlarge are always left out
	// AsOf is recorded as each row's Price.AsOf: the day the prices were read; default
	// today's date in UTC.
	AsOf string
}

// Fetch returns the on-demand hourly price of every real-time inference instance type of the
// chosen families in the chosen regions, sorted by region and type. It follows NextToken to
// the last page. It fails, rather than guess, when a region yields no prices or when two
// products give one instance type different prices.
//
//	prices, err := pricing.Fetch(ctx, client, func(o *pricing.Options) { o.Regions = []string{"eu-west-1"} })
func Fetch(ctx context.Context, client awspricing.GetProductsAPIClient, optFns ...func(*Options)) ([]cost.Price, error) {
	if client == nil {
		return nil, fmt.Errorf("pricing: nil client")
	}
	var opts Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&opts)
		}
	}
	regions := cmpOr(opts.Regions, cost.CommonRegions)
	families := cmpOr(opts.Families, DefaultFamilies)
	readOn := opts.AsOf
	if readOn == "" {
		readOn = time.Now().UTC().Format(time.DateOnly)
	}
	var all []cost.Price
	for _, region := range regions {
		prices, err := fetchRegion(ctx, client, region, families, readOn)
		if err != nil {
			return nil, err
		}
		all = append(all, prices...)
	}
	slices.SortFunc(all, func(a, b cost.Price) int {
		return strings.Compare(a.Region+" "+a.InstanceType, b.Region+" "+b.InstanceType)
	})
	return all, nil
}

func fetchRegion(ctx context.Context, client awspricing.GetProductsAPIClient, region string, families []string, readOn string) ([]cost.Price, error) {
	in := &awspricing.GetProductsInput{
		ServiceCode:   aws.String(cost.ServiceCode),
		FormatVersion: aws.String("aws_v1"),
		Filters: []types.Filter{
			termMatch("regionCode", region),
			termMatch("productFamily", "ML Instance"),
			termMatch("component", "Hosting"),
		},
	}
	type found struct {
		price cost.Price
		sku   string
	}
	byType := map[string]found{}
	pages := awspricing.NewGetProductsPaginator(client, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("pricing: GetProducts %s in %s: %w", cost.ServiceCode, region, err)
		}
		for _, doc := range out.PriceList {
			it, ok, err := parseItem(doc)
			if err != nil {
				return nil, fmt.Errorf("pricing: %s: %w", region, err)
			}
			if !ok || it.region != region || !Wanted(it.instanceType, families) {
				continue
			}
			p := cost.Price{Region: region, InstanceType: it.instanceType, USDPerHour: it.usdPerHour,
				AsOf: readOn, Source: it.source()}
			if prev, dup := byType[it.instanceType]; dup {
				if prev.price.USDPerHour != p.USDPerHour {
					return nil, fmt.Errorf("pricing: %s in %s has two prices, $%v (SKU %s) and $%v (SKU %s)",
						it.instanceType, region, prev.price.USDPerHour, prev.sku, p.USDPerHour, it.sku)
				}
				continue
			}
			byType[it.instanceType] = found{p, it.sku}
		}
	}
	if len(byType) == 0 {
		return nil, fmt.Errorf("pricing: no real-time inference prices for %v in %s", families, region)
	}
	prices := make([]cost.Price, 0, len(byType))
	for _, f := range byType {
		prices = append(prices, f.price)
	}
	return prices, nil
}

func termMatch(field, value string) types.Filter {
	return types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(field), Value: aws.String(value)}
}

// Wanted reports whether instanceType is of one of families ("ml.c5") and sized xlarge or
// larger ("xlarge", "2xlarge", ...): the types the embedded table keeps.
func Wanted(instanceType string, families []string) bool {
	family, size, ok := strings.Cut(strings.TrimPrefix(instanceType, "ml."), ".")
	if !ok || !strings.HasSuffix(size, "xlarge") {
		return false
	}
	return slices.Contains(families, "ml."+family)
}

func cmpOr(s, def []string) []string {
	if len(s) == 0 {
		return def
	}
	return s
}
