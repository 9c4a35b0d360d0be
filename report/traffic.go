package report

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sagebench/sagebench/cost"
)

// Traffic says over which traffic the report compares what its qualifying rows cost (see
// Report.CostAt and Report.BreakEvens). A report shows its cost-by-traffic section and
// chart when Traffic is set or a row is serverless (Row.Serverless).
type Traffic struct {
	// Min and Max bound the range compared, in inferences per second. Zero: Max is twice
	// the highest throughput measured (or Target, if higher), Min Max / 10,000.
	Min, Max float64
	// Target, if > 0, is the traffic the study plans for (Study.TargetTPS): one point on
	// the curve, whose cheapest configuration the report names.
	Target float64
}

// minTrafficSpan is the ratio of Max to Min of a derived range.
const minTrafficSpan = 1e4

// maxBreakpoints bounds the instance steps and crossings BreakEvens examines.
const maxBreakpoints = 200_000

// Span is a range of traffic over which one row is the cheapest qualifying one.
type Span struct {
	From, To float64 // inferences per second
	Row      int     // index in Rows; -1 when no qualifying row serves this traffic
}

// trafficShown reports whether the report has a cost-by-traffic section.
func (r *Report) trafficShown() bool {
	if r.Traffic != nil {
		return true
	}
	for _, row := range r.Rows {
		if row.Serverless != nil {
			return true
		}
	}
	return false
}

// PriceServerless prices a serverless row from its measurement: est's PerMillion becomes
// the row's cost per million inferences (so its verdict compares it with instances like
// any row), and its cost per hour is est's at the row's measured throughput. The row's
// cost by traffic is est's (cost.ServerlessEstimate.PerHour). On failure r.Cost stays nil
// and r.Notes says why.
func (r *Row) PriceServerless(est cost.ServerlessEstimate) error {
	r.Cost, r.Serverless = nil, nil
	if r.Result == nil {
		return r.noPrice(fmt.Errorf("report: %s: no result to price", r.Name))
	}
	tps := r.Result.InferencesPerSecond
	hourly, ok := est.PerHour(tps)
	if !ok || !(tps > 0) {
		return r.noPrice(fmt.Errorf("report: pricing %s: it served %v inferences/s, not in (0, %v]", r.Name, tps, est.MaxTPS))
	}
	r.Serverless = &est
	r.Cost = &cost.Estimate{
		Name: r.Name, Region: est.Rate.Region, InstanceType: r.InstanceType, InstanceCount: 1,
		USDPerHour: hourly, TPS: tps, TransactionsPerHour: tps * 3600,
		PerInference: hourly / (tps * 3600), PerMillion: hourly / (tps * 3600) * 1e6,
		InferencesPerDollar: tps * 3600 / hourly, PriceSource: est.Rate.Source,
	}
	return nil
}

// CostAt is what row i costs an hour to serve tps inferences per second, and the
// instances it takes (0 for a serverless row). An instance row takes ceil(tps / its
// measured throughput per instance) instances, at least one: a step function. A
// serverless row costs its provisioned concurrency plus tps x its cost per request, and
// cannot serve beyond its MaxConcurrency (AWS throttles): ok is then false, as it is for
// a row without a price.
func (r *Report) CostAt(i int, tps float64) (usd float64, instances int, ok bool) {
	if i < 0 || i >= len(r.Rows) || !(tps >= 0) || math.IsInf(tps, 0) {
		return 0, 0, false
	}
	return costAt(&r.Rows[i], tps)
}

func costAt(row *Row, tps float64) (float64, int, bool) {
	if row.Serverless != nil {
		usd, ok := row.Serverless.PerHour(tps)
		return usd, 0, ok
	}
	per, peak, ok := instanceTerms(row)
	if !ok {
		return 0, 0, false
	}
	n := 1
	if tps > 0 {
		var err error
		if n, err = cost.InstancesFor(tps, peak, 0); err != nil {
			return 0, 0, false
		}
	}
	return float64(n) * per, n, true
}

// instanceTerms is an instance row's price per instance-hour and throughput per instance.
func instanceTerms(row *Row) (perHour, peak float64, ok bool) {
	c := row.Cost
	if c == nil || c.InstanceCount < 1 || !(c.TPS > 0) || !(c.USDPerHour > 0) {
		return 0, 0, false
	}
	return c.USDPerHour / float64(c.InstanceCount), c.TPS / float64(c.InstanceCount), true
}

