package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/sagebench/sagebench/bench"
)

// isRate reports whether a sweep climbed an open-loop rate ladder rather than concurrency.
func isRate(s *bench.SweepResult) bool {
	for _, st := range s.Steps {
		if st.Rate > 0 {
			return true
		}
	}
	return false
}

// stepMarks names what a step is to its sweep: "peak", "knee", both or neither.
func stepMarks(s *bench.SweepResult, i int) string {
	switch {
	case i == s.Peak && i == s.Knee:
		return "peak, knee"
	case i == s.Peak:
		return "peak"
	case i == s.Knee:
		return "knee"
	}
	return ""
}

// writeSweep writes one sweep as a heading, a table with a row per step and its verdict.
func writeSweep(b *bytes.Buffer, s Sweep) {
	sr := s.Result
	fmt.Fprintf(b, "## Sweep: %s", Escape(s.Name))
	var about []string
	if s.InstanceType != "" {
		about = append(about, Escape(s.InstanceType))
	}
	if s.Provenance != "" {
		about = append(about, Escape(s.Provenance))
	}
	if sr.SLO != nil {
		about = append(about, "SLO "+Escape(sr.SLO.String()))
	}
	for i, a := range about {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		b.WriteString(sep + a)
	}
	if len(about) > 0 {
		b.WriteString(")")
	}
	b.WriteString("\n\n")

	rate := isRate(sr)
	level, unit := "Workers", "workers"
	if rate {
		level, unit = "Offered req/s", "req/s offered"
	}
	tableRow(b, []string{"Step", level, "TPS", "p50 ms", "p90 ms", "p99 ms", "Errors", "Stable", "SLO", "Mark"})
	tableRow(b, []string{"--:", "--:", "--:", "--:", "--:", "--:", "--:", ":--", ":--", ":--"})
	var warns []string
	for i, st := range sr.Steps {
		res := st.Result
		lvl := strconv.Itoa(st.Concurrency)
		if rate {
			lvl = strconv.FormatFloat(st.Rate, 'f', -1, 64)
		}
		stable := fmt.Sprintf("yes (%d windows)", st.Windows)
		if !st.Stable {
			stable = fmt.Sprintf("no (%d windows)", st.Windows)
		}
		slo := "met"
		if !st.MetSLO {
			slo = "broken"
		}
		mark := stepMarks(sr, i)
		for _, w := range res.Warnings {
			warns = append(warns, fmt.Sprintf("%s step %d (%s %s): %s", Warn, i+1, lvl, unit, w))
			mark += fmt.Sprintf(" %s [%d]", Warn, len(warns))
		}
		errs := fmtErrors(res.Errors, res.Requests)
		if cl := fmtClasses(res); cl != "" {
			errs += ": " + cell(cl) // an invoker names its own classes: free text
		}
		if c, sample, ok := MainError(res); ok && sample != "" {
			warns = append(warns, fmt.Sprintf("step %d (%s %s): first %s error: %s", i+1, lvl, unit, c, truncate(sample, maxSample)))
			mark += fmt.Sprintf(" [%d]", len(warns))
		}
		tableRow(b, []string{
			strconv.Itoa(i + 1), lvl, fmtTPS(res.Throughput), fmtMS(res.Latency.P50), fmtMS(res.Latency.P90),
			fmtMS(res.Latency.P99), errs, stable, slo, strings.TrimSpace(mark),
		})
	}
	b.WriteString("\n")
	for i, w := range warns {
		fmt.Fprintf(b, "%d. %s\n", i+1, cell(w))
	}
	if len(warns) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "Verdict: **%s**\n\n", Escape(sr.Verdict()))
}
