package sagebench_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const testRole = "arn:aws:iam::" + sagemakertest.AccountID + ":role/SageMakerRole"

// answer is a trivial handler in the emulator's default format: the image
// preprocessing costs CPU the race detector multiplies, and these tests measure the
// pipeline, not the emulator.
func answer(context.Context, string, []byte, string) ([]byte, error) {
	return []byte(`{"predictions":[{"class":1,"score":0.5}],"emulated":true}`), nil
}

// newEmulator starts an emulator in eu-west-1 with short device times.
func newEmulator(t *testing.T, opts ...sagemakertest.Option) *sagemakertest.Server {
	t.Helper()
	srv := sagemakertest.NewServer(append([]sagemakertest.Option{sagemakertest.WithRegion("eu-west-1"),
		sagemakertest.WithTimeScale(0.01), sagemakertest.WithHandler(answer)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// newStudy is a small study against an emulator: a local model, 20 requests per
// candidate, fast polling.
func newStudy(t *testing.T, candidates ...sagebench.Candidate) sagebench.Study {
	t.Helper()
	dir := t.TempDir()
	model := filepath.Join(dir, "model.pth")
	require.NoError(t, os.WriteFile(model, []byte("weights"), 0o644))
	img, err := payload.SyntheticJPEG(64, 64, 1)
	require.NoError(t, err)
	return sagebench.Study{
		Model:            sagebench.LocalModel{Files: []string{model}},
		FrameworkVersion: "1.8.1",
		NeoVersions:      map[neo.Target]string{neo.TargetMLInf1: "1.7"},
		InputShapes:      map[string][]int{"input0": {1, 3, 224, 224}},
		RoleARN:          testRole,
		Candidates:       candidates,
		Load:             bench.Config{Concurrency: 2, Requests: 20, Payloads: []payload.Payload{img}},
		Prices:           cost.Study2021,
		LimitBackoff:     50 * time.Millisecond,
		ServerMetrics:    sagebench.ServerMetrics{NoWait: true},
		SageMaker: []func(*sagemaker.Options){func(o *sagemaker.Options) {
			o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 50*time.Millisecond
		}},
		Neo: []func(*neo.Options){func(o *neo.Options) { o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond }},
	}
}

// study3 is c5, c5+neo and g4dn.
func study3() []sagebench.Candidate {
	return sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge", "ml.g4dn.xlarge"}, Compile: []bool{false, true}})[:3]
}

// events collects a study's events.
type events struct {
	mu  sync.Mutex
	all []sagebench.Event
}

func (e *events) add(ev sagebench.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) count(kind sagebench.EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.all {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// assertNothingLeft checks the emulator holds no model, config, endpoint, running job or
// S3 object, and that the report's ledger deleted everything it lists.
func assertNothingLeft(t *testing.T, srv *sagemakertest.Server, rep *sagebench.Report) {
	t.Helper()
	assert.Empty(t, srv.Leftovers(), "resources left in the emulator")
	assert.Empty(t, srv.Objects(), "S3 objects left in the emulator")
	if rep == nil {
		return
	}
	for _, d := range rep.Teardown {
		assert.True(t, d.Deleted || d.Kept != "", "%s: not deleted: %v", d.Resource, d.Err)
	}
}