// trafficRange is the range compared: Traffic's, or derived from the measurements.
func (r *Report) trafficRange() (lo, hi float64) {
	var t Traffic
	if r.Traffic != nil {
		t = *r.Traffic
	}
	hi = t.Max
	if !(hi > 0) {
		for _, row := range r.Rows {
			if row.Cost != nil {
				hi = max(hi, 2*row.Cost.TPS)
			}
		}
		hi = max(hi, 2*t.Target, 1)
	}
	lo = t.Min
	if !(lo > 0) || lo >= hi {
		lo = hi / minTrafficSpan
	}
	return lo, hi
}

// BreakEvens cuts the traffic range into spans, each with the cheapest qualifying row
// (the first added on a tie), in order. The bounds are exact: instance rows change cost
// only at whole multiples of their throughput per instance, and a serverless row is a
// line, so the cheapest row changes only at those steps, at a serverless row's throttling
// limit, or where two rows' costs cross, which are all solved for.
func (r *Report) BreakEvens() []Span {
	return r.breakEvens(r.Verdicts())
}

func (r *Report) breakEvens(vs []Verdict) []Span {
	lo, hi := r.trafficRange()
	var rows []int
	for i := range r.Rows {
		if vs[i].Qualifies {
			rows = append(rows, i)
		}
	}
	pts := []float64{lo, hi}
	add := func(x float64) {
		if x > lo && x < hi && len(pts) < maxBreakpoints {
			pts = append(pts, x)
		}
	}
	for _, i := range rows {
		row := &r.Rows[i]
		if s := row.Serverless; s != nil {
			add(s.MaxTPS)
			for _, j := range rows {
				if o := r.Rows[j].Serverless; o != nil && j > i && o.PerRequest != s.PerRequest {
					add((o.Rate.ProvisionedUSDPerHour - s.Rate.ProvisionedUSDPerHour) / (3600 * (s.PerRequest - o.PerRequest)))
				}
			}
			continue
		}
		per, peak, ok := instanceTerms(row)
		if !ok {
			continue
		}
		for k := math.Max(1, math.Floor(lo/peak)); k*peak < hi && len(pts) < maxBreakpoints; k++ {
			add(k * peak)
			// Where a serverless row's line meets this row's level k.
			for _, j := range rows {
				if s := r.Rows[j].Serverless; s != nil && s.PerRequest > 0 {
					x := (k*per - s.Rate.ProvisionedUSDPerHour) / (3600 * s.PerRequest)
					if x > (k-1)*peak && x <= k*peak {
						add(x)
					}
				}
			}
		}
	}
	slices.Sort(pts)
	pts = slices.Compact(pts)
	var spans []Span
	for k := 0; k+1 < len(pts); k++ {
		a, b := pts[k], pts[k+1]
		best := r.cheapestAt(rows, (a+b)/2)
		if n := len(spans); n > 0 && spans[n-1].Row == best {
			spans[n-1].To = b
			continue
		}
		spans = append(spans, Span{From: a, To: b, Row: best})
	}
	return spans
}

// cheapestAt is the row of rows that serves tps for the least, -1 when none can.
func (r *Report) cheapestAt(rows []int, tps float64) int {
	best, bestUSD := -1, 0.0
	for _, i := range rows {
		if usd, _, ok := costAt(&r.Rows[i], tps); ok && (best < 0 || usd < bestUSD) {
			best, bestUSD = i, usd
		}
	}
	return best
}

