package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/sagebench/sagebench/cost"
)

// Warn marks a row whose figures are doubtful; its reasons are footnotes under the table.
const Warn = "⚠"

var mdHeader = []string{
	"Config", "Instance", "Compiled", "TPS", "p50 ms", "p90 ms", "p99 ms", "Errors",
	"$/hour", "$/1M inferences", "Transactions/hour", "vs best", "Verdict", "Provenance", "Notes",
}

// `:--` left, `--:` right, `:-:` centre, one per mdHeader column.
var mdAlign = []string{":--", ":--", ":-:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", ":--", ":--", ":--"}

// WriteMarkdown writes the report as Markdown: a title, the verdict in one sentence (the
// recommended configuration, or that none can be recommended, what came closest and why),
// the comparison table in the order the rows were added, the recommended configuration in
// bold with "1.0x (best)", footnotes for every warning, note and error sample of a row, where the time goes when rows have server figures (see
// Row.Server), the report's notes, and a table per sweep.
//
// TPS is successful requests per second; p50/p90/p99 are the latency of successful requests;
// $/hour is the whole endpoint; $/1M inferences and transactions/hour come from the row's
// cost.Estimate; "vs best" is the row's cost per inference over the recommended row's; Errors
// counts failed requests by class; Verdict is the row's Verdict. Every name is escaped
// (see Escape).
func (r *Report) WriteMarkdown(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	var b bytes.Buffer
	if r.Title != "" {
		fmt.Fprintf(&b, "# %s\n\n", Escape(r.Title))
	}
	if len(r.Rows) > 0 {
		vs := r.Verdicts()
		b.WriteString(r.summary(vs, mdName, Escape))
		b.WriteString("\n\n")
		r.writeTable(&b, vs)
		r.writeTraffic(&b, vs) // traffic.go
	}
	if r.hasServer() {
		r.writeSplit(&b)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	for _, s := range r.Sweeps {
		writeSweep(&b, s)
	}
	_, err := w.Write(bytes.TrimRight(b.Bytes(), "\n"))
	if err == nil {
		_, err = io.WriteString(w, "\n")
	}
	return err
}

// Markdown returns the report as WriteMarkdown writes it, or the error text.
func (r *Report) Markdown() string {
	var b strings.Builder
	if err := r.WriteMarkdown(&b); err != nil {
		return err.Error()
	}
	return b.String()
}

func (r *Report) writeTable(b *bytes.Buffer, vs []Verdict) {
	best := bestOf(vs)
	var foot []string
	tableRow(b, mdHeader)
	tableRow(b, mdAlign)
	for i := range r.Rows {
		row := &r.Rows[i]
		res := row.Result
		var refs []string
		note := func(mark, text string) {
			foot = append(foot, text)
			refs = append(refs, strings.TrimSpace(fmt.Sprintf("%s [%d]", mark, len(foot))))
		}
		if res != nil {
			for _, w := range res.Warnings {
				note(Warn, fmt.Sprintf("%s %s: %s", Warn, row.Name, w))
			}
			if res.BatchSize > 1 {
				note("", fmt.Sprintf("%s: batch size %d: TPS and latency count requests; cost counts %d inferences per request",
					row.Name, res.BatchSize, res.BatchSize))
			}
			if c, sample, ok := MainError(res); ok && sample != "" {
				note("", fmt.Sprintf("%s: first %s error: %s", row.Name, c, truncate(sample, maxSample)))
			}
		}
		for _, n := range row.Notes {
			note("", fmt.Sprintf("%s: %s", row.Name, n))
		}
		cfg, instance := cell(row.Name), cell(row.InstanceType)
		tps, p50, p90, p99, errs := na, na, na, na, na
		if res != nil {
			lat := res.Latency
			tps, p50, p90, p99 = fmtTPS(res.Throughput), fmtMS(lat.P50), fmtMS(lat.P90), fmtMS(lat.P99)
			errs = fmtErrors(res.Errors, res.Requests)
			if cl := fmtClasses(res); cl != "" {
				errs += ": " + cell(cl) // an invoker names its own classes: free text
			}
		}
		hourly, perM, tph, vsBest := na, na, na, na
		if c := row.Cost; c != nil {
			if c.InstanceCount > 1 {
				instance = fmt.Sprintf("%d × %s", c.InstanceCount, instance)
			}
			hourly, tph = fmtHourly(c.USDPerHour), fmtCount(c.TransactionsPerHour)
			if _, ok := row.perMillion(); ok {
				perM = fmtUSD(c.PerMillion)
			}
		}
		if ratio, ok := r.ratio(i, best); ok {
			vsBest = fmtRatio(ratio)
		}
		verdict := cell(vs[i].String())
		if i == best {
			cfg, perM, vsBest, verdict = "**"+cfg+"**", "**"+perM+"**", "**"+vsBest+" (best)**", "**"+verdict+"**"
		}
		tableRow(b, []string{
			cfg, instance, yesNo(row.Compiled), tps, p50, p90, p99, errs,
			hourly, perM, tph, vsBest, verdict, cell(row.Provenance), strings.Join(refs, " "),
		})
	}
	b.WriteString("\n")
	for i, f := range foot {
		fmt.Fprintf(b, "%d. %s\n", i+1, cell(f))
	}
	if len(foot) > 0 {
		b.WriteString("\n")
	}
	r.writeProvenance(b)
}

// bestOf is the recommended row of vs, -1 if none.
func bestOf(vs []Verdict) int {
	for i, v := range vs {
		if v.Recommended {
			return i
		}
	}
	return -1
}

// mdName is how the Markdown summary names a configuration: escaped, in bold.
func mdName(s string) string { return "**" + Escape(s) + "**" }

// Summary is the report's verdict in plain text, as the first line of its Markdown says
// it: the recommended configuration and its cost, against the next qualifying one, and
// any cheaper one that was not recommended and why; or that none can be recommended, and
// what came closest and why. It is empty without rows.
func (r *Report) Summary() string {
	if len(r.Rows) == 0 {
		return ""
	}
	plain := func(s string) string { return s }
	return r.summary(r.Verdicts(), plain, plain)
}

// summary writes the verdict with name for a configuration's name and text for any other
// free text.
func (r *Report) summary(vs []Verdict, name, text func(string) string) string {
	var b strings.Builder
	best := bestOf(vs)
	if best < 0 {
		fmt.Fprintf(&b, "No configuration can be recommended: none was measured %s.", text(r.criteria()))
		if c := closest(r.Rows, vs); c >= 0 {
			row := &r.Rows[c]
			fmt.Fprintf(&b, " Closest: %s", name(row.Name))
			if v, ok := row.perMillion(); ok {
				fmt.Fprintf(&b, ", $%s per million inferences", fmtUSD(v))
			}
			fmt.Fprintf(&b, ": %s.", text(vs[c].String()))
		}
		return b.String()
	}
	row := &r.Rows[best]
	fmt.Fprintf(&b, "Recommended: %s, $%s per million inferences", name(row.Name), fmtUSD(row.Cost.PerMillion))
	if r.SLO != nil {
		fmt.Fprintf(&b, ", meeting the SLO %s", text(r.SLO.String()))
	}
	// The runner-up is the cheapest other qualifying row: the comparison can only be in
	// the recommended row's favour.
	second, secondV := -1, 0.0
	for i := range r.Rows {
		if v, _ := r.Rows[i].perMillion(); vs[i].Qualifies && i != best && (second < 0 || v < secondV) {
			second, secondV = i, v
		}
	}
	if second >= 0 {
		a, z := *row.Cost, *r.Rows[second].Cost
		a.Name, z.Name = text(row.Name), text(r.Rows[second].Name)
		if c, err := cost.Compare(a, z); err == nil {
			fmt.Fprintf(&b, "; %s", c)
		}
	}
	b.WriteString(".")
	var cheaper []string
	for i := range r.Rows {
		if v, ok := r.Rows[i].perMillion(); ok && !vs[i].Qualifies && v < row.Cost.PerMillion {
			cheaper = append(cheaper, fmt.Sprintf("%s ($%s, %s)", name(r.Rows[i].Name), fmtUSD(v), text(vs[i].String())))
		}
	}
	if len(cheaper) > 0 {
		fmt.Fprintf(&b, " Cheaper but not recommended: %s.", strings.Join(cheaper, "; "))
	}
	return b.String()
}

// criteria says what a recommended row must be: "meeting the SLO p99 <= 100ms with at most
// 1% errors and a known price".
func (r *Report) criteria() string {
	var b strings.Builder
	if r.SLO != nil {
		fmt.Fprintf(&b, "meeting the SLO %s ", r.SLO)
	}
	fmt.Fprintf(&b, "with at most %s%% errors and a known price", fmtPct(100*r.maxErrorRate()))
	return b.String()
}

// writeProvenance explains the provenance values the table uses.
func (r *Report) writeProvenance(b *bytes.Buffer) {
	seen := map[string]bool{}
	for _, row := range r.Rows {
		seen[row.Provenance] = true
	}
	for _, s := range r.Sweeps {
		seen[s.Provenance] = true
	}
	if seen[Emulated] {
		b.WriteString("Provenance *emulated*: measured against the local SageMaker emulator, whose " +
			"per-instance device times are calibrated profiles, not real hardware.\n")
	}
	if seen[EmulatedGeneric] {
		b.WriteString("Provenance *emulated (generic profile)*: measured against the local SageMaker emulator " +
			"on an instance type it has no calibrated profile for: its device times are derived from the " +
			"instance's vCPUs, GPUs or NeuronCores, not measured.\n")
	}
	if seen[Measured] {
		b.WriteString("Provenance *measured*: measured against real SageMaker endpoints on AWS.\n")
	}
	if seen[""] && len(r.Rows) > 0 {
		b.WriteString("Rows without a provenance do not say where their figures come from.\n")
	}
	if seen[Emulated] || seen[EmulatedGeneric] || seen[Measured] || seen[""] {
		b.WriteString("\n")
	}
}

func tableRow(b *bytes.Buffer, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(c)
		b.WriteString(" |")
	}
	b.WriteString("\n")
}
