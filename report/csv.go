package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVHeader is the first line WriteCSV writes, one column per figure of a row, in plain
// units: throughput in successful requests per second, latency in milliseconds, money in
// US dollars. error_rate is 0..1. An unknown figure (no price) is an empty cell, which
// spreadsheets and CSV readers take as missing, never 0.
var CSVHeader = []string{
	"config", "instance_type", "instances", "compiled", "provenance",
	"throughput_rps", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms",
	"requests", "errors", "error_rate",
	"usd_per_hour", "usd_per_million", "transactions_per_hour", "ratio_to_best", "best",
	"littles_law_ratio", "warnings", "notes", "verdict", "errors_by_class", "error_sample",
}

// WriteCSV writes the report's rows as CSV under CSVHeader, in the order they were added.
// Numbers are rounded to what a measurement can support (microseconds, a thousandth of a
// request per second, 1e-4 USD an hour, 1e-6 USD per million); warnings and notes are joined by "; ".
func (r *Report) WriteCSV(w io.Writer) error {
	j, err := r.JSON()
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("report: writing CSV: %w", err)
	}
	for _, row := range j.Rows {
		lat := row.LatencyMS
		instances := ""
		if row.InstanceCount > 0 {
			instances = strconv.Itoa(row.InstanceCount)
		}
		ll := ""
		if row.LittlesLawRatio != nil {
			ll = num(*row.LittlesLawRatio, 3)
		}
		var classes []string
		if row.Result != nil {
			for _, c := range errorClasses(row.Result) {
				classes = append(classes, fmt.Sprintf("%s=%d", c, row.Result.ErrorsByClass[c]))
			}
		}
		text := csvText
		measured := func(v string) string {
			if row.Result == nil {
				return "" // a failed row without a result: unknown, not 0
			}
			return v
		}
		rec := []string{
			text(row.Name), text(row.InstanceType), instances, strconv.FormatBool(row.Compiled), text(row.Provenance),
			measured(num(row.ThroughputRPS, 3)), measured(num(lat.P50, 3)), measured(num(lat.P90, 3)), measured(num(lat.P99, 3)),
			measured(num(lat.P999, 3)), measured(num(lat.Mean, 3)), measured(strconv.FormatInt(row.Requests, 10)),
			measured(strconv.FormatInt(row.Errors, 10)), measured(num(row.ErrorRate, 6)),
			optNum(row.USDPerHour, 4), optNum(row.USDPerMillion, 6), optNum(row.TransactionsPerHour, 1),
			optNum(row.RatioToBest, 3), strconv.FormatBool(row.Best),
			ll, text(strings.Join(row.Warnings, "; ")), text(strings.Join(row.Notes, "; ")),
			text(row.Verdict), text(strings.Join(classes, "; ")), text(row.ErrorSample),
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("report: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: writing CSV: %w", err)
	}
	return nil
}

// csvText guards a text cell against formula injection (OWASP, "CSV Injection"): a cell a
// spreadsheet would evaluate gets a leading "'", which it reads as "this is text".
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\x00", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(v float64, decimals int) string {
	return strconv.FormatFloat(round(v, decimals), 'f', -1, 64)
}

func optNum(v *float64, decimals int) string {
	if v == nil {
		return ""
	}
	return num(*v, decimals)
}
