package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// -serverless adds a 4 GB serverless candidate: it is measured against the emulator like
// the others, and the report shows the break-even table and the cost-by-traffic chart.
func TestQuickstartWithAServerlessCandidateShowsTheBreakEven(t *testing.T) {
	t.Parallel()
	o := defaultOptions()
	// The warm-up covers the serverless endpoint's cold start (not scaled), so that its
	// window sees answers. Nothing here compares figures, so every endpoint is measured at
	// once (TestQuickstartRunsTheStudy keeps the one-at-a-time run whose figures count).
	o.duration, o.warmup, o.timeScale, o.serverless = time.Second, 700*time.Millisecond, 0.2, true
	o.parallel = 4
	o.emulator = []sagemakertest.Option{sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) {
			return []byte(`{"predictions":[{"class":1,"score":0.5},{"class":2,"score":0.2},{"class":3,"score":0.1},{"class":4,"score":0.1},{"class":5,"score":0.1}]}`), nil
		})}
	o.out = t.TempDir()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &stderr), stderr.String())
	out := stdout.String()
	assert.Contains(t, stderr.String(), "teardown verified")
	assert.Regexp(t, `\| serverless-4GB \| serverless 4096 MB \| no \| [0-9.]+ \|`, out)
	assert.Contains(t, out, "## Cost by traffic")
	assert.Regexp(t, `Cheapest: below [0-9.]+ inferences/s, serverless-4GB; `, out)
	assert.Regexp(t, `The recommendation, \*\*[^*]+\*\*, (holds from|the cheapest per inference)`, out)
	assert.FileExists(t, filepath.Join(o.out, "cost-by-traffic.svg"))
}
