package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// buildBinary builds this command, once for all the tests of the package (linking it
// costs seconds of CPU), into a temporary directory removed by TestMain.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "resnet50-test-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		bin := filepath.Join(dir, "resnet50")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	require.NoError(t, built.err)
	return built.bin
}

var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// command runs the built binary against srv through AWS_ENDPOINT_URL, with no access
// to the user's AWS configuration.
func command(t *testing.T, bin string, srv *sagemakertest.Server, args ...string) (*exec.Cmd, string) {
	t.Helper()
	dir := t.TempDir()
	model := filepath.Join(dir, "model.pth")
	require.NoError(t, os.WriteFile(model, []byte("stand-in weights"), 0o644))
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, append([]string{"-model", model, "-out", out, "-poll", "20ms", "-metrics-delay", "0"}, args...)...)
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED=true",
		"SAGEMAKER_ROLE_ARN=arn:aws:iam::" + sagemakertest.AccountID + ":role/SageMakerRole"}
	for k, v := range emulatorVars(srv) {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	return cmd, out
}

// The real process, its default response check and the emulator's default handler
// (which really decodes each JPEG): every answer passes the check, and nothing is left.
func TestProcessMeasuresTheEmulatorAndLeavesNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithTimeScale(0.05))
	defer srv.Close()
	cmd, out := command(t, buildBinary(t), srv,
		"-configs", "c5,g4dn+neo", "-duration", "1s", "-warmup", "200ms", "-concurrency", "4")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", stderr.String())

	assert.Regexp(t, `\| (\*\*)?c5(\*\*)? \| ml.c5.xlarge`, stdout.String())
	assert.Regexp(t, `\| (\*\*)?g4dn\+neo(\*\*)? \| ml.g4dn.xlarge`, stdout.String())
	assert.Contains(t, stdout.String(), "measured at "+srv.URL, "not passed off as AWS")
	assert.NotContains(t, stdout.String(), "NOT deleted")
	assert.Regexp(t, `journal \S+: nothing of run \S+ remains`, stdout.String())
	assert.Empty(t, srv.Leftovers())
	assert.Empty(t, srv.Objects())

	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	var doc struct {
		Rows []struct {
			Config   string  `json:"config"`
			Requests int64   `json:"requests"`
			Errors   int64   `json:"errors"`
			TPS      float64 `json:"throughput_rps"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Rows, 2)
	for _, r := range doc.Rows {
		assert.Zero(t, r.Errors, "%s: every answer passes the study's check", r.Config)
		assert.Positive(t, r.TPS, r.Config)
	}
	files, _ := filepath.Glob(filepath.Join(out, "candidates", "*.json"))
	assert.Len(t, files, 2, "each result saved for a resume")
}

// SIGINT while the endpoints are being created: the process deletes them and exits 130.
func TestProcessInterruptedMidDeployLeavesNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithEndpointDelays(time.Hour, 0))
	defer srv.Close()
	cmd, _ := command(t, buildBinary(t), srv, "-configs", "c5,g4dn,c5+neo", "-duration", "1s")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	require.NoError(t, cmd.Start())
	var log strings.Builder
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		log.WriteString(lines.Text() + "\n")
		if strings.HasSuffix(lines.Text(), ": deploying") {
			break
		}
	}
	// The create is on its way; wait until the emulator holds the endpoint (Creating for
	// an hour), then interrupt.
	require.Eventually(t, func() bool { return len(srv.Endpoints()) > 0 }, time.Minute, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	rest, _ := io.ReadAll(stderr)
	log.Write(rest)
	err = cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "exit: %v\n%s", err, log.String())
	assert.Equal(t, 130, ee.ExitCode(), log.String())
	assert.Contains(t, stdout.String(), "teardown:")
	assert.NotContains(t, stdout.String(), "NOT deleted")
	assert.Empty(t, srv.Leftovers(), log.String())
	assert.Empty(t, srv.Objects())
}

// kill -9 while an endpoint is being created leaves it (nothing can run in a killed
// process); -cleanup with the journal the run printed deletes everything it left.
func TestProcessKilledMidDeployIsCleanedUpFromItsJournal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithEndpointDelays(time.Hour, 0))
	defer srv.Close()
	bin := buildBinary(t)
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	cmd, _ := command(t, bin, srv, "-configs", "c5,c5+neo", "-duration", "1s", "-journal", journal)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if strings.HasSuffix(lines.Text(), ": deploying") {
			break
		}
	}
	require.Eventually(t, func() bool { return len(srv.Endpoints()) > 0 }, time.Minute, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Kill())
	_, _ = io.Copy(io.Discard, stderr)
	_ = cmd.Wait()
	require.NotEmpty(t, srv.Leftovers(), "a killed process cannot clean up")

	cleanup, _ := command(t, bin, srv, "-cleanup", journal)
	out, err := cleanup.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "cleanup of run")
	assert.Empty(t, srv.Leftovers(), "%s", out)
	assert.Empty(t, srv.Objects(), "%s", out)
}

// startKill starts cmd, waits (polling the emulator's state, never a clock) until
// ready says the moment has come, and kills it with SIGKILL: no defer, no signal
// handler runs.
func startKill(t *testing.T, cmd *exec.Cmd, ready func() bool) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	var log strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			log.WriteString(lines.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	ok := assert.Eventually(t, ready, 2*time.Minute, 5*time.Millisecond, "the moment to kill never came")
	require.NoError(t, cmd.Process.Kill())
	<-done
	_ = cmd.Wait()
	require.True(t, ok, "%s", log.String())
	return log.String()
}

// jobIn reports whether the emulator holds one compilation job, in one of statuses.
func jobIn(srv *sagemakertest.Server, statuses ...string) bool {
	jobs := srv.CompilationJobs()
	return len(jobs) == 1 && slices.Contains(statuses, jobs[0].Status)
}

// End to end, the README's first after-crash line, literally (-cleanup JOURNAL, no
// -region), after a kill during the study's compile phase; then a cleanup that is itself
// killed while it waits for the job it stopped, and run again: the second finishes the
// job (Cleanup is idempotent) and leaves no job, endpoint or S3 object.
func TestKilledDuringCompileThenKilledCleanupIsFinishedByASecondCleanup(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// A job compiles for 20 s and takes 5 s (a quarter) to stop: both kills land in the
	// middle, a few milliseconds after the job is seen in the state they wait for.
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithCompilationDelay(20*time.Second))
	defer srv.Close()
	bin := buildBinary(t)
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	run, _ := command(t, bin, srv, "-configs", "c5+neo", "-duration", "1s", "-journal", journal)
	log := startKill(t, run, func() bool { return jobIn(srv, sagemakertest.CompilationStarting, sagemakertest.CompilationInProgress) })
	require.NotEmpty(t, srv.Leftovers(), "a killed process cannot clean up: %s", log)
	require.NotEmpty(t, srv.Objects(), "the run had uploaded its archive: %s", log)

	first, _ := command(t, bin, srv, "-cleanup", journal)
	log = startKill(t, first, func() bool { return jobIn(srv, sagemakertest.CompilationStopping) })

	second, _ := command(t, bin, srv, "-cleanup", journal)
	out, err := second.CombinedOutput()
	require.NoError(t, err, "first cleanup:\n%s\nsecond:\n%s", log, out)
	assert.Contains(t, string(out), "cleanup of run")
	assert.Empty(t, srv.Leftovers(), "%s", out)
	assert.Empty(t, srv.CompilationJobs(), "%s", out)
	assert.Empty(t, srv.Objects(), "%s", out)
	assert.Empty(t, srv.MultipartUploads(), "%s", out)
}
