package report

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// splitChart stacks, per configuration, the server's mean model time, its mean overhead
// and the remainder of the client's mean latency (network and client), so each bar is as
// long as the client's mean latency. A row without server figures has no bar and says n/a.
func (r *Report) splitChart(vs []Verdict) (Chart, error) {
	const title = "Where the time goes (mean latency per request)"
	p := newPlot(title, "ms", "")
	n := len(r.Rows)
	parts := []struct {
		name string
		v    func(row *Row) float64
	}{
		{"model", func(row *Row) float64 { return ms(row.Server.ModelMean) }},
		{"overhead", func(row *Row) float64 { return ms(row.Server.OverheadMean) }},
		{"network + client", func(row *Row) float64 { d, _ := row.remainder(); return max(ms(d), 0) }},
	}
	var prev *plotter.BarChart
	xmax := 0.0
	var labels plotter.XYLabels
	for k, part := range parts {
		vals := make(plotter.Values, n)
		for i := range r.Rows {
			if row := &r.Rows[i]; row.Server != nil {
				vals[n-1-i] = part.v(row)
			}
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(18))
		if err != nil {
			return Chart{}, fmt.Errorf("report: chart latency-split: %w", err)
		}
		bc.Horizontal, bc.Color = true, colorAt(k)
		bc.LineStyle.Width = 0
		if prev != nil {
			bc.StackOn(prev)
		}
		prev = bc
		p.Add(bc)
		p.Legend.Add(part.name, bc)
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		pos := float64(n - 1 - i)
		if row.Server == nil {
			labels.XYs = append(labels.XYs, plotter.XY{X: 0, Y: pos})
			labels.Labels = append(labels.Labels, "n/a")
			continue
		}
		total := ms(row.Server.ModelMean) + ms(row.Server.OverheadMean)
		if d, ok := row.remainder(); ok && d > 0 {
			total += ms(d)
		}
		xmax = max(xmax, total)
		labels.XYs = append(labels.XYs, plotter.XY{X: total, Y: pos})
		labels.Labels = append(labels.Labels, fmtMS(durationOfMS(total)))
	}
	if err := addValueLabels(p, labels, 0); err != nil {
		return Chart{}, fmt.Errorf("report: chart latency-split: %w", err)
	}
	r.legendedAxes(p, vs, xmax)
	return r.legendChart("latency-split", title, p, barsHeight(n, 1)), nil
}
