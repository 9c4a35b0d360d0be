package report

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// barLogSpan is the ratio of the largest to the smallest bar beyond which a bar chart's
// value axis is logarithmic: on a linear one, the fast configurations would be slivers
// beside the slowest, and they are the ones a reader compares.
const barLogSpan = 10

// logAxis makes p's value axis logarithmic from the power of ten at or below xmin, with
// room right of xmax for its label, and says so in the axis label. Bars start at the
// axis' left edge (a bar's base, 0, has no place on a log scale).
func logAxis(p *plot.Plot, xmin, xmax float64) {
	p.X.Scale = floorLogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min = math.Pow10(int(math.Floor(math.Log10(xmin))))
	p.X.Max = xmax * 3
	p.X.Label.Text += ", log scale"
}

// floorLogScale is plot.LogScale with values at or below the axis minimum (a bar's base)
// drawn at the minimum, where LogScale would panic.
type floorLogScale struct{}

func (floorLogScale) Normalize(min, max, x float64) float64 {
	return plot.LogScale{}.Normalize(min, max, math.Max(x, min))
}

// legendChart moves p's legend beside the plot (see Chart.legend).
func (r *Report) legendChart(name, title string, p *plot.Plot, height vg.Length) Chart {
	leg := p.Legend
	leg.Top, leg.Left, leg.XOffs, leg.YOffs = true, false, 0, 0
	p.Legend = plot.NewLegend()
	return Chart{Name: name, Title: title, Plot: p, Width: chartWidth, Height: height, legend: &leg}
}
