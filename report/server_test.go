package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/report"
)

// splitReport is the study's report with server figures on g4dn+neo (with a cross-check
// warning), none on c5 for want of permission, and nothing said on the others.
func splitReport(t *testing.T) *report.Report {
	rep := studyReport(t)
	for i := range rep.Rows {
		row := &rep.Rows[i]
		switch row.Name {
		case "g4dn+neo":
			mean := row.Result.Latency.Mean
			row.Server = &report.Server{
				Source: "CloudWatch", Invocations: row.Result.Requests,
				ModelP50: 28500 * time.Microsecond, ModelP99: 31 * time.Millisecond, ModelMean: 29 * time.Millisecond,
				OverheadP50: mean - 40*time.Millisecond, OverheadMean: mean - 30*time.Millisecond,
				Utilization: []report.Utilization{{"CPU", 35.2, 61}, {"GPU", 97.4, 100}},
				Warnings:    []string{"the client counted 10 requests more than the endpoint"},
			}
		case "c5":
			row.ServerNA = "no CloudWatch access: cloudwatch:GetMetricData denied"
		}
	}
	return rep
}

func TestMarkdownShowsWhereTheTimeGoes(t *testing.T) {
	md := splitReport(t).Markdown()
	_, split, ok := strings.Cut(md, "## Where the time goes")
	if !ok {
		t.Fatalf("no latency split table:\n%s", md)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(split, "\n") {
		if cells, ok := splitRow(line); ok {
			rows[strings.Trim(cells[0], "*")] = cells
		}
	}
	g := rows["g4dn+neo"]
	// 16 workers at 140.4 TPS: p50 114 ms, mean 119.7 ms; overhead p50 79.7 ms; model 29 + overhead 89.7 (means) leave 1.00 ms.
	want := []string{"g4dn+neo", "114", "148", "28.5", "31.0", "79.7", "1.00", "CPU 35/61%, GPU 97/100%", "emulated CloudWatch, 8424 invocations", "⚠ [1]"}
	if strings.Join(g, "|") != strings.Join(want, "|") {
		t.Errorf("g4dn+neo split row\n got %q\nwant %q", g, want)
	}
	if c := rows["c5"]; len(c) < 4 || c[3] != "n/a (no CloudWatch access: cloudwatch:GetMetricData denied)" {
		t.Errorf("c5 without permission: %q", c)
	}
	if i := rows["inf1+neo"]; len(i) < 4 || i[3] != "n/a (not fetched)" {
		t.Errorf("inf1+neo without figures: %q", i)
	}
	if !strings.Contains(split, "1. ⚠ g4dn+neo: the client counted 10 requests more than the endpoint") {
		t.Errorf("cross-check warning is not a footnote:\n%s", split)
	}
}

func TestReportWithoutServerFiguresHasNoSplit(t *testing.T) {
	rep := studyReport(t)
	if md := rep.Markdown(); strings.Contains(md, "Where the time goes") {
		t.Errorf("split table without any server figures:\n%s", md)
	}
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name == "latency-split" {
			t.Error("latency-split chart without any server figures")
		}
	}
}

func TestSplitChartAndJSON(t *testing.T) {
	rep := splitReport(t)
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	var svg bytes.Buffer
	for _, c := range charts {
		if c.Name == "latency-split" {
			if err := c.Render(&svg, "svg"); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range []string{"network + client", "overhead", "model", "n/a", "c5", "g4dn+neo"} {
		if !strings.Contains(svg.String(), s) {
			t.Errorf("latency-split.svg does not show %q", s)
		}
	}

	j, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(j)
	var back report.JSONReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, row := range back.Rows {
		switch row.Name {
		case "g4dn+neo":
			s := row.Server
			if s == nil || s.ModelP50MS != 28.5 || s.NetworkClientMS == nil || *s.NetworkClientMS != 1 ||
				len(s.Utilization) != 2 || s.Utilization[1] != (report.JSONUtilization{"GPU", 97.4, 100}) {
				t.Errorf("g4dn+neo server JSON: %+v", s)
			}
		case "c5":
			if row.Server != nil || !strings.HasPrefix(row.ServerNA, "no CloudWatch access") {
				t.Errorf("c5: server %+v, n/a %q", row.Server, row.ServerNA)
			}
		}
	}
}
