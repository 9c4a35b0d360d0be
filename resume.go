package sagebench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/report"
)

// savedResult is one candidate's measurement as written to Study.OutputDir: the
// candidate it measured (so that a changed candidate of the same name is measured
// again), the full bench.Result, the sweep, if any, and the endpoint's own figures (or
// why there are none) once CloudWatch has answered.
type savedResult struct {
	Candidate  Candidate          `json:"candidate"`
	MeasuredAt time.Time          `json:"measured_at"`
	Result     *bench.Result      `json:"result"`
	Sweep      *bench.SweepResult `json:"sweep,omitempty"`
	Server     *report.Server     `json:"server,omitempty"`
	ServerNA   string             `json:"server_na,omitempty"`
}

// resultsDir holds one JSON file per measured candidate.
func (s *Study) resultsDir() string { return filepath.Join(s.OutputDir, "candidates") }

func (s *Study) resultPath(name string) string {
	return filepath.Join(s.resultsDir(), dashed(name)+".json")
}

// save writes a measured candidate's result at once, atomically, so that an interrupted
// study keeps it.
func (r *run) save(o Outcome) error {
	if r.s.OutputDir == "" {
		return nil
	}
	if err := os.MkdirAll(r.s.resultsDir(), 0o755); err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	b, err := json.MarshalIndent(savedResult{Candidate: o.Candidate, MeasuredAt: time.Now().UTC(), Result: o.Result, Sweep: o.Sweep,
		Server: o.Server, ServerNA: o.ServerNA}, "", "  ")
	if err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	path := r.s.resultPath(o.Candidate.Name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	return nil
}

// loadResults reads the results an earlier run left in OutputDir, by candidate name,
// keeping only those whose candidate is unchanged. Rerun ignores them all.
func (s *Study) loadResults() (map[string]*savedResult, error) {
	out := map[string]*savedResult{}
	if s.OutputDir == "" || s.Rerun {
		return out, nil
	}
	for _, c := range s.Candidates {
		b, err := os.ReadFile(s.resultPath(c.Name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sagebench: reading earlier results: %w", err)
		}
		var sr savedResult
		if err := json.Unmarshal(b, &sr); err != nil {
			return nil, fmt.Errorf("sagebench: %s is not a saved result (delete it or set Rerun): %w", s.resultPath(c.Name), err)
		}
		if sr.Result == nil || !sameCandidate(sr.Candidate, c) {
			continue
		}
		out[c.Name] = &sr
	}
	return out, nil
}

func sameCandidate(a, b Candidate) bool {
	a.Note, b.Note = "", ""
	a.InstanceCount, b.InstanceCount = a.count(), b.count()
	if len(a.Env) == 0 && len(b.Env) == 0 {
		a.Env, b.Env = nil, nil
	}
	return reflect.DeepEqual(a, b)
}
