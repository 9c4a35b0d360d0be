package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/study"
)

// endpointOverhead is the billed time of an endpoint beyond its load: SageMaker bills an
// instance from its provisioning to its deletion, and creation takes 5-10 minutes.
const endpointOverhead = 15 * time.Minute

// budget is the run's estimated endpoint bill. Neo compilation is not billed; the S3
// objects cost fractions of a cent.
type budget struct {
	high  float64
	lines []string
}

func (b budget) String() string {
	return fmt.Sprintf("estimated endpoint cost: at most $%.2f\n  %s", b.high, strings.Join(b.lines, "\n  "))
}

// estimate bounds the bill: each configuration's endpoint lives for its overhead plus the
// longest its load can take (with -sweep, every level running every window).
func estimate(o options, chosen []study.Config, prices *cost.Table) (budget, error) {
	load := o.warmup + o.duration
	if o.sweep {
		levels := len(bench.Geometric(1, 64, 2))
		load = time.Duration(levels) * (o.warmup + time.Duration(bench.DefaultMaxWindows)*o.duration)
	}
	hours := (endpointOverhead + load).Hours()
	var b budget
	for _, c := range chosen {
		p, how, err := budgetPrice(prices, o.region, c.InstanceType)
		if err != nil {
			if o.maxCost > 0 {
				return b, fmt.Errorf("cannot estimate the cost of %s (%v); pass -max-cost-usd 0 to run without a bound", c.InstanceType, err)
			}
			b.lines = append(b.lines, fmt.Sprintf("%-9s %s: no price known", c.Label, c.InstanceType))
			continue
		}
		b.high += p * hours
		b.lines = append(b.lines, fmt.Sprintf("%-9s %s: %.2f h x $%.4g/h%s = $%.2f", c.Label, c.InstanceType, hours, p, how, p*hours))
	}
	return b, nil
}

// budgetPrice prices an instance for the estimate: from the chosen table in region, else
// the highest price either embedded table knows for it anywhere (said so in how).
func budgetPrice(prices *cost.Table, region, instanceType string) (usd float64, how string, err error) {
	p, err := prices.Lookup(region, instanceType)
	if err == nil {
		return p.USDPerHour, "", nil
	}
	for _, t := range []*cost.Table{cost.Current, cost.Study2021} {
		all, terr := t.Prices()
		if terr != nil {
			continue
		}
		for _, q := range all {
			if q.InstanceType == instanceType {
				if q.USDPerHour > usd {
					usd, how = q.USDPerHour, fmt.Sprintf(" (%s's price in %s, %s)", q.InstanceType, q.Region, q.AsOf)
				}
			}
		}
	}
	if usd == 0 {
		return 0, "", err
	}
	return usd, how, nil
}
