package sagebench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/resname"
	"github.com/sagebench/sagebench/report"
)

// savedResult is one candidate's measurement as written to Study.OutputDir: the
// candidate it measured (so that a changed candidate of the same name is measured
// again), the full bench.Result, the sweep, if any, and the endpoint's own figures (or
// why there are none) once CloudWatch has answered.
type savedResult struct {
	Candidate  Candidate `json:"candidate"`
	MeasuredAt time.Time `json:"measured_at"`
	// Fingerprint is Study.fingerprint when measured: a result of another load is stale.
	Fingerprint string             `json:"fingerprint"`
	Result      *bench.Result      `json:"result"`
	Sweep       *bench.SweepResult `json:"sweep,omitempty"`
	Server      *report.Server     `json:"server,omitempty"`
	ServerNA    string             `json:"server_na,omitempty"`
}

// resultsDir holds one JSON file per measured candidate.
func (s *Study) resultsDir() string { return filepath.Join(s.OutputDir, "candidates") }

// resultPath is the region and a short dashed prefix of the name, for people, and a
// hash of both, so that names differing only in punctuation, or too long for a file
// name, each get a file of their own, and so do two regions' runs of one study in one
// OutputDir.
func (s *Study) resultPath(region, name string) string {
	sum := sha256.Sum256([]byte(region + "\x00" + name))
	prefix := resname.Dashed(name)
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	return filepath.Join(s.resultsDir(), region+"-"+prefix+"-"+hex.EncodeToString(sum[:8])+".json")
}

// legacyResultPath is where results were saved before the region was part of the
// name; loadResults still reads them (their fingerprint holds the region).
func (s *Study) legacyResultPath(name string) string {
	sum := sha256.Sum256([]byte(name))
	prefix := resname.Dashed(name)
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	return filepath.Join(s.resultsDir(), prefix+"-"+hex.EncodeToString(sum[:8])+".json")
}

// fingerprint hashes what shapes a measurement besides the candidate: the model, the
// load, the sweep, the SLO, the versions, the region and the name. Funcs are left out.
func (s *Study) fingerprint(region string) string {
	// The outer Progress and Base fields hide the embedded ones, funcs json refuses. The
	// sweep's Base is hashed as Step, its name before, so that saved results still match.
	type config struct {
		bench.Config
		Progress *struct{} `json:",omitempty"`
	}
	type sweepConfig struct {
		bench.SweepConfig
		Step     config
		Base     *struct{} `json:",omitempty"`
		Progress *struct{} `json:",omitempty"`
	}
	load := config{Config: s.Load}
	var sweep *sweepConfig
	if s.Sweep != nil {
		sweep = &sweepConfig{SweepConfig: *s.Sweep, Step: config{Config: s.Sweep.Base}}
	}
	model := any(s.Model)
	if lm, ok := s.Model.(LocalModel); ok { // the files' names and sizes, not where they are
		var files []string
		for _, f := range lm.Files {
			st, err := os.Stat(f)
			if err != nil {
				return "unfingerprintable: " + err.Error()
			}
			files = append(files, fmt.Sprintf("%s %d", filepath.Base(f), st.Size()))
		}
		model = files
	}
	b, err := json.Marshal(struct {
		Name, Region, Framework, FrameworkVersion, EntryPoint, Accept string
		Model                                                         any
		InputShapes                                                   map[string][]int
		NeoVersions                                                   any
		Load                                                          config
		Sweep                                                         *sweepConfig
		SLO                                                           *bench.SLO
		Check                                                         bool
	}{s.name(), region, string(s.framework()), s.FrameworkVersion, s.entryPoint(), s.Accept,
		model, s.InputShapes, s.NeoVersions, load, sweep, s.SLO, s.Check != nil})
	if err != nil {
		return "unfingerprintable: " + err.Error() // never equal to a saved one's hash
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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
	b, err := json.MarshalIndent(savedResult{Candidate: o.Candidate, MeasuredAt: time.Now().UTC(),
		Fingerprint: r.s.fingerprint(r.plan.Region), Result: o.Result, Sweep: o.Sweep,
		Server: o.Server, ServerNA: o.ServerNA}, "", "  ")
	if err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	path := r.s.resultPath(r.plan.Region, o.Candidate.Name)
	f, err := os.CreateTemp(r.s.resultsDir(), ".*.tmp") // two runs never share one
	if err != nil {
		return fmt.Errorf("saving the result: %w", err)
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("saving the result: %w", werr)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("saving the result: %w", err)
	}
	return nil
}

// loadResults reads the results an earlier run left in OutputDir, by candidate name,
// keeping only those whose candidate is unchanged. Rerun ignores them all.
func (s *Study) loadResults(region string) (map[string]*savedResult, error) {
	out := map[string]*savedResult{}
	if s.OutputDir == "" || s.Rerun {
		return out, nil
	}
	fp := s.fingerprint(region)
	for _, c := range s.Candidates {
		path := s.resultPath(region, c.Name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			path = s.legacyResultPath(c.Name)
			b, err = os.ReadFile(path)
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sagebench: reading earlier results: %w", err)
		}
		var sr savedResult
		if err := json.Unmarshal(b, &sr); err != nil {
			return nil, fmt.Errorf("sagebench: %s is not a saved result (delete it or set Rerun): %w", path, err)
		}
		if sr.Result == nil || !sameCandidate(sr.Candidate, c) || sr.Fingerprint != fp {
			continue
		}
		out[c.Name] = &sr
	}
	return out, nil
}

// sameCandidate reports whether saved result's candidate a is b. An existing endpoint's
// saved instance type and count were read from it: they match b's when b leaves them out.
func sameCandidate(a, b Candidate) bool {
	a.Note, b.Note = "", ""
	if b.Existing() && b.InstanceType == "" {
		a.InstanceType = ""
	}
	if b.Existing() && b.InstanceCount == 0 {
		a.InstanceCount = 0
	}
	a.InstanceCount, b.InstanceCount = a.count(), b.count()
	if len(a.Env) == 0 && len(b.Env) == 0 {
		a.Env, b.Env = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// outputDirs holds one token per OutputDir in use by a Run of this process.
var outputDirs = struct {
	sync.Mutex
	m map[string]chan struct{}
}{m: map[string]chan struct{}{}}

// lockOutputDir waits until no other Run of this process uses dir, so that a second Run
// resumes from the first one's results instead of measuring (and paying for) them again.
func lockOutputDir(ctx context.Context, dir string) (unlock func(), err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sagebench: OutputDir %s: %w", dir, err)
	}
	outputDirs.Lock()
	tok := outputDirs.m[abs]
	if tok == nil {
		tok = make(chan struct{}, 1)
		outputDirs.m[abs] = tok
	}
	outputDirs.Unlock()
	select {
	case tok <- struct{}{}:
		return func() { <-tok }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("sagebench: waiting for another Run using OutputDir %s: %w", dir, ctx.Err())
	}
}
