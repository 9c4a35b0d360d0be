package report_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/report"
)

// svgText parses an SVG document as XML and returns the text of its <text> elements.
func svgText(t *testing.T, svg []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	inText, root := false, ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Fatalf("root element is %q, want svg", root)
	}
	return texts
}

func chartReport(t testing.TB) *report.Report {
	rep := studyReport(t)
	rep.Add(report.Row{Name: "g5 <unpriced> & long name", InstanceType: "ml.g5.xlarge",
		Result: fakeResult(t, 16, 200, 80*time.Millisecond, 90*time.Millisecond, 99*time.Millisecond, 12000, 30)})
	slo := &bench.SLO{Percentile: 99, Max: 200 * time.Millisecond}
	rep.AddSweep(
		report.Sweep{Name: "inf1+neo", Result: fakeSweep(t, 40, 304.3, 7, slo)},
		report.Sweep{Name: "g4dn+neo", Result: fakeSweep(t, 20, 140.4, 7, slo)},
		report.Sweep{Name: "c5", Result: fakeSweep(t, 1.5, 5.9, 6, nil)},
	)
	return rep
}

func TestChartsAreWellFormedSVGWithTitlesAndLabels(t *testing.T) {
	charts, err := chartReport(t).Charts()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"throughput":       {"Throughput per configuration", "successful requests per second", "inf1+neo", "304.3", "5.9"},
		"latency":          {"Latency percentiles per configuration", "latency of successful requests (ms)", "p50", "p90", "p99", "2712"},
		"cost":             {"Cost per million inferences (lower is better)", "not priced, left out: g5 <unpriced> & long name", "$0.30 (1.0x)", "inf1+neo (recommended)", "$10.83 (35.9x)", "$1.62 (5.4x)"},
		"sweep_throughput": {"Throughput vs concurrency", "concurrent workers", "peak", "knee", "c5", "64"},
		"sweep_latency":    {"p99 latency vs throughput", "p99 latency (ms)", "SLO p99 <= 200 ms"},
	}
	if len(charts) != len(want) {
		t.Fatalf("%d charts, want %d", len(charts), len(want))
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := c.Render(&b, "svg"); err != nil {
			t.Fatal(err)
		}
		texts := strings.Join(svgText(t, b.Bytes()), "\n")
		for _, w := range want[c.Name] {
			if !strings.Contains(texts, w) {
				t.Errorf("%s.svg lacks text %q; it has:\n%s", c.Name, w, texts)
			}
		}
	}
}

func TestCostChartLeavesOutUnpricedRows(t *testing.T) {
	charts, err := chartReport(t).Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name != "cost" {
			continue
		}
		var b bytes.Buffer
		if err := c.Render(&b, "svg"); err != nil {
			t.Fatal(err)
		}
		for _, s := range svgText(t, b.Bytes()) {
			if s == "g5 <unpriced> & long name" || strings.Contains(s, "Inf") || strings.Contains(s, "NaN") {
				t.Errorf("cost chart draws %q", s)
			}
		}
	}
}

// TestRenderPNG writes every chart as PNG into $REPORT_PNG_DIR, to look at them; it is
// skipped otherwise. REPORT_PNG_DIR=/tmp/charts go test -run TestRenderPNG ./report
func TestRenderPNG(t *testing.T) {
	dir := os.Getenv("REPORT_PNG_DIR")
	if dir == "" {
		t.Skip("set REPORT_PNG_DIR to render the charts as PNG")
	}
	charts, err := chartReport(t).Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := c.Render(&b, "png"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.Name+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkChartsSVG(b *testing.B) {
	rep := chartReport(b)
	for b.Loop() {
		charts, err := rep.Charts()
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range charts {
			if err := c.Render(io.Discard, "svg"); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestSVGFontHasFallbacks(t *testing.T) {
	charts, err := studyReport(t).Charts()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := charts[0].Render(&b, "svg"); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Contains(s, "font-family:Liberation Sans;") || !strings.Contains(s, "Arial") {
		t.Errorf("SVG text has no font fallback")
	}
}

// svgTexts returns each text of an SVG with its x position (gonum/plot writes x="...").
func svgTexts(t *testing.T, svg []byte) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	d := xml.NewDecoder(bytes.NewReader(svg))
	var x float64
	in := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in = tok.Name.Local == "text"
			for _, a := range tok.Attr {
				if a.Name.Local == "x" {
					x, _ = strconv.ParseFloat(a.Value, 64)
				}
			}
		case xml.CharData:
			if in {
				out[string(tok)] = append(out[string(tok)], x)
			}
		case xml.EndElement:
			in = false
		}
	}
}

func renderSVG(t *testing.T, rep *report.Report, name string) []byte {
	t.Helper()
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name == name {
			var b bytes.Buffer
			if err := c.Render(&b, "svg"); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
	}
	t.Fatalf("no chart %s", name)
	return nil
}

func TestLatencyChartIsLogarithmicWhenValuesSpanMoreThanTenfold(t *testing.T) {
	// The study's latencies run from 52.6 ms to 3.5 s.
	texts := svgText(t, renderSVG(t, studyReport(t), "latency"))
	if !slices.Contains(texts, "latency of successful requests (ms), log scale") || !slices.Contains(texts, "1000") {
		t.Errorf("latency.svg is not on a labelled log axis: %q", texts)
	}
	narrow := buildVerdictReport(t, nil, []verdictRow{
		{name: "a", instanceType: "ml.c5.xlarge", tps: 100, p99: 60 * time.Millisecond},
		{name: "b", instanceType: "ml.c5.xlarge", tps: 100, p99: 90 * time.Millisecond},
	})
	texts = svgText(t, renderSVG(t, narrow, "latency"))
	if !slices.Contains(texts, "latency of successful requests (ms)") {
		t.Errorf("48 to 99 ms: want a linear axis, got %q", texts)
	}
}

// A legend beside the bars, never on them: every legend entry starts right of every
// value label's end (10-point digits are at most 6 points wide).
func TestChartLegendsCoverNoValueLabel(t *testing.T) {
	rep := splitReport(t)
	rep.Rows[0], rep.Rows[3] = rep.Rows[3], rep.Rows[0] // the longest split bar on top
	for name, legend := range map[string][]string{
		"latency":       {"p50", "p90", "p99"},
		"latency-split": {"model", "overhead", "network + client"},
	} {
		texts := svgTexts(t, renderSVG(t, rep, name))
		labelEnd := 0.0
		for s, xs := range texts {
			if _, err := strconv.ParseFloat(s, 64); err != nil || s == "0" {
				continue // not a value label
			}
			for _, x := range xs {
				labelEnd = max(labelEnd, x+6*float64(len(s)))
			}
		}
		for _, l := range legend {
			if xs := texts[l]; len(xs) == 0 || xs[0] < labelEnd {
				t.Errorf("%s.svg: legend %q at x=%v, value labels end at x=%.1f", name, l, xs, labelEnd)
			}
		}
	}
}
