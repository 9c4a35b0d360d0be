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
	p := newPlot(title, xLabel, "throughput (successful requests per second)")
	var xs, ys []float64
	for i, s := range sweeps {
		pts := make(plotter.XYs, len(s.Result.Steps))
		for j, st := range s.Result.Steps {
			pts[j] = plotter.XY{X: level(st), Y: st.Result.Throughput}
			xs, ys = append(xs, pts[j].X), append(ys, pts[j].Y)
		}
		if err := addCurve(p, s.Config, pts, colorAt(i)); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		if err := addMarks(p, s.Result, pts); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
	}
	entries := len(sweeps) + addMarkLegend(p, sweeps)
	setAxis(&p.X, xs, true)
	if a := &p.X; a.Tick.Marker == (logTicks{}) {
		// Ladders are usually geometric (1, 2, 4, ... 64): tick the levels themselves.
		a.Tick.Marker = levelTicks(xs)
	}
	setAxis(&p.Y, ys, true)
	legendRoom(p, 5.5*vg.Inch, entries)
	return Chart{Name: name, Title: title, Plot: p, Width: chartWidth, Height: 5.5 * vg.Inch}, nil
}

// latencyCurve draws p99 latency against throughput, one line per configuration in ladder
// order: the curve turns up where the endpoint saturates.
func latencyCurve(sweeps []Sweep) (Chart, error) {
	const name, title = "sweep_latency", "p99 latency vs throughput"
	p := newPlot(title, "throughput (successful requests per second)", "p99 latency (ms)")
	var xs, ys []float64
	slos := map[float64]bool{}
	for i, s := range sweeps {
		pts := make(plotter.XYs, len(s.Result.Steps))
		for j, st := range s.Result.Steps {
			pts[j] = plotter.XY{X: st.Result.Throughput, Y: ms(st.Result.Latency.P99)}
			xs, ys = append(xs, pts[j].X), append(ys, pts[j].Y)
		}
		if err := addCurve(p, s.Config, pts, colorAt(i)); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		if err := addMarks(p, s.Result, pts); err != nil {
			return Chart{}, fmt.Errorf("report: chart %s: %w", name, err)
		}
		if slo := s.Result.SLO; slo != nil && slo.Percentile == 99 {
			slos[ms(slo.Max)] = true
		}
	}
	entries := len(sweeps) + len(slos) + addMarkLegend(p, sweeps)
	setAxis(&p.X, xs, true)
	for v := range slos {
		ys = append(ys, v)
	}
	setAxis(&p.Y, ys, true)
	legendRoom(p, 5.5*vg.Inch, entries) // before the SLO lines, which span the final X range
	for v := range slos {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: v}, {X: p.X.Max, Y: v}})
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
	a := &p.Y
	if _, ok := a.Scale.(plot.LogScale); ok && a.Min > 0 {
		a.Max = a.Min * math.Pow(a.Max/a.Min, 1/(1-frac))
		return
	}
	a.Max = a.Min + (a.Max-a.Min)/(1-frac)
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

// setAxis fits the axis to vs: a log scale with readable ticks when vs spans more than
// logSpan (and allowLog), a linear one from zero otherwise, with a margin above.
func setAxis(a *plot.Axis, vs []float64, allowLog bool) {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		a.Min, a.Max = 0, 1
		return
	}
	if allowLog && hi/lo > logSpan {
		a.Scale = plot.LogScale{}
		a.Min, a.Max = lo/1.3, hi*1.3
		a.Tick.Marker = logTicks{}
		return
	}
	a.Min, a.Max = 0, hi*1.1
}

// logTicks labels 1, 2, 5 x 10^k, which gonum's LogTicks leaves out (it labels powers of
// ten only, too few for a ladder of 1 to 64 workers).
type logTicks struct{}

// Ticks returns ticks at 1, 2 and 5 times the powers of ten between lo and hi.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
	}
	return ticks
}

// levelTicks ticks the ladder's levels, leaving out any too close on a log axis to the one
// before it to be read apart.
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
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		last = v
	}
	return ticks
}
