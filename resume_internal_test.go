package sagebench

import (
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

// TestFingerprintOfASweepStudyKeepsItsSavedValue pins the hash that a study's saved
// results are matched by (resume.go): renaming a field of bench.Config or
// bench.SweepConfig (SweepConfig.Step became Base) must not change it, or every result
// saved before is measured again.
func TestFingerprintOfASweepStudyKeepsItsSavedValue(t *testing.T) {
	s := &Study{Name: "x",
		Load:  bench.Config{Concurrency: 2, Duration: time.Second, Payloads: []payload.Payload{{Name: "a", Body: []byte("b")}}},
		Sweep: &bench.SweepConfig{Levels: []int{1, 2}, MaxWindows: 4}}
	const saved = "708fddfc65af53b875efb7f97780b9b0b52e90a40954eacbfc503d108fb382a3"
	if got := s.fingerprint("eu-west-1"); got != saved {
		t.Errorf("fingerprint = %s; want %s, the value results were saved with", got, saved)
	}
}
