package study

import (
	"fmt"
	"io"
	"os"

	"github.com/sagebench/sagebench"
)

// Progress prints a study's events to w, one line each. On a terminal the live
// snapshots of a load redraw one line; elsewhere (a log file, a test) they are left out.
// Study.Events serializes its calls, so Progress needs no lock.
func Progress(w io.Writer) func(sagebench.Event) {
	tty := isTerminal(w)
	drawn := false
	return func(e sagebench.Event) {
		if e.Kind == sagebench.EventMeasuring {
			if tty {
				fmt.Fprintf(w, "\r%-78.78s", e.String())
				drawn = true
			}
			return
		}
		if drawn {
			fmt.Fprintf(w, "\r%78s\r", "")
			drawn = false
		}
		fmt.Fprintln(w, e)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
