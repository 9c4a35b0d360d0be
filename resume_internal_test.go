package sagebench

import (
	"encoding/json"
	"errors"
	"os"
	"sync"
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
	t.Parallel()
	s := &Study{Name: "x",
		Load:  bench.Config{Concurrency: 2, Duration: time.Second, Payloads: []payload.Payload{{Name: "a", Body: []byte("b")}}},
		Sweep: &bench.SweepConfig{Levels: []int{1, 2}, MaxWindows: 4}}
	const saved = "708fddfc65af53b875efb7f97780b9b0b52e90a40954eacbfc503d108fb382a3"
	if got := s.fingerprint("eu-west-1"); got != saved {
		t.Errorf("fingerprint = %s; want %s, the value results were saved with", got, saved)
	}
}

// Runs sharing an OutputDir that save one candidate's result at the same instant never
// share a temporary file: no save fails, none leaves a temporary file behind, and the
// result file holds one whole result. Eight saves at once, two hundred times: with one
// temporary name per result ("<result>.tmp"), a save that truncated or renamed it under
// another made that one fail ("rename ...: no such file or directory").
func TestConcurrentSavesOfACandidateNeverShareATemporaryFile(t *testing.T) {
	t.Parallel()
	st := &Study{OutputDir: t.TempDir()}
	r := &run{s: st, plan: &Plan{Region: "eu-west-1"}}
	o := Outcome{Candidate: Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"},
		Result: &bench.Result{Requests: 7, Elapsed: time.Second, Throughput: 7, InferencesPerSecond: 7}}
	for range 200 {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = r.save(o) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(st.resultsDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the results directory holds %q, want only the result", names)
	}
	b, err := os.ReadFile(st.resultPath("eu-west-1", "c5"))
	if err != nil {
		t.Fatal(err)
	}
	var saved savedResult
	if err := json.Unmarshal(b, &saved); err != nil || saved.Result == nil || saved.Result.Requests != 7 {
		t.Fatalf("the result file holds %s (%v), want the saved result", b, err)
	}
}
