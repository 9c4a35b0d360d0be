package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/report"
)

// gfmCells splits a table line as GitHub Flavored Markdown does: a backslash escapes the
// character after it, so only an unescaped "|" ends a cell.
func gfmCells(line string) []string {
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			cur.WriteByte(line[i])
			if i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			}
		case '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, cur.String())
}

// hostile are names a user can give: a heading and a script tag, an escaped pipe, a
// spreadsheet formula.
var hostile = []string{
	"x\n\n## injected\n<script>alert(1)</script>",
	`a\|b`,
	`=HYPERLINK("http://example.com","click")`,
}

func hostileReport(t *testing.T) *report.Report {
	rows := make([]verdictRow, len(hostile))
	for i, n := range hostile {
		rows[i] = verdictRow{name: n, instanceType: "ml.c5.xlarge", tps: float64(120 - 10*i), p99: 60 * time.Millisecond}
	}
	rep := buildVerdictReport(t, nil, rows)
	for i, n := range hostile {
		rep.AddSweep(report.Sweep{Name: n, Result: &bench.SweepResult{Peak: 0, Knee: 0, Steps: []bench.Step{
			{Concurrency: 1, Result: rep.Rows[i].Result, Stable: true, Windows: 3, MetSLO: true}}}})
	}
	return rep
}

func TestMarkdownEscapesNamesEverywhere(t *testing.T) {
	md := hostileReport(t).Markdown()
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "## ") && !strings.HasPrefix(line, "## Sweep: ") {
			t.Errorf("a name started a heading: %q", line)
		}
		if strings.HasPrefix(line, "| ") {
			if n := len(gfmCells(line)); n != 2+15 && n != 2+10 {
				t.Errorf("a table line splits into %d cells, as a renderer reads it: %q", n-2, line)
			}
		}
		for i := strings.Index(line, "<"); i >= 0; i = strings.Index(line[i+1:], "<") + i + 1 {
			if next := line[i+1:]; (i == 0 || line[i-1] != '\\') && next != "" && next[0] != ' ' && next[0] != '=' {
				t.Errorf("an unescaped %q could open an HTML tag: %q", line[i:min(len(line), i+8)], line)
			}
			if strings.Index(line[i+1:], "<") < 0 {
				break
			}
		}
	}
	for _, want := range []string{
		"## Sweep: x ## injected \\<script>alert(1)\\</script>",
		"Recommended: **x ## injected \\<script>alert(1)\\</script>**",
		"is 1.1x more cost-effective than a\\\\\\|b.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if got := cells(t, md, `a\\\|b`)[0]; got != `a\\\|b` {
		t.Errorf("name cell %q", got)
	}
}

func TestCSVGuardsFormulas(t *testing.T) {
	var b bytes.Buffer
	if err := hostileReport(t).WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := recs[3][0], `'=HYPERLINK("http://example.com","click")`; got != want {
		t.Errorf("config cell %q, want %q (OWASP: a leading ' keeps it text)", got, want)
	}
	for _, rec := range recs[1:] {
		for i, c := range rec {
			if c != "" && strings.ContainsRune("=+@\t\r", rune(c[0])) {
				t.Errorf("column %s: %q would be read as a formula", recs[0][i], c)
			}
		}
	}
}

func TestEscapeKeepsPlainNamesReadable(t *testing.T) {
	for in, want := range map[string]string{
		"g4dn+neo":           "g4dn+neo",
		"c5_large workers=2": "c5_large workers=2",
		"p99 <= 100ms":       "p99 <= 100ms",
		"_x_ *y* [z](u) `c`": `\_x\_ \*y\* \[z\](u) \` + "`c\\`",
		"a\tb\r\nc\x00d":     "a b c d",
	} {
		if got := report.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// A name at the start of a line (a footnote's text, a note such as "c5 skipped: ...")
// cannot open a block of its own: a heading, a quote, a list item.
func TestEscapeKeepsALeadingBlockMarkerText(t *testing.T) {
	for in, want := range map[string]string{
		"# big":    `\# big`,
		"> quote":  `\> quote`,
		"- item":   `\- item`,
		"+ item":   `\+ item`,
		"1. item":  `1\. item`,
		"12) item": `12\) item`,
		"c5 #1":    "c5 #1",
		"1.5x":     "1.5x",
		"2021":     "2021",
	} {
		if got := report.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	rep := buildVerdictReport(t, nil, []verdictRow{{name: "# big", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond}})
	rep.Rows[0].Notes = append(rep.Rows[0].Notes, "a note")
	for line := range strings.SplitSeq(rep.Markdown(), "\n") {
		if _, rest, ok := strings.Cut(line, ". "); ok && strings.HasPrefix(rest, "#") {
			t.Errorf("a footnote opens a heading: %q", line)
		}
	}
}
