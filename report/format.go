package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// na is what every table shows for a figure that is not known. A missing price must never
// read as $0 or Inf.
const na = "n/a"

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMS prints milliseconds with about three significant digits, but never fewer than the
// integer part: 0.412, 4.12, 41.2, 412, 2712.
func fmtMS(d time.Duration) string {
	v := ms(d)
	switch {
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// fmtTPS prints a throughput as the study does (one decimal), with more decimals below 1/s.
func fmtTPS(v float64) string {
	if v > 0 && v < 1 {
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// fmtUSD prints dollars in cents, as the study does, keeping three significant digits for
// amounts under ten cents so that a cheap configuration does not read $0.00.
func fmtUSD(v float64) string {
	if v >= 0.1 || v == 0 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	digits := 2 - int(math.Floor(math.Log10(v)))
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// fmtHourly prints an hourly price with two to three decimals: 0.23, 0.821, 1.50.
func fmtHourly(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 3, 64), "0")
}

// fmtRatio prints a cost ratio to the best, as the study says it: "5.4x".
func fmtRatio(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "x" }

// fmtCount prints an integer with thousands separators: 1,095,480.
func fmtCount(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// errorRate is errors over requests, 0 when nothing was sent.
func errorRate(errs, requests int64) float64 {
	if requests <= 0 {
		return 0
	}
	return float64(errs) / float64(requests)
}

// fmtErrors prints an error count with its share of requests: "0", "12 (0.55%)".
func fmtErrors(errs, requests int64) string {
	if errs == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s%%)", errs, fmtPct(100*errorRate(errs, requests)))
}

// fmtPct prints a percentage with about two significant digits (<0.01, 0.55, 5.5, 55).
func fmtPct(p float64) string {
	switch {
	case p >= 10:
		return strconv.FormatFloat(p, 'f', 0, 64)
	case p < 0.01:
		return "<0.01"
	case p < 1:
		return strconv.FormatFloat(p, 'f', 2, 64)
	default:
		return strconv.FormatFloat(p, 'f', 1, 64)
	}
}

// yesNo prints a bool as the table reads it.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// round rounds v to the given decimals, for machine-readable outputs that stay readable.
func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// Escape makes free text (a configuration's name, a reason) safe anywhere in a Markdown
// line or table cell: it is read as the text it is, whatever it holds. Markdown's own
// characters are backslash-escaped (a "|" cannot end a cell, a "\\|" cannot either, "*",
// "_", "`", "[", "~" start no emphasis, code or link, "<" no HTML tag), and line breaks and
// other control characters become spaces, so no text can start a heading or a paragraph
// of its own; a leading "#", ">", "-", "+" or "1." is escaped too, so that text at the
// start of a line opens no heading, quote or list. "_" inside a word and "<" before a
// space or "=" are left as they are, since they cannot mean anything there.
func Escape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	word := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	for i, c := range rs {
		switch {
		case unicode.IsControl(c) || unicode.IsSpace(c):
			c = ' '
		case c == '_' && word(i-1) && word(i+1):
		case c == '<' && (i+1 == len(rs) || unicode.IsSpace(rs[i+1]) || rs[i+1] == '='):
		case strings.ContainsRune("\\`*_[]<|~&", c):
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return blockMarker(strings.Join(strings.Fields(b.String()), " "))
}

// blockMarker escapes what would open a block at the start of a line (a footnote's text,
// a note): "#" a heading, ">" a quote, "-", "+" or "1." and "1)" a list item.
func blockMarker(s string) string {
	if s != "" && strings.ContainsRune("#>-+", rune(s[0])) {
		return `\` + s
	}
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') &&
		(digits+1 == len(s) || s[digits+1] == ' ') {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// cell makes s safe inside a Markdown table cell or list item (see Escape).
func cell(s string) string { return Escape(s) }

// durationOfMS converts milliseconds to a duration.
func durationOfMS(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
