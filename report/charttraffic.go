package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// trafficPoints is the number of points of a serverless row's line on the chart.
const trafficPoints = 200

// trafficChart draws every qualifying row's cost per hour against traffic, log-log.
func (r *Report) trafficChart(vs []Verdict) (Chart, error) {
	lo, hi := r.trafficRange()
	p := newPlot("Cost per hour by traffic (qualifying configurations)", "inferences per second, log scale", "USD per hour, log scale")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = lo, hi
	ymin, ymax := math.Inf(1), 0.0
	n := 0
	for i := range r.Rows {
		if !vs[i].Qualifies {
			continue
		}
		xys := r.trafficLine(&r.Rows[i], lo, hi)
		if len(xys) == 0 {
			continue
		}
		for _, xy := range xys {
			ymin, ymax = min(ymin, xy.Y), max(ymax, xy.Y)
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return Chart{}, fmt.Errorf("report: traffic chart: %w", err)
		}
		l.Color, l.Width = colorAt(n), vg.Points(2)
		if r.Rows[i].Serverless != nil {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		name := r.Rows[i].Name
		if vs[i].Recommended {
			name += recommendTag
		}
		p.Legend.Add(name, l)
		p.Add(l)
		n++
	}
	if n == 0 {
		p.Title.Text += "\nnone is priced"
		ymin, ymax = 0.01, 1
	}
	p.Y.Min, p.Y.Max = ymin/1.5, ymax*1.5
	if t := r.Traffic; t != nil && t.Target > 0 && t.Target >= lo && t.Target <= hi {
		l, err := plotter.NewLine(plotter.XYs{{X: t.Target, Y: p.Y.Min}, {X: t.Target, Y: p.Y.Max}})
		if err != nil {
			return Chart{}, fmt.Errorf("report: traffic chart: %w", err)
		}
		l.Color, l.Dashes = rejectColor, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Legend.Add("target "+fmtTraffic(t.Target)+"/s", l)
		p.Add(l)
	}
	// Top left, above the lines: there every instance row is one instance and serverless
	// rows cost least.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	p.Y.Max *= 30 // room for the legend above the lines
	return Chart{Name: "cost-by-traffic", Title: p.Title.Text, Plot: p, Width: chartWidth, Height: 5.5 * vg.Inch}, nil
}

// trafficLine is a row's cost per hour over [lo, hi]: an instance row's steps drawn as
// they are, a serverless row sampled up to where it throttles.
func (r *Report) trafficLine(row *Row, lo, hi float64) plotter.XYs {
	var xys plotter.XYs
	if s := row.Serverless; s != nil {
		end := min(hi, s.MaxTPS)
		for k := range trafficPoints {
			x := lo * math.Pow(end/lo, float64(k)/(trafficPoints-1))
			if y, ok := s.PerHour(x); ok && y > 0 {
				xys = append(xys, plotter.XY{X: x, Y: y})
			}
		}
		return xys
	}
	per, peak, ok := instanceTerms(row)
	if !ok {
		return nil
	}
	k := max(1, math.Ceil(lo/peak))
	xys = append(xys, plotter.XY{X: lo, Y: k * per})
	for ; k*peak < hi && len(xys) < 2*maxBreakpoints; k++ {
		xys = append(xys, plotter.XY{X: k * peak, Y: k * per}, plotter.XY{X: k * peak, Y: (k + 1) * per})
	}
	return append(xys, plotter.XY{X: hi, Y: k * per})
}
