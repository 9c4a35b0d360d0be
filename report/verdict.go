package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"
)

// DefaultMaxErrorRate is the share of failed requests above which a row is not recommended
// when Report.MaxErrorRate is nil.
const DefaultMaxErrorRate = 0.01

// Verdict is the report's one decision about a row. Every output takes it from
// Report.Verdicts: the Markdown table's bold row, its "vs best" and "Verdict" columns and
// its first sentence, CSV's and JSON's best and verdict, the charts' marks, and
// sagebench's recommendation. They cannot disagree.
//
// A row qualifies when it was measured (at least one request succeeded), meets the
// report's SLO, failed at most MaxErrorRate of its requests, is priced, and has not
// failed (Row.Failed). The recommended row is the qualifying one with the lowest cost per
// million inferences, the first added on a tie; none when nothing qualifies.
type Verdict struct {
	Qualifies   bool
	Recommended bool
	// Reasons says why a row does not qualify, one entry per criterion it misses:
	// "failed: ...", "nothing measured", "no successful request", "breaks SLO p99 168ms >
	// 100ms", "SLO p97 <= 100ms unknown: ..." (a result without that percentile), "errors
	// 1.1% > 1%", "not priced". Empty when it qualifies.
	Reasons []string
	// Teardown repeats Row.Teardown: the row's measurement stands, but what it deployed
	// could not all be deleted.
	Teardown string

	slo bool // whether the report has an SLO, for "meets SLO"
}

// String is the row's "Verdict" cell: "recommended", "meets SLO" ("qualifies" without an
// SLO), or the reasons it does not qualify, joined by "; "; a failed teardown is added.
func (v Verdict) String() string {
	var s string
	switch {
	case v.Recommended:
		s = "recommended"
	case v.Qualifies && v.slo:
		s = "meets SLO"
	case v.Qualifies:
		s = "qualifies"
	default:
		s = strings.Join(v.Reasons, "; ")
	}
	if v.Teardown != "" {
		s += "; teardown failed: " + v.Teardown
	}
	return s
}

// maxErrorRate is the bound the report applies.
func (r *Report) maxErrorRate() float64 {
	if r.MaxErrorRate == nil {
		return DefaultMaxErrorRate
	}
	return *r.MaxErrorRate
}

// Verdicts decides, once, about every row, in the order of Rows.
func (r *Report) Verdicts() []Verdict {
	vs := make([]Verdict, len(r.Rows))
	best, bestV := -1, 0.0
	for i := range r.Rows {
		vs[i] = r.judge(&r.Rows[i])
		if !vs[i].Qualifies {
			continue
		}
		if v, _ := r.Rows[i].perMillion(); best < 0 || v < bestV {
			best, bestV = i, v
		}
	}
	if best >= 0 {
		vs[best].Recommended = true
	}
	return vs
}

// judge checks one row against every criterion.
func (r *Report) judge(row *Row) Verdict {
	v := Verdict{Teardown: row.Teardown, slo: r.SLO != nil}
	res := row.Result
	switch {
	case row.Failed != "":
		v.Reasons = append(v.Reasons, "failed: "+row.Failed)
	case res == nil:
		v.Reasons = append(v.Reasons, "failed: no result")
	}
	if res != nil {
		if w := res.Incomplete(); w != "" { // a load whose shards did not all report
			v.Reasons = append(v.Reasons, w)
		}
		switch {
		case res.Requests <= 0:
			v.Reasons = append(v.Reasons, "nothing measured")
		case res.Requests <= res.Errors:
			v.Reasons = append(v.Reasons, "no successful request")
		case r.SLO != nil && res.Percentile(r.SLO.Percentile) <= 0: // a summary without it
			v.Reasons = append(v.Reasons, fmt.Sprintf("SLO %s unknown: the result has no p%v latency",
				r.SLO, r.SLO.Percentile))
		case r.SLO != nil && !r.SLO.Met(res):
			v.Reasons = append(v.Reasons, fmt.Sprintf("breaks SLO p%v %s > %v",
				r.SLO.Percentile, fmtDuration(res.Percentile(r.SLO.Percentile)), r.SLO.Max))
		}
		if rate := errorRate(res.Errors, res.Requests); res.Requests > 0 && rate > r.maxErrorRate() {
			s := fmt.Sprintf("errors %s%% > %s%%", fmtPct(100*rate), fmtPct(100*r.maxErrorRate()))
			if c, _, ok := MainError(res); ok {
				s += " (mostly " + string(c) + ")"
			}
			v.Reasons = append(v.Reasons, s)
		}
	}
	if _, ok := row.perMillion(); !ok && row.Failed == "" && res != nil && res.Requests > res.Errors {
		v.Reasons = append(v.Reasons, "not priced") // a row without a success has nothing to price
	}
	v.Qualifies = len(v.Reasons) == 0
	return v
}

