package sagebench

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sagebench/sagebench/bench"
)

// Bill is a study's endpoint bill worked out before the first call: each candidate's
// endpoint lives for Study.EndpointOverhead plus the longest its load can take, at its
// instance type's hourly price times its instance count. Neo compilation is not billed;
// the S3 objects cost fractions of a cent. A candidate without a price adds nothing to
// USD: it is named in Unpriced, and the total is then unknown, never a figure.
type Bill struct {
	// USD is the priced candidates' bill; with Unpriced not empty, the whole bill is
	// unknown and USD only what the priced ones cost.
	USD   float64
	Lines []BillLine
	// Unpriced names the candidates the price table has no price for, in order.
	Unpriced []string
	// Prices says where the prices come from (the table's note or name), and Fetch what
	// would price the unpriced candidates.
	Prices, Fetch string
}

// BillLine is one candidate's share of a Bill.
type BillLine struct {
	Candidate     string
	InstanceType  string
	Hours         float64 // billed hours per instance
	USDPerHour    float64 // per instance; 0 when the price table has none (see NoPrice)
	InstanceCount int
	USD           float64
	// PriceSource says where USDPerHour comes from and how old it is (cost.Price.Provenance).
	PriceSource string
	// NoPrice says why the candidate has no price; empty when it has one.
	NoPrice string
}

// Known reports whether every candidate is priced, so that USD is the whole bill.
func (b Bill) Known() bool { return len(b.Unpriced) == 0 }

// String is the bill as the examples print it: the total, then one line a candidate,
// then where the prices come from. With a candidate unpriced, it prints no total: it says
// which candidates have no price and what the priced ones come to.
func (b Bill) String() string {
	var sb strings.Builder
	switch {
	case len(b.Lines) == 0:
		sb.WriteString("estimated endpoint cost: $0.00 (nothing to measure)")
	case b.Known():
		fmt.Fprintf(&sb, "estimated endpoint cost: at most $%.2f", b.USD)
	case len(b.Unpriced) == len(b.Lines):
		fmt.Fprintf(&sb, "estimated endpoint cost: unknown: no candidate has a price (%s)", strings.Join(b.Unpriced, ", "))
	default:
		fmt.Fprintf(&sb, "estimated endpoint cost: unknown: %d of %d candidates have no price (%s); the priced ones come to at most $%.2f",
			len(b.Unpriced), len(b.Lines), strings.Join(b.Unpriced, ", "), b.USD)
	}
	sources := map[string]bool{}
	var source string
	for _, l := range b.Lines {
		if l.NoPrice == "" {
			sources[l.PriceSource], source = true, l.PriceSource
		}
	}
	for _, l := range b.Lines {
		if l.NoPrice != "" {
			fmt.Fprintf(&sb, "\n  %-12s %-16s no price: %s", l.Candidate, l.InstanceType, l.NoPrice)
			continue
		}
		fmt.Fprintf(&sb, "\n  %-12s %-16s %.2f h x $%.4g/h x %d = $%.2f", l.Candidate, l.InstanceType, l.Hours, l.USDPerHour, l.InstanceCount, l.USD)
		if len(sources) > 1 && l.PriceSource != "" { // one source is said once, below
			fmt.Fprintf(&sb, " (%s)", l.PriceSource)
		}
	}
	switch {
	case len(sources) == 1 && source != "" && strings.HasPrefix(b.Prices, "table "): // no note: the rows say more
		fmt.Fprintf(&sb, "\nprices: %s", source)
	case b.Prices != "":
		fmt.Fprintf(&sb, "\nprices: %s", b.Prices)
	}
	if !b.Known() && b.Fetch != "" {
		fmt.Fprintf(&sb, "\nto price %s: %s", strings.Join(b.Unpriced, ", "), b.Fetch)
	}
	return sb.String()
}

// BudgetError is a study refused because its estimated Bill exceeds Study.MaxCostUSD.
type BudgetError struct {
	Bill   Bill
	MaxUSD float64
}

