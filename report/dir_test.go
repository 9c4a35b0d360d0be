package report_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/report"
)

func TestWriteDirWritesEveryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	names, err := chartReport(t).WriteDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report.md", "results.csv", "results.json", "throughput.svg", "latency.svg", "cost.svg",
		"sweep_throughput.svg", "sweep_latency.svg"}
	if !slices.Equal(names, want) {
		t.Fatalf("wrote %q, want %q", names, want)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(n) {
		case ".svg":
			svgText(t, b)
		case ".json":
			var j report.JSONReport
			if err := json.Unmarshal(b, &j); err != nil || len(j.Rows) != 6 {
				t.Errorf("%s: %v, %d rows", n, err, len(j.Rows))
			}
		case ".md":
			if !strings.Contains(string(b), "| **0.30** |") {
				t.Errorf("report.md lacks the best row's cost")
			}
		}
	}
}

func TestWriteDirStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	names, err := studyReport(t).WriteDir(ctx, dir)
	if err == nil || len(names) != 0 {
		t.Fatalf("names %q, err %v; want nothing written and an error", names, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a canceled WriteDir left %d files", len(left))
	}
}

func TestWriteDirLeavesNothingForABadReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	_, err := report.New("bad").Add(report.Row{Name: "x"}).WriteDir(context.Background(), dir)
	if err == nil {
		t.Fatal("a row without a Result was written")
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Errorf("a bad report created %s", dir)
	}
}