// Best returns the index of the recommended row (see Verdict), or -1 when no row qualifies.
func (r *Report) Best() int {
	for i, v := range r.Verdicts() {
		if v.Recommended {
			return i
		}
	}
	return -1
}

// Ratio returns how many times as expensive per inference row i is as the recommended
// row (1 for it), and false when row i is unpriced or no row is recommended.
func (r *Report) Ratio(i int) (float64, bool) {
	return r.ratio(i, r.Best())
}

func (r *Report) ratio(i, best int) (float64, bool) {
	if best < 0 || i < 0 || i >= len(r.Rows) {
		return 0, false
	}
	v, ok := r.Rows[i].perMillion()
	if !ok {
		return 0, false
	}
	bv, _ := r.Rows[best].perMillion()
	return v / bv, true
}

// Closest returns, when no row is recommended, the row that came closest: the fewest
// criteria missed, then the lowest cost per million inferences (priced rows first), then
// the first added; -1 when a row is recommended or there are none.
func (r *Report) Closest() int {
	return closest(r.Rows, r.Verdicts())
}

func closest(rows []Row, vs []Verdict) int {
	best := -1
	for i, v := range vs {
		if v.Recommended {
			return -1
		}
		if best < 0 || closer(&rows[i], v, &rows[best], vs[best]) {
			best = i
		}
	}
	return best
}

// closer reports whether row a with verdict va came strictly closer than b.
func closer(a *Row, va Verdict, b *Row, vb Verdict) bool {
	af, bf := a.Failed != "" || a.Result == nil, b.Failed != "" || b.Result == nil
	if af != bf {
		return !af
	}
	if len(va.Reasons) != len(vb.Reasons) {
		return len(va.Reasons) < len(vb.Reasons)
	}
	ap, aok := a.perMillion()
	bp, bok := b.perMillion()
	if aok != bok {
		return aok
	}
	return aok && ap < bp
}

// MainError is the class of most of a row's errors (the first by name on a tie) and the
// first message seen in it; ok is false without errors.
func MainError(res *bench.Result) (class bench.ErrorClass, sample string, ok bool) {
	classes := errorClasses(res)
	if len(classes) == 0 {
		return "", "", false
	}
	c := classes[0]
	return c, res.ErrorSamples[c], true
}

// errorClasses returns the classes of res's errors, most frequent first.
func errorClasses(res *bench.Result) []bench.ErrorClass {
	if res == nil {
		return nil
	}
	var out []bench.ErrorClass
	for c, n := range res.ErrorsByClass {
		if n > 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b bench.ErrorClass) int {
		return cmp.Or(cmp.Compare(res.ErrorsByClass[b], res.ErrorsByClass[a]), cmp.Compare(a, b))
	})
	return out
}

// fmtClasses prints the error counts per class, most frequent first: "model_error 5, timeout 2".
func fmtClasses(res *bench.Result) string {
	var parts []string
	for _, c := range errorClasses(res) {
		parts = append(parts, fmt.Sprintf("%s %d", c, res.ErrorsByClass[c]))
	}
	return strings.Join(parts, ", ")
}

// maxSample is how many characters of an error message a report shows.
const maxSample = 160

// truncate cuts s to at most n runes, marking the cut, and flattens it to one line.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fmtDuration prints a duration to three significant digits: 168ms, 53.2ms, 2.72s.
func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return d.String()
	}
	unit := time.Duration(math.Pow10(max(int(math.Floor(math.Log10(float64(d))))-2, 0)))
	return d.Round(unit).String()
}
