package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/sagebench/sagebench/bench"
)

// A log axis is used when the data spans more than this factor: the study's configurations
// differ fifty-fold in throughput, and on a linear axis the slow ones would be a flat line.
const logSpan = 20

var (
	peakGlyph = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(7), Shape: draw.RingGlyph{}}
	kneeGlyph = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(6), Shape: draw.TriangleGlyph{}}
)

// sweepCharts returns throughput-vs-concurrency (and vs offered rate, for open-loop
// sweeps) and p99-vs-throughput charts of the report's sweeps.
func (r *Report) sweepCharts() ([]Chart, error) {
	var closed, open []Sweep
	for _, s := range r.Sweeps {
		if len(s.Result.Steps) == 0 {
			continue
		}
		if isRate(s.Result) {
			open = append(open, s)
		} else {
			closed = append(closed, s)
		}
	}
	var out []Chart
	if len(closed) > 0 {
		c, err := ladderChart("sweep_throughput", "Throughput vs concurrency", "concurrent workers", closed)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(open) > 0 {
		c, err := ladderChart("sweep_throughput_rate", "Throughput vs offered rate", "offered rate (requests per second)", open)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(closed)+len(open) > 0 {
		c, err := latencyCurve(append(closed, open...))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func level(st bench.Step) float64 {
	if st.Rate > 0 {
		return st.Rate
	}
	return float64(st.Concurrency)
}

// ladderChart draws throughput against the ladder, one line per configuration, with each
// sweep's peak ringed and knee marked by a triangle.
func ladderChart(name, title, xLabel string, sweeps []Sweep) (Chart, error) {
	return curveChart(name, title, xLabel, "throughput (successful requests per second)", sweeps,
		func(st bench.Step) plotter.XY { return plotter.XY{X: level(st), Y: st.Result.Throughput} }, nil, true)
}

// latencyCurve draws p99 latency against throughput, one line per configuration in ladder
// order: the curve turns up where the endpoint saturates. A p99 SLO is a dashed line.
func latencyCurve(sweeps []Sweep) (Chart, error) {
	var slos []float64
	for _, s := range sweeps {
		if slo := s.Result.SLO; slo != nil && slo.Percentile == 99 && !slices.Contains(slos, ms(slo.Max)) {
			slos = append(slos, ms(slo.Max))
		}
	}
	return curveChart("sweep_latency", "p99 latency vs throughput", "throughput (successful requests per second)",
		"p99 latency (ms)", sweeps,
		func(st bench.Step) plotter.XY {
			return plotter.XY{X: st.Result.Throughput, Y: ms(st.Result.Latency.P99)}
		},
		slos, false)
}

// curveChart draws one line per sweep through point(step), marks peaks and knees, and draws
// a dashed horizontal line at each of slos. levelTicksX ticks the X axis at the data's X
// values (a ladder) when it is logarithmic.
func curveChart(name, title, xLabel, yLabel string, sweeps []Sweep, point func(bench.Step) plotter.XY,
	slos []float64, levelTicksX bool) (Chart, error) {
	p := newPlot(title, xLabel, yLabel)
	curves := make([]plotter.XYs, len(sweeps))
	var xs, ys []float64
	for i, s := range sweeps {
		for _, st := range s.Result.Steps {
			pt := point(st)
			curves[i] = append(curves[i], pt)
			xs, ys = append(xs, pt.X), append(ys, pt.Y)
		}
	}
	fx := fitAxis(&p.X, xs, levelTicksX)
	fy := fitAxis(&p.Y, append(ys, slos...), false)
	for i, s := range sweeps {
		pts := make(plotter.XYs, len(curves[i]))
		for j, pt := range curves[i] {
			pts[j] = plotter.XY{X: fx(pt.X), Y: fy(pt.Y)}
		}
		if err := addCurve(p, s.Name, pts, colorAt(i)); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		if err := addMarks(p, s.Result, pts); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
	}
	entries := len(sweeps) + len(slos) + addMarkLegend(p, sweeps)
	legendRoom(p, 5.5*vg.Inch, entries)
	for _, v := range slos {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: fy(v)}, {X: p.X.Max, Y: fy(v)}})
		if err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		l.Color, l.Width, l.Dashes = palette[2], vg.Points(1.5), []vg.Length{vg.Points(6), vg.Points(4)}
		p.Add(l)
		p.Legend.Add("SLO p99 <= "+fmtMS(durationOfMS(v))+" ms", l)
	}
	return Chart{Name: name, Title: title, Plot: p, Width: chartWidth, Height: 5.5 * vg.Inch}, nil
}

// legendRoom puts the legend top left and raises the Y axis maximum so that the top of the
// data area, where the legend sits, stays clear of the curves.
func legendRoom(p *plot.Plot, height vg.Length, entries int) {
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(8)
	entryH := p.Legend.TextStyle.Height("Xg") + p.Legend.Padding
	// The data area is about the chart less title and X axis, some 90 points.
	frac := min(float64(entryH)*float64(entries+1)/float64(height-vg.Points(90)), 0.6)
	p.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/(1-frac)
}

func addCurve(p *plot.Plot, label string, pts plotter.XYs, c color.Color) error {
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color, line.Width = c, vg.Points(2)
	points.Color, points.Shape, points.Radius = c, draw.CircleGlyph{}, vg.Points(3)
	p.Add(line, points)
	p.Legend.Add(label, line, points)
	return nil
}

// addMarks rings the sweep's peak and marks its knee.
func addMarks(p *plot.Plot, s *bench.SweepResult, pts plotter.XYs) error {
	for _, m := range []struct {
		i     int
		glyph draw.GlyphStyle
	}{{s.Peak, peakGlyph}, {s.Knee, kneeGlyph}} {
		if m.i < 0 || m.i >= len(pts) {
			continue
		}
		sc, err := plotter.NewScatter(plotter.XYs{pts[m.i]})
		if err != nil {
			return err
		}
		sc.GlyphStyle = m.glyph
		p.Add(sc)
	}
	return nil
}

// addMarkLegend explains the peak and knee glyphs once, if any sweep has them, and returns
// the number of legend entries it added.
func addMarkLegend(p *plot.Plot, sweeps []Sweep) int {
	var peak, knee bool
	for _, s := range sweeps {
		peak = peak || s.Result.Peak >= 0
		knee = knee || s.Result.Knee >= 0
	}
	n := 0
	if peak {
		p.Legend.Add("peak", glyphThumb(peakGlyph))
		n++
	}
	if knee {
		p.Legend.Add("knee", glyphThumb(kneeGlyph))
		n++
	}
	return n
}

type glyphThumb draw.GlyphStyle

func (g glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(draw.GlyphStyle(g), c.Center()) }

// fitAxis fits the axis to vs and returns the map from data to axis values. When vs spans
// more than logSpan the axis is logarithmic: the map is log10 and the ticks are labelled in
// data units (at ladder levels if levels, else at 1, 2 and 5 x 10^k). The log is taken here
// rather than with plot.LogScale because gonum centres an axis label on the data midpoint,
// which on a LogScale axis sits near the top and squeezes the plot.
func fitAxis(a *plot.Axis, vs []float64, levels bool) func(float64) float64 {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		a.Min, a.Max = 0, 1
		return func(v float64) float64 { return v }
	}
	if hi/lo <= logSpan {
		a.Min, a.Max = 0, hi*1.1
		return func(v float64) float64 { return v }
	}
	lo, hi = lo/1.3, hi*1.3
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
	if levels {
		a.Tick.Marker = levelTicks(vs)
	} else {
		a.Tick.Marker = logTicks(lo, hi)
	}
	// Zero (a step with no success) has no logarithm: it is drawn on the axis.
	return func(v float64) float64 { return math.Log10(max(v, lo)) }
}

// logTicks ticks 1, 2 and 5 x 10^k between lo and hi, at their logarithms.
func logTicks(lo, hi float64) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: math.Log10(v), Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
	}
	return ticks
}

// levelTicks ticks the ladder's levels at their logarithms, leaving out any too close to the
// one before it to be read apart.
func levelTicks(levels []float64) plot.ConstantTicks {
	ls := slices.Clone(levels)
	slices.Sort(ls)
	ls = slices.Compact(ls)
	var ticks plot.ConstantTicks
	last := 0.0
	for _, v := range ls {
		if v <= 0 || (last > 0 && v/last < 1.4) {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: math.Log10(v), Label: strconv.FormatFloat(v, 'f', -1, 64)})
		last = v
	}
	return ticks
}
