package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sagebench/sagebench/bench"
)

// liveLine redraws one progress line per interval while a load runs, when its writer is a
// terminal; elsewhere (a log file, a test) it writes only the final line.
type liveLine struct {
	w     io.Writer
	tty   bool
	label string
	total time.Duration
	start time.Time
}

func newLiveLine(w io.Writer, label string, total time.Duration) *liveLine {
	l := &liveLine{w: w, tty: isTerminal(w), label: label, total: total, start: time.Now()}
	if l.tty {
		fmt.Fprintf(w, "\r%-58s", label)
	}
	return l
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (l *liveLine) update(s bench.Snapshot) {
	if !l.tty {
		return
	}
	state := "warmup"
	if !s.Warmup {
		state = fmt.Sprintf("%5d req  %7.1f req/s  p99 %v", s.Requests, s.Throughput, s.P99.Round(time.Millisecond))
	}
	fmt.Fprintf(l.w, "\r%-20s %3.0f/%.0fs  %-48s", l.label, time.Since(l.start).Seconds(), l.total.Seconds(), state)
}

func (l *liveLine) finish(r *bench.Result) {
	if r == nil {
		fmt.Fprintln(l.w)
		return
	}
	if l.tty {
		fmt.Fprint(l.w, "\r")
	}
	fmt.Fprintf(l.w, "%-20s %5d req  %7.1f req/s  p50 %v  p99 %v%-20s\n", l.label, r.Requests, r.Throughput,
		r.Latency.P50.Round(time.Millisecond), r.Latency.P99.Round(time.Millisecond), "")
}