// writeTraffic writes the cost-by-traffic section: how the costs are counted, the
// break-even table, the range the recommendation holds for, and the target's point.
func (r *Report) writeTraffic(b *bytes.Buffer, vs []Verdict) {
	if !r.trafficShown() {
		return
	}
	lo, hi := r.trafficRange()
	spans := r.breakEvens(vs)
	b.WriteString("## Cost by traffic\n\n")
	fmt.Fprintf(b, "What each qualifying configuration costs an hour to serve from %s to %s inferences/s "+
		"(chart: cost-by-traffic.svg). An instance configuration takes ceil(traffic / its measured "+
		"throughput per instance) instances, at least one, a step function; a serverless one pays "+
		"per request (compute per second of its measured duration, plus data in and out) and nothing "+
		"idle but its provisioned concurrency, and is throttled beyond MaxConcurrency / duration.\n\n",
		fmtTraffic(lo), fmtTraffic(hi))
	if len(spans) == 0 || len(spans) == 1 && spans[0].Row < 0 {
		b.WriteString("No qualifying configuration is priced: there is nothing to compare.\n\n")
		return
	}
	tableRow(b, []string{"Inferences/s", "Cheapest", "$/hour"})
	tableRow(b, []string{":--", ":--", "--:"})
	var words []string
	for k, s := range spans {
		rng := fmt.Sprintf("%s to %s", fmtTraffic(s.From), fmtTraffic(s.To))
		w := fmt.Sprintf("from %s to %s", fmtTraffic(s.From), fmtTraffic(s.To))
		switch {
		case k == 0 && len(spans) > 1:
			w = "below " + fmtTraffic(s.To) + " inferences/s"
		case k == len(spans)-1 && len(spans) > 1:
			w = "above " + fmtTraffic(s.From)
		}
		if s.Row < 0 {
			tableRow(b, []string{rng, "none can serve it", "n/a"})
			words = append(words, w+", none can serve it")
			continue
		}
		name := r.Rows[s.Row].Name
		a, na, _ := costAt(&r.Rows[s.Row], s.From)
		z, nz, _ := costAt(&r.Rows[s.Row], math.Nextafter(s.To, 0))
		cell := Escape(name)
		if r.Rows[s.Row].Serverless == nil {
			cell += fmt.Sprintf(" x%d", na)
			if nz != na {
				cell += fmt.Sprintf(" to x%d", nz)
			}
		}
		usd := fmtHourly(a)
		if z != a {
			usd += " to " + fmtHourly(z)
		}
		tableRow(b, []string{rng, cell, usd})
		words = append(words, w+", "+Escape(name))
	}
	b.WriteString("\n")
	if len(spans) > 1 {
		fmt.Fprintf(b, "Cheapest: %s.\n\n", strings.Join(words, "; "))
	}
	if best := bestOf(vs); best >= 0 {
		var in []string
		for _, s := range spans {
			if s.Row == best {
				in = append(in, fmt.Sprintf("%s to %s", fmtTraffic(s.From), fmtTraffic(s.To)))
			}
		}
		name := mdName(r.Rows[best].Name)
		if len(in) == 0 {
			fmt.Fprintf(b, "The recommendation, %s, the cheapest per inference at its measured throughput, is not the cheapest anywhere in this range.\n\n", name)
		} else {
			fmt.Fprintf(b, "The recommendation, %s, holds from %s inferences/s.\n\n", name, strings.Join(in, " and from "))
		}
	}
	if t := r.Traffic; t != nil && t.Target > 0 {
		i := r.cheapestAt(qualifying(vs), t.Target)
		if i < 0 {
			fmt.Fprintf(b, "At the target, %s inferences/s, no qualifying configuration can serve it.\n\n", fmtTraffic(t.Target))
		} else {
			usd, n, _ := costAt(&r.Rows[i], t.Target)
			what := Escape(r.Rows[i].Name)
			if n > 0 {
				what += fmt.Sprintf(" x%d", n)
			}
			fmt.Fprintf(b, "At the target, %s inferences/s: %s, $%s/hour.\n\n", fmtTraffic(t.Target), what, fmtHourly(usd))
		}
	}
}

func qualifying(vs []Verdict) []int {
	var out []int
	for i, v := range vs {
		if v.Qualifies {
			out = append(out, i)
		}
	}
	return out
}

// fmtTraffic prints a traffic to three significant digits: 0.0612, 4.2, 300, 1,200.
func fmtTraffic(v float64) string {
	if v >= 1000 {
		return fmtCount(v)
	}
	return fmt.Sprintf("%.3g", v)
}

// JSONTraffic is the cost-by-traffic comparison in JSONReport: the range compared, in
// inferences per second, and the break-even spans (Report.BreakEvens) in order.
type JSONTraffic struct {
	Min    float64    `json:"min_inferences_per_second"`
	Max    float64    `json:"max_inferences_per_second"`
	Target float64    `json:"target_inferences_per_second,omitempty"`
	Spans  []JSONSpan `json:"spans"`
}

// JSONSpan is one Span: the cheapest qualifying row over [from, to), its index in rows
// (-1 when none can serve that traffic), and its cost per hour at both ends.
type JSONSpan struct {
	From         float64    `json:"from"`
	To           float64    `json:"to"`
	Row          int        `json:"row"`
	Name         string     `json:"config,omitempty"`
	USDPerHourAt [2]float64 `json:"usd_per_hour_from_to"`
}

func (r *Report) jsonTraffic(vs []Verdict) *JSONTraffic {
	if !r.trafficShown() {
		return nil
	}
	lo, hi := r.trafficRange()
	out := &JSONTraffic{Min: lo, Max: hi, Spans: []JSONSpan{}}
	if r.Traffic != nil {
		out.Target = r.Traffic.Target
	}
	for _, s := range r.breakEvens(vs) {
		j := JSONSpan{From: s.From, To: s.To, Row: s.Row}
		if s.Row >= 0 {
			j.Name = r.Rows[s.Row].Name
			j.USDPerHourAt[0], _, _ = costAt(&r.Rows[s.Row], s.From)
			j.USDPerHourAt[1], _, _ = costAt(&r.Rows[s.Row], math.Nextafter(s.To, 0))
		}
		out.Spans = append(out.Spans, j)
	}
	return out
}
