package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sagebench/sagebench/payload"
)

// run is one tool's run at one concurrency.
type run struct {
	conc, round int
	res         loadResult
	serverRPS   float64 // what the server counted, per second of the configured duration
	// cpuPerReq is the load generator's own CPU time (user + system) per request the
	// server counted: its cost per request, which unlike req/s does not depend on what
	// else the machine is running at the time.
	cpuPerReq time.Duration
	err       error
}

// compare starts one loopback server and loads it with every tool in turn (sagebench,
// vegeta, hey, wrk, sagebench, vegeta, ...), so that a drift of the machine over the
// comparison hits every tool alike. It prints every run and a summary as Markdown.
func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	concs := fs.String("c", "16,64", "comma-separated concurrencies")
	dur := fs.Duration("d", 10*time.Second, "duration of each run")
	rounds := fs.Int("rounds", 2, "runs of each tool at each concurrency")
	bodyFile := fs.String("body", "", "request body file (default: a synthetic 224x224 JPEG)")
	ctype := fs.String("type", "image/jpeg", "request content type")
	vegeta := fs.String("vegeta", "vegeta", "vegeta binary")
	hey := fs.String("hey", "hey", "hey binary")
	wrk := fs.String("wrk", "wrk", "wrk binary")
	pin := fs.Bool("pin", runtime.NumCPU() >= 2, "pin the server to CPU 0 and the load generators to the other CPUs")
	fs.Parse(args)
	var conc []int
	for _, s := range strings.Split(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("compare: bad concurrency %q", s)
		}
		conc = append(conc, n)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	dir, err := os.MkdirTemp("", "peers-")
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	defer os.RemoveAll(dir)
	if *bodyFile == "" {
		p, err := payload.SyntheticJPEG(224, 224, 1)
		if err != nil {
			return fmt.Errorf("compare: %w", err)
		}
		*bodyFile = filepath.Join(dir, "synthetic-224.jpg")
		if err := os.WriteFile(*bodyFile, p.Body, 0o644); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}

	if runtime.NumCPU() < 2 {
		*pin = false // nothing to split
	}
	var serverCPU, loadCPU []string // taskset prefixes
	threads := runtime.NumCPU()
	if *pin {
		serverCPU = []string{"taskset", "-c", "0"}
		loadCPU = []string{"taskset", "-c", fmt.Sprintf("1-%d", runtime.NumCPU()-1)}
		threads = runtime.NumCPU() - 1
	}
	srv, url, err := startServer(append(serverCPU, self, "serve"))
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()

	all := tools(self, *vegeta, *hey, *wrk)
	var active []tool
	var missing []string
	for _, t := range all {
		if _, err := exec.LookPath(t.commands(loadSpec{dir: dir})[0][0]); err != nil {
			missing = append(missing, t.name)
			continue
		}
		active = append(active, t)
	}

	spec := loadSpec{url: url + "/invocations", bodyFile: *bodyFile, contentType: *ctype, dur: *dur,
		threads: threads, dir: dir}
	var runs []run
	for _, c := range conc {
		spec.conc = c
		for round := 1; round <= *rounds; round++ {
			for _, t := range active {
				r := runTool(t, spec, loadCPU, url)
				r.conc, r.round = c, round
				fmt.Fprintf(os.Stderr, "c=%d round %d %-9s %9.0f req/s  p50 %7.0fµs  p99 %7.0fµs  server %9.0f req/s  cpu %v/req %v\n",
					c, round, t.name, r.res.RPS, r.res.P50us, r.res.P99us, r.serverRPS, r.cpuPerReq, errText(r.err))
				runs = append(runs, r)
			}
		}
	}
	report(os.Stdout, reportInfo{
		pin: *pin, dur: *dur, rounds: *rounds, bodyFile: *bodyFile, bodyLen: len(body),
		contentType: *ctype, missing: missing, tools: active,
	}, runs)
	return nil
}

// startServer starts `peers serve` and reads its URL from the first line it prints.
func startServer(argv []string) (*exec.Cmd, string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, "", fmt.Errorf("loopback server: %w", err)
	}
	go io.Copy(io.Discard, out)
	return cmd, strings.TrimSpace(line), nil
}

// runTool runs one tool once, bounded in time, and cross-checks its count with the server's.
func runTool(t tool, l loadSpec, prefix []string, serverURL string) run {
	before := served(serverURL)
	var out []byte
	var err error
	var cpu time.Duration
	for i, argv := range t.commands(l) {
		argv = append(slices.Clone(prefix), argv...)
		ctx, cancel := context.WithTimeout(context.Background(), l.dur+2*time.Minute)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err = cmd.Output()
		cancel()
		if i == 0 && cmd.ProcessState != nil { // the load itself, not e.g. vegeta's report
			cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		if err != nil {
			err = fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, lastLine(stderr.String()))
			break
		}
	}
	after := served(serverURL)
	r := run{serverRPS: float64(after-before) / l.dur.Seconds(), err: err}
	if n := after - before; n > 0 {
		r.cpuPerReq = cpu / time.Duration(n)
	}
	if err == nil {
		r.res, r.err = t.parse(string(out))
	}
	r.res.Tool = t.name
	return r
}

// served asks the loopback server how many requests it has answered.
func served(url string) int64 {
	resp, err := http.Get(url + "/__served")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "ERROR " + err.Error()
}
