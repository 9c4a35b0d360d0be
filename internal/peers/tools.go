package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A tool is one load generator: how to run it for a given load, and how to read its output.
type tool struct {
	name string
	// commands returns the command lines of one run (vegeta needs two: attack, report);
	// the output of the last one is parsed.
	commands func(l loadSpec) [][]string
	parse    func(out string) (loadResult, error)
}

// loadSpec is what every tool is given: the same URL, concurrency, duration and body.
type loadSpec struct {
	url, bodyFile, contentType string
	conc                       int
	dur                        time.Duration
	threads                    int    // for wrk: event-loop threads (one per load CPU)
	dir                        string // scratch directory for the run's files
}

func tools(self, vegeta, hey, wrk string) []tool {
	return []tool{
		{
			name: "sagebench",
			commands: func(l loadSpec) [][]string {
				return [][]string{{self, "load", "-url", l.url, "-c", itoa(l.conc), "-d", l.dur.String(),
					"-body", l.bodyFile, "-type", l.contentType}}
			},
			parse: parseSagebench,
		},
		{
			name: "vegeta",
			commands: func(l loadSpec) [][]string {
				targets := filepath.Join(l.dir, "vegeta-targets.txt")
				os.WriteFile(targets, []byte("POST "+l.url+"\n"), 0o644)
				results := filepath.Join(l.dir, "vegeta-results.bin")
				// -rate 0 with a fixed worker pool is vegeta's closed loop: each of conc
				// workers sends as soon as its last response is in, like the others here.
				return [][]string{
					{vegeta, "attack", "-targets", targets, "-rate", "0", "-workers", itoa(l.conc),
						"-max-workers", itoa(l.conc), "-duration", l.dur.String(), "-body", l.bodyFile,
						"-header", "Content-Type: " + l.contentType, "-output", results},
					{vegeta, "report", "-type", "json", results},
				}
			},
			parse: parseVegeta,
		},
		{
			name: "hey",
			commands: func(l loadSpec) [][]string {
				return [][]string{{hey, "-z", l.dur.String(), "-c", itoa(l.conc), "-m", "POST",
					"-T", l.contentType, "-D", l.bodyFile, l.url}}
			},
			parse: parseHey,
		},
		{
			name: "wrk",
			commands: func(l loadSpec) [][]string {
				script := filepath.Join(l.dir, "post.lua")
				os.WriteFile(script, []byte(wrkScript(l.bodyFile, l.contentType)), 0o644)
				threads := min(l.threads, l.conc)
				return [][]string{{wrk, "-t", itoa(threads), "-c", itoa(l.conc), "-d", l.dur.String(),
					"--latency", "-s", script, l.url}}
			},
			parse: parseWrk,
		},
	}
}

// wrkScript makes wrk POST the body file with the content type (wrk sends GET by default).
func wrkScript(bodyFile, contentType string) string {
	return fmt.Sprintf(`local f = assert(io.open(%q, "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = %q
`, bodyFile, contentType)
}

func itoa(n int) string { return strconv.Itoa(n) }

func parseSagebench(out string) (loadResult, error) {
	var r loadResult
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("sagebench output: %w", err)
	}
	return r, nil
}

// parseVegeta reads `vegeta report -type json`: latencies in nanoseconds; throughput is
// successful requests per second.
func parseVegeta(out string) (loadResult, error) {
	var v struct {
		Latencies struct {
			P50 float64 `json:"50th"`
			P99 float64 `json:"99th"`
		} `json:"latencies"`
		Requests    int64          `json:"requests"`
		Throughput  float64        `json:"throughput"`
		Success     float64        `json:"success"`
		StatusCodes map[string]int `json:"status_codes"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return loadResult{}, fmt.Errorf("vegeta report: %w", err)
	}
	return loadResult{
		Tool: "vegeta", Requests: v.Requests, Errors: v.Requests - int64(v.StatusCodes["200"]),
		RPS: v.Throughput, P50us: v.Latencies.P50 / 1e3, P99us: v.Latencies.P99 / 1e3,
	}, nil
}

var (
	heyRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	heyPct     = regexp.MustCompile(`(?m)^\s+(50|99)% in ([0-9.]+) secs`)
	heyStatus  = regexp.MustCompile(`\[(\d+)\]\s+(\d+) responses`)
	heyErrors  = regexp.MustCompile(`(?m)^\s+\[(\d+)\]\s+Post`)
	wrkRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkCount   = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseHey reads hey's text summary: Requests/sec counts every response over the whole
// run, and the latency distribution is in seconds.
func parseHey(out string) (loadResult, error) {
	r := loadResult{Tool: "hey"}
	m := heyRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("hey output has no Requests/sec line")
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range heyPct.FindAllStringSubmatch(out, -1) {
		s, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "50" {
			r.P50us = s * 1e6
		} else {
			r.P99us = s * 1e6
		}
	}
	for _, m := range heyStatus.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		r.Requests += n
		if m[1] != "200" {
			r.Errors += n
		}
	}
	for _, m := range heyErrors.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Requests += n
		r.Errors += n
	}
	return r, nil
}

// parseWrk reads wrk's --latency summary.
func parseWrk(out string) (loadResult, error) {
	r := loadResult{Tool: "wrk"}
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk output has no Requests/sec line")
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "ms":
			v *= 1e3
		case "s":
			v *= 1e6
		}
		if m[1] == "50" {
			r.P50us = v
		} else {
			r.P99us = v
		}
	}
	if m := wrkCount.FindStringSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Errors += n
	}
	if m := wrkSockErr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.Errors += n
		}
	}
	return r, nil
}
