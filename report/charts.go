package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strings"
	"time"

	"github.com/sagebench/sagebench/bench"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart is one figure of a report, ready to render.
type Chart struct {
	Name          string // file name without extension, e.g. "throughput"
	Title         string
	Plot          *plot.Plot
	Width, Height vg.Length

	// legend, if set, is drawn right of the plot, outside its data area, where it
	// cannot hide a bar or its value label; Plot's own legend is then empty.
	legend *plot.Legend
}

// Render writes c in format "svg", "png" or "pdf" (any format gonum/plot supports).
func (c Chart) Render(w io.Writer, format string) error {
	wt, err := draw.NewFormattedCanvas(c.Width, c.Height, format)
	if err != nil {
		return fmt.Errorf("report: rendering chart %s as %s: %w", c.Name, format, err)
	}
	// gonum/plot lays the axis labels flush with the canvas edge, where a glyph's overhang
	// (the "g" of "g4dn") is cut off: keep a margin all round.
	margin := vg.Points(6)
	area := draw.Crop(draw.New(wt), margin, -margin, margin, -margin)
	if c.legend == nil {
		c.Plot.Draw(area)
	} else {
		w := c.legend.Rectangle(area).Size().X + vg.Points(legendGap)
		c.Plot.Draw(draw.Crop(area, 0, -w, 0, 0))
		// Below the title, beside the data area's top.
		th := c.Plot.Title.TextStyle.Height(c.Plot.Title.Text)
		c.legend.Draw(draw.Crop(area, area.Size().X-w+vg.Points(legendGap), 0, 0, -(th + c.Plot.Title.Padding)))
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return fmt.Errorf("report: rendering chart %s as %s: %w", c.Name, format, err)
	}
	out := b.Bytes()
	if format == "svg" {
		// The SVG names the font it was laid out with and no fallback; a browser without
		// Liberation Sans would use its default serif. Arial has the same metrics.
		out = bytes.ReplaceAll(out, []byte("font-family:Liberation Sans;"), []byte(svgFontFamily))
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("report: writing chart %s as %s: %w", c.Name, format, err)
	}
	return nil
}

const svgFontFamily = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"

// Chart sizes and text sizes, chosen to read well at a README's width.
const (
	chartWidth  = 8 * vg.Inch
	titleSize   = 15
	labelSize   = 12
	tickSize    = 11
	valueSize   = 10
	barsPerInch = 2.2
	legendGap   = 10 // points between the plot and a legend beside it
)

// Colours: one per latency percentile or sweep line, and the mark of the best configuration.
var (
	palette = []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
		color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
		color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
		color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
	}
	barColor     = palette[0]
	bestColor    = palette[3]
	rejectColor  = color.RGBA{R: 0xbb, G: 0xbb, B: 0xbb, A: 0xff} // light grey
	recommendTag = " (recommended)"
	rejectTag    = " (rejected)"
)

func colorAt(i int) color.Color { return palette[i%len(palette)] }

