package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteDir writes the report into dir (created if missing): report.md, results.csv,
// results.json and one SVG per chart (throughput.svg, latency.svg, cost.svg, with a
// cost-by-traffic section cost-by-traffic.svg, with server figures latency-split.svg and,
// with sweeps, sweep_throughput.svg, sweep_latency.svg). It
// returns the names written, relative to dir, in that order. Everything is rendered before the first file is written, so a bad
// report leaves dir untouched; ctx is checked between files.
func (r *Report) WriteDir(ctx context.Context, dir string) ([]string, error) {
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"report.md", r.WriteMarkdown},
		{"results.csv", r.WriteCSV},
		{"results.json", r.WriteJSON},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return nil, err
		}
		files = append(files, file{f.name, b.Bytes()})
	}
	charts, err := r.Charts()
	if err != nil {
		return nil, err
	}
	for _, c := range charts {
		var b bytes.Buffer
		if err := c.Render(&b, "svg"); err != nil {
			return nil, err
		}
		files = append(files, file{c.Name + ".svg", b.Bytes()})
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: creating %s: %w", dir, err)
	}
	var names []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return names, fmt.Errorf("report: writing %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return names, fmt.Errorf("report: %w", err)
		}
		names = append(names, f.name)
	}
	return names, nil
}
