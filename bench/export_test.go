package bench

import "time"

// Spin is spin for the external tests: a goroutine that hogs the CPU until stop closes.
var Spin = spin

// SetAbandonGrace sets how long Run waits for invokers that ignore the end of the run and
// returns a func that restores it.
func SetAbandonGrace(d time.Duration) func() {
	old := abandonGrace
	abandonGrace = d
	return func() { abandonGrace = old }
}
