package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

type reportInfo struct {
	pin         bool
	dur         time.Duration
	rounds      int
	bodyFile    string
	bodyLen     int
	contentType string
	missing     []string
	tools       []tool
}

// report prints the comparison as Markdown: the machine, every run, then per concurrency
// each tool's mean over rounds and sagebench's ratio to it.
func report(w io.Writer, info reportInfo, runs []run) {
	fmt.Fprintf(w, "Machine: %d CPUs (%s), Linux %s, %s. %s\n\n", runtime.NumCPU(), cpuModel(),
		kernel(), runtime.Version(), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	placement := "server and load generator share all CPUs"
	if info.pin {
		placement = fmt.Sprintf("server pinned to CPU 0, load generator to CPUs 1-%d (taskset)", runtime.NumCPU()-1)
	}
	fmt.Fprintf(w, "Load: POST %s (%d bytes, %s) to the loopback server (30-byte JSON answer), closed loop, %v per run, %d rounds, order %s; %s.\n",
		info.bodyFile, info.bodyLen, info.contentType, info.dur, info.rounds, toolNames(info.tools), placement)
	if len(info.missing) > 0 {
		fmt.Fprintf(w, "Not installed, skipped: %s.\n", strings.Join(info.missing, ", "))
	}

	fmt.Fprintf(w, "\n| concurrency | round | tool | req/s | p50 | p99 | requests | errors | server-counted req/s | load-generator CPU per request |\n")
	fmt.Fprintf(w, "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		if r.err != nil {
			fmt.Fprintf(w, "| %d | %d | %s | failed: %s | | | | | | |\n", r.conc, r.round, r.res.Tool, strings.ReplaceAll(r.err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(w, "| %d | %d | %s | %.0f | %s | %s | %d | %d | %.0f | %s |\n", r.conc, r.round, r.res.Tool,
			r.res.RPS, fmtUS(r.res.P50us), fmtUS(r.res.P99us), r.res.Requests, r.res.Errors, r.serverRPS,
			fmtUS(float64(r.cpuPerReq)/1e3))
	}

	fmt.Fprintf(w, "\n| concurrency | tool | mean req/s (min-max) | median p50 | median p99 | median CPU per request | sagebench / tool (req/s) |\n")
	fmt.Fprintf(w, "|---:|---|---:|---:|---:|---:|---:|\n")
	var concs []int
	for _, r := range runs {
		if !slices.Contains(concs, r.conc) {
			concs = append(concs, r.conc)
		}
	}
	for _, c := range concs {
		mean := map[string]float64{}
		for _, t := range info.tools {
			var rps, p50, p99, cpu []float64
			for _, r := range runs {
				if r.conc == c && r.res.Tool == t.name && r.err == nil {
					rps, p50, p99 = append(rps, r.res.RPS), append(p50, r.res.P50us), append(p99, r.res.P99us)
					cpu = append(cpu, float64(r.cpuPerReq)/1e3)
				}
			}
			if len(rps) == 0 {
				continue
			}
			mean[t.name] = avg(rps)
			ratio := "-"
			if sb, ok := mean["sagebench"]; ok && t.name != "sagebench" {
				ratio = fmt.Sprintf("%.2f", sb/mean[t.name])
			}
			fmt.Fprintf(w, "| %d | %s | %.0f (%.0f-%.0f) | %s | %s | %s | %s |\n", c, t.name, mean[t.name],
				slices.Min(rps), slices.Max(rps), fmtUS(median(p50)), fmtUS(median(p99)), fmtUS(median(cpu)), ratio)
		}
	}
}

func toolNames(ts []tool) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.name)
	}
	return strings.Join(names, ", ")
}

func fmtUS(us float64) string {
	switch {
	case us >= 1000:
		return fmt.Sprintf("%.2f ms", us/1000)
	case us < 100:
		return fmt.Sprintf("%.1f µs", us)
	}
	return fmt.Sprintf("%.0f µs", us)
}

func avg(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}