// Error says the estimate, the bound and how to get under it.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("sagebench: estimated endpoint cost up to $%.2f exceeds MaxCostUSD $%.2f: measure fewer candidates, "+
		"shorten the load, or raise the bound\n%s", e.Bill.USD, e.MaxUSD, e.Bill)
}

// loadBound is the longest one candidate's load can run. A load bounded only by a
// count of Requests has no time bound: Plan refuses it under MaxCostUSD.
func (s *Study) loadBound() time.Duration {
	window := s.Load.Duration
	if window == 0 && s.Load.Requests == 0 {
		window = bench.DefaultDuration
	}
	if s.Sweep == nil {
		return s.Load.Warmup + window
	}
	if s.Load.Duration == 0 {
		window = bench.DefaultWindow
	}
	levels := max(len(s.Sweep.Levels), len(s.Sweep.Rates))
	if levels == 0 {
		levels = len(bench.DefaultLevels())
	}
	windows := s.Sweep.MaxWindows
	if windows <= 0 {
		windows = bench.DefaultMaxWindows
	}
	return time.Duration(levels) * (s.Load.Warmup + time.Duration(windows)*window)
}

func (s *Study) bill(p *Plan) Bill {
	hours := (orDuration(s.EndpointOverhead, 15*time.Minute) + s.loadBound()).Hours()
	e := Bill{Prices: priceOrigin(s.Prices), Fetch: fetchHint(s.Prices)}
	for _, c := range s.Candidates {
		if p.resumed[c.Name] != nil || c.Existing() {
			continue // measured by an earlier run, or an endpoint that bills anyway: costs nothing now
		}
		l := BillLine{Candidate: c.Name, InstanceType: c.InstanceType, Hours: hours, InstanceCount: c.count()}
		if c.IsServerless() {
			l = p.serverlessLine(c, hours) // serverless.go
		} else if s.Prices == nil {
			l.NoPrice = "no price table"
		} else if price, err := s.Prices.Lookup(p.Region, c.InstanceType); err != nil {
			l.NoPrice = err.Error()
		} else {
			l.USDPerHour, l.PriceSource = price.USDPerHour, price.Provenance()
		}
		if l.NoPrice != "" {
			e.Unpriced = append(e.Unpriced, c.Name)
		}
		l.USD = l.Hours * l.USDPerHour * float64(l.InstanceCount)
		p.perCandidate[c.Name] = l.USD
		e.USD += l.USD
		e.Lines = append(e.Lines, l)
		if pl, ok := s.loadOnLine(p.Region, c.Name); ok { // loadon.go: the processing job's instances
			if pl.NoPrice != "" && l.NoPrice == "" {
				e.Unpriced = append(e.Unpriced, pl.Candidate)
			}
			p.perCandidate[c.Name] += pl.USD
			e.USD += pl.USD
			e.Lines = append(e.Lines, pl)
		}
	}
	return e
}

// budgetMeter is the running estimate: what finished candidates really cost (their
// endpoint's lifetime at its price) plus the estimates of those in flight. A candidate
// starts only if its estimate still fits under max.
type budgetMeter struct {
	max      float64
	mu       sync.Mutex
	spent    float64
	inFlight map[string]float64
}

func (b *budgetMeter) start(name string, estimate float64) (refused string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inFlight == nil {
		b.inFlight = map[string]float64{}
	}
	total := b.spent + estimate
	for _, v := range b.inFlight {
		total += v
	}
	if b.max > 0 && total > b.max {
		return fmt.Sprintf("budget: the running estimate would reach $%.2f, over MaxCostUSD $%.2f", total, b.max)
	}
	b.inFlight[name] = estimate
	return ""
}

func (b *budgetMeter) finish(name string, lived time.Duration, usdPerHour float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.inFlight, name)
	b.spent += lived.Hours() * usdPerHour
}
