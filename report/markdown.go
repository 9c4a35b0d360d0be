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
	"$/hour", "$/1M inferences", "Transactions/hour", "vs best", "Provenance", "Notes",
}

// `:--` left, `--:` right, `:-:` centre, one per mdHeader column.
var mdAlign = []string{":--", ":--", ":-:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", ":--", ":--"}

// WriteMarkdown writes the report as Markdown: a title, the comparison table in the order
// the rows were added, the best configuration in bold with "1.0x (best)", footnotes for
// every warning and note of a row, where the time goes when rows have server figures (see
// Row.Server), the report's notes, and a table per sweep.
//
// TPS is successful requests per second; p50/p90/p99 are the latency of successful requests;
// $/hour is the whole endpoint; $/1M inferences and transactions/hour come from the row's
// cost.Estimate; "vs best" is the row's cost per inference over the best row's.
func (r *Report) WriteMarkdown(w io.Writer) error {
	if err := r.validate(); err != nil {
		return err
	}
	var b bytes.Buffer
	if r.Title != "" {
		fmt.Fprintf(&b, "# %s\n\n", strings.TrimSpace(r.Title))
	}
	if len(r.Rows) > 0 {
		r.writeTable(&b)
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

func (r *Report) writeTable(b *bytes.Buffer) {
	best := r.Best()
	var foot []string
	tableRow(b, mdHeader)
	tableRow(b, mdAlign)
	for i := range r.Rows {
		row := &r.Rows[i]
		res := row.Result
		var refs []string
		for _, w := range res.Warnings {
			foot = append(foot, fmt.Sprintf("%s %s: %s", Warn, row.Config, w))
			refs = append(refs, fmt.Sprintf("%s [%d]", Warn, len(foot)))
		}
		if res.BatchSize > 1 {
			foot = append(foot, fmt.Sprintf("%s: batch size %d: TPS and latency count requests; cost counts %d inferences per request",
				row.Config, res.BatchSize, res.BatchSize))
			refs = append(refs, fmt.Sprintf("[%d]", len(foot)))
		}
		for _, n := range row.Notes {
			foot = append(foot, fmt.Sprintf("%s: %s", row.Config, n))
			refs = append(refs, fmt.Sprintf("[%d]", len(foot)))
		}
		cfg, instance := cell(row.Config), cell(row.InstanceType)
		hourly, perM, tph, vs := na, na, na, na
		if c := row.Cost; c != nil {
			if c.Instances > 1 {
				instance = fmt.Sprintf("%d × %s", c.Instances, instance)
			}
			hourly, tph = fmtHourly(c.USDPerHour), fmtCount(c.TransactionsPerHour)
			if _, ok := row.perMillion(); ok {
				perM = fmtUSD(c.PerMillion)
			}
		}
		if ratio, ok := r.Ratio(i); ok {
			vs = fmtRatio(ratio)
		}
		if i == best {
			cfg, perM, vs = "**"+cfg+"**", "**"+perM+"**", "**"+vs+" (best)**"
		}
		lat := res.Latency
		tableRow(b, []string{
			cfg, instance, yesNo(row.Compiled), fmtTPS(res.Throughput),
			fmtMS(lat.P50), fmtMS(lat.P90), fmtMS(lat.P99), fmtErrors(res.Errors, res.Requests),
			hourly, perM, tph, vs, cell(row.Provenance), strings.Join(refs, " "),
		})
	}
	b.WriteString("\n")
	r.writeSummary(b, best)
	for i, f := range foot {
		fmt.Fprintf(b, "%d. %s\n", i+1, cell(f))
	}
	if len(foot) > 0 {
		b.WriteString("\n")
	}
	r.writeProvenance(b)
}

// writeSummary says the comparison in the study's words: the best against the runner-up.
func (r *Report) writeSummary(b *bytes.Buffer, best int) {
	if best < 0 {
		fmt.Fprintf(b, "No configuration is priced: cost columns are n/a.\n\n")
		return
	}
	bc := r.Rows[best].Cost
	fmt.Fprintf(b, "Most cost-effective: **%s**, $%s per million inferences", r.Rows[best].Config, fmtUSD(bc.PerMillion))
	second, secondV := -1, 0.0
	for i := range r.Rows {
		if v, ok := r.Rows[i].perMillion(); ok && i != best && (second < 0 || v < secondV) {
			second, secondV = i, v
		}
	}
	if second >= 0 {
		if c, err := cost.Compare(*bc, *r.Rows[second].Cost); err == nil {
			fmt.Fprintf(b, "; %s", c)
		}
	}
	b.WriteString(".\n\n")
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
