// Package report turns load results and prices into what a person reads: a Markdown table
// like the reference study's, CSV and JSON of the same rows, and SVG charts.
//
// It is the one package where [bench] results and [cost] prices meet. A [Row] is one
// configuration (a label, an instance type, compiled or not, its bench.Result, its
// cost.Estimate when a price is known, and where the figures come from); a [Sweep] is one
// configuration's concurrency ladder. Every figure that is doubtful stays visible: a
// Result's warnings (a broken Little's law, missed sends, a run cut short) are marked in the
// table and spelled out under it, a configuration without a price shows "n/a" rather than a
// made-up 0, and each row says whether it was emulated or measured.
//
// The report decides once which rows qualify and which is recommended ([Report.Verdicts]:
// measured, meeting Report.SLO, within Report.MaxErrorRate, priced, not failed; the cheapest
// of those), and every output reads that one decision: the Markdown's first sentence, bold
// row and Verdict column, CSV's and JSON's best, and the charts' marks. Names and other free
// text are escaped in every format ([Escape], OWASP's guard against formulas in CSV).
//
//	rep := report.New("ResNet50, 16 workers, eu-west-1")
//	rep.SLO = &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond}
//	row := report.Row{Name: "inf1+neo", InstanceType: "ml.inf1.xlarge", Compiled: true,
//		Result: res, Provenance: report.Emulated}
//	if err := row.PriceFrom(cost.Current, "eu-west-1", 1); err != nil {
//		log.Print(err) // the row keeps the reason and shows n/a
//	}
//	rep.Add(row)
//	rep.AddSweep(report.Sweep{Name: "inf1+neo", Result: sweep})
//	files, err := rep.WriteDir(ctx, "sagebench-out") // report.md, results.csv, results.json, *.svg
package report