// Charts returns the report's charts: throughput, latency percentiles and cost per million
// per configuration (when there are rows), where the time goes (when rows have server
// figures, see Row.Server), and throughput-vs-concurrency (or vs offered
// rate) and p99-vs-throughput curves (when there are sweeps).
func (r *Report) Charts() ([]Chart, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	var out []Chart
	if len(r.Rows) > 0 {
		vs := r.Verdicts()
		for _, f := range []func([]Verdict) (Chart, error){r.throughputChart, r.latencyChart, r.costChart} {
			c, err := f(vs)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if r.trafficShown() {
			c, err := r.trafficChart(vs) // traffic.go
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if r.hasServer() {
			c, err := r.splitChart(vs)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	sc, err := r.sweepCharts()
	if err != nil {
		return nil, err
	}
	return append(out, sc...), nil
}

// newPlot returns a plot with the report's text sizes.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize)
		a.Tick.Label.Font = sans(tickSize)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = sans(tickSize)
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(12), -vg.Points(2)
	p.Legend.Padding = vg.Points(2)
	return p
}

// sans is the report's typeface (gonum/plot embeds Liberation; its default is the serif).
func sans(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
}

// hbar is one horizontal bar of a per-configuration chart.
type hbar struct {
	value float64
	label string // printed at the end of the bar
	color color.Color
}

// barsHeight is the height of a chart with n configurations on its category axis.
func barsHeight(n int, perBar float64) vg.Length {
	return vg.Length(2.2+perBar*float64(n)/barsPerInch) * vg.Inch
}

// hbarChart draws one horizontal bar per configuration, the first configuration at the top,
// each labelled with its value. Horizontal bars keep long configuration names readable.
func hbarChart(name, title, xLabel string, names []string, bars []hbar) (Chart, error) {
	p := newPlot(title, xLabel, "")
	n := len(names)
	ymax := 0.0
	var labels plotter.XYLabels
	for i, b := range bars {
		pos := float64(n - 1 - i)
		bc, err := plotter.NewBarChart(plotter.Values{b.value}, vg.Points(18))
		if err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		bc.Horizontal, bc.XMin, bc.Color = true, pos, b.color
		bc.LineStyle.Width = 0
		p.Add(bc)
		labels.XYs = append(labels.XYs, plotter.XY{X: b.value, Y: pos})
		labels.Labels = append(labels.Labels, b.label)
		ymax = max(ymax, b.value)
	}
	if err := addValueLabels(p, labels, 0); err != nil {
		return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
	}
	p.NominalY(reversed(names)...)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.X.Min = 0
	// Room for the value labels right of the longest bar.
	p.X.Max = ymax * 1.2
	if ymax == 0 {
		p.X.Max = 1 // every run failed: an empty axis, not a degenerate one
	}
	p.X.Padding = 0
	p.X.Tick.Marker = plot.DefaultTicks{}
	return Chart{Name: name, Title: title, Plot: p, Width: chartWidth, Height: barsHeight(n, 1)}, nil
}

// addValueLabels prints each bar's value right of its end; dy moves them to the bar of a group.
func addValueLabels(p *plot.Plot, l plotter.XYLabels, dy vg.Length) error {
	if len(l.XYs) == 0 {
		return nil
	}
	labels, err := plotter.NewLabels(l)
	if err != nil {
		return err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font = sans(valueSize)
		labels.TextStyle[i].YAlign = draw.YCenter
	}
	labels.Offset = vg.Point{X: vg.Points(4), Y: dy}
	p.Add(labels)
	return nil
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// configNames names the rows as every per-configuration chart does, marked with their
// verdict: "inf1+neo (recommended)", "c5 (rejected)" for a row that does not qualify.
func (r *Report) configNames(vs []Verdict) []string {
	names := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		names[i] = row.Name
		switch {
		case vs[i].Recommended:
			names[i] += recommendTag
		case !vs[i].Qualifies:
			names[i] += rejectTag
		}
	}
	return names
}

func (r *Report) throughputChart(vs []Verdict) (Chart, error) {
	bars := make([]hbar, len(r.Rows))
	for i, row := range r.Rows {
		bars[i] = hbar{label: na, color: barColor}
		if row.Result != nil {
			v := row.Result.Throughput
			bars[i].value, bars[i].label = v, fmtTPS(v)
		}
	}
	return hbarChart("throughput", "Throughput per configuration", "successful requests per second",
		r.configNames(vs), bars)
}

func (r *Report) costChart(vs []Verdict) (Chart, error) {
	best := bestOf(vs)
	all := r.configNames(vs)
	var names, skipped, failed []string
	var bars []hbar
	for i := range r.Rows {
		row := &r.Rows[i]
		v, ok := row.perMillion()
		switch {
		case row.Failed != "" || row.Result == nil:
			failed = append(failed, row.Name)
			continue
		case !ok:
			skipped = append(skipped, row.Name)
			continue
		}
		b := hbar{value: v, label: "$" + fmtUSD(v), color: barColor}
		if ratio, ok := r.ratio(i, best); ok {
			b.label += " (" + fmtRatio(ratio) + ")"
		}
		switch {
		case i == best:
			b.color = bestColor
		case !vs[i].Qualifies:
			b.color = rejectColor
		}
		names = append(names, all[i])
		bars = append(bars, b)
	}
	title := "Cost per million inferences (lower is better)"
	if best < 0 {
		title += "\nno configuration can be recommended"
	}
	if len(skipped) > 0 {
		title += "\nnot priced, left out: " + strings.Join(skipped, ", ")
	}
	if len(failed) > 0 {
		title += "\nfailed, left out: " + strings.Join(failed, ", ")
	}
	if len(bars) == 0 {
		// Still a chart, so the file set stays the same and the reader sees why it is empty.
		names, bars = []string{"(none priced)"}, []hbar{{value: 0, label: "n/a", color: barColor}}
	}
	return hbarChart("cost", title, "USD per million inferences", names, bars)
}

func (r *Report) latencyChart(vs []Verdict) (Chart, error) {
	title := "Latency percentiles per configuration"
	p := newPlot(title, "latency of successful requests (ms)", "")
	n := len(r.Rows)
	pcts := []struct {
		name string
		dur  func(l bench.Latency) time.Duration
	}{
		{"p50", func(l bench.Latency) time.Duration { return l.P50 }},
		{"p90", func(l bench.Latency) time.Duration { return l.P90 }},
		{"p99", func(l bench.Latency) time.Duration { return l.P99 }},
	}
	const barW = 11
	xmin, xmax := 0.0, 0.0
	for k, pc := range pcts {
		vals := make(plotter.Values, n)
		var labels plotter.XYLabels
		for i, row := range r.Rows {
			if row.Result == nil {
				continue // a failed row: no bars
			}
			d := pc.dur(row.Result.Latency)
			v := ms(d)
			vals[n-1-i] = v
			xmax = max(xmax, v)
			if v > 0 && (xmin == 0 || v < xmin) {
				xmin = v
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: v, Y: float64(n - 1 - i)})
			labels.Labels = append(labels.Labels, fmtMS(d))
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(barW))
		if err != nil {
			return Chart{}, fmt.Errorf("report: chart latency: %w", err)
		}
		// p50 on top of each group, p99 at the bottom.
		offset := vg.Points(float64(1-k) * (barW + 1))
		bc.Horizontal, bc.Color, bc.Offset = true, colorAt(k), offset
		bc.LineStyle.Width = 0
		p.Add(bc)
		p.Legend.Add(pc.name, bc)
		if err := addValueLabels(p, labels, offset); err != nil {
			return Chart{}, fmt.Errorf("report: chart latency: %w", err)
		}
	}
	r.legendedAxes(p, vs, xmax)
	if xmin > 0 && xmax > barLogSpan*xmin {
		logAxis(p, xmin, xmax)
	}
	return r.legendChart("latency", title, p, barsHeight(n, 1.6)), nil
}

// legendedAxes lays out a per-configuration chart of horizontal bars: the configurations
// down the side, the first at the top, and room right of the longest bar (xmax) for its
// label.
func (r *Report) legendedAxes(p *plot.Plot, vs []Verdict, xmax float64) {
	p.NominalY(reversed(r.configNames(vs))...)
	p.Y.Min, p.Y.Max = -0.6, float64(len(r.Rows))-0.4
	p.X.Min, p.X.Max, p.X.Padding = 0, xmax*1.25, 0
	if xmax == 0 {
		p.X.Max = 1 // nothing measured: an empty axis, not a degenerate one
	}
	p.X.Tick.Marker = plot.DefaultTicks{}
}
