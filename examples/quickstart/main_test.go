package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/internal/study"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// runMainEnv, set in a process's environment, makes this test binary the quickstart
// program itself: TestMain runs main with a fresh flag set instead of the tests, so that
// a test runs the program as a user does without building it again.
const runMainEnv = "SAGEBENCH_QUICKSTART_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		flag.CommandLine = flag.NewFlagSet(os.Args[0], flag.ExitOnError)
		flag.CommandLine.Usage = func() { flag.Usage() } // as the flag package's own CommandLine
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuickstartRunsTheStudy runs the quickstart's whole pipeline with short loads and
// emulated device times five times shorter: every configuration is deployed, measured,
// priced and deleted, and the files are written. The emulator's image preprocessing is
// swapped for a trivial handler: under the race detector it costs tens of milliseconds of
// CPU per request, which would make the machine, not the profiles, set the throughput.
func TestQuickstartRunsTheStudy(t *testing.T) {
	o := defaultOptions()
	o.duration, o.warmup, o.timeScale = time.Second, 700*time.Millisecond, 0.2
	o.emulator = []sagemakertest.Option{sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) {
			return []byte(`{"predictions":[{"class":1,"score":0.5},{"class":2,"score":0.2},{"class":3,"score":0.1},{"class":4,"score":0.1},{"class":5,"score":0.1}]}`), nil
		})}
	o.out = t.TempDir()
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &stderr), stderr.String())

	out := stdout.String()
	assert.Contains(t, out, "EMULATED")
	assert.Contains(t, out, "inf1+neo  pytorch 1.7  802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3")
	assert.Contains(t, out, "c5        pytorch 1.7  763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.7-cpu-py3")
	assert.Contains(t, out, "g4dn+neo  pytorch 1.6  802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-inference-pytorch:1.6-gpu-py3")
	assert.Contains(t, stderr.String(), "teardown verified")
	for _, c := range study.Candidates() {
		assert.Regexp(t, `\| (\*\*)?`+regexp.QuoteMeta(c.Name)+`(\*\*)? \| `+regexp.QuoteMeta(c.InstanceType), out)
	}
	assert.Contains(t, out, `table "study-2021"`, "eu-west-1 is priced by the study's snapshot")
	// The split per configuration, from the emulator's CloudWatch, and saying it is emulated.
	at := strings.Index(out, "Where the time goes")
	require.NotEqual(t, -1, at, "the split table")
	split := out[at:]
	for _, c := range study.Candidates() {
		assert.Contains(t, split, "| "+c.Name+" |", "%s has a split row", c.Name)
	}
	assert.Contains(t, split, "emulated CloudWatch")
	// As AWS defines them, queueing in the container is model time and overhead is what
	// SageMaker adds: a few milliseconds for every configuration, c5's 16 clients on 4
	// workers included, whose queue holds each request for seconds.
	for _, line := range strings.Split(split, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 8 || !strings.Contains(line, "emulated CloudWatch") {
			continue
		}
		overhead, err := strconv.ParseFloat(strings.TrimSpace(cells[6]), 64)
		if assert.NoError(t, err, line) {
			assert.Less(t, overhead, 25.0, "overhead p50 ms of %s: %s", cells[1], line)
		}
	}
	assert.NotContains(t, out, "n/a (no CloudWatch", "the emulator grants CloudWatch")
	for _, f := range []string{"report.md", "results.csv", "results.json", "throughput.svg", "latency.svg", "cost.svg", "latency-split.svg"} {
		assert.FileExists(t, filepath.Join(o.out, f))
	}

	b, err := os.ReadFile(filepath.Join(o.out, "results.json"))
	require.NoError(t, err)
	var doc struct {
		Rows []struct {
			Config        string   `json:"config"`
			TPS           float64  `json:"throughput_rps"`
			Errors        int64    `json:"errors"`
			USDPerMillion *float64 `json:"usd_per_million"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Rows, len(study.Candidates()))
	byName := map[string]float64{}
	for _, r := range doc.Rows {
		assert.Zero(t, r.Errors, r.Config)
		assert.NotNil(t, r.USDPerMillion, "%s is priced", r.Config)
		byName[r.Config] = r.TPS
	}
	// At a fifth of the device time the fast configurations outrun what a busy 2-core
	// machine serves under -race, but the slow ones keep the study's figures and order.
	assert.InDelta(t, 5*5.9, byName["c5"], 5*5.9*0.3)
	assert.Greater(t, byName["c5+neo"], 1.5*byName["c5"])
	assert.Greater(t, byName["g4dn"], 3*byName["c5+neo"])
}

func TestQuickstartRejectsBadFlags(t *testing.T) {
	t.Parallel()
	o := defaultOptions()
	o.prices = "cheapest"
	assert.ErrorContains(t, run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{}), "-prices")
	o = defaultOptions()
	o.concurrency = 0
	assert.Error(t, run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{}))
}

// -h shows how to run the study for your own model, before the flags.
func TestHelpShowsHowToRunYourOwnModel(t *testing.T) {
	t.Parallel()
	bin, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(bin, "-h")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "-h exits 0")
	help := string(out)
	for _, want := range []string{"Run the study for your own model", "sagebench.Study{", "st.Run(ctx, cfg)",
		"go run ./examples/resnet50 -h", "-parallel"} {
		assert.Contains(t, help, want)
	}
	assert.Less(t, strings.Index(help, "sagebench.Study{"), strings.Index(help, "-concurrency"), "the how-to comes first")
}
