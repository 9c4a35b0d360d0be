package main

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

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

// End to end, and no defect found (kept as a check of the promise): the README's first after-crash line, literally (-cleanup JOURNAL, no -region), after
// a kill during the study's compile phase; then a cleanup that is itself killed while
// it waits for the job it stopped, and run again: the second must finish the job
// (Cleanup is idempotent) and leave no job, endpoint or S3 object.
func TestReview3KilledDuringCompileThenKilledCleanupIsFinishedByASecondCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	// A job compiles for a minute and takes 15 s to stop: both kills land in the middle.
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"), sagemakertest.WithCompilationDelay(time.Minute))
	defer srv.Close()
	bin := buildBinary(t)
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	run, _ := command(t, bin, srv, "-configs", "c5+neo", "-duration", "1s", "-journal", journal)
	log := startKill(t, run, func() bool { return jobIn(srv, sagemakertest.JobStarting, sagemakertest.JobInProgress) })
	require.NotEmpty(t, srv.Leftovers(), "a killed process cannot clean up: %s", log)
	require.NotEmpty(t, srv.Objects(), "the run had uploaded its archive: %s", log)

	first, _ := command(t, bin, srv, "-cleanup", journal)
	log = startKill(t, first, func() bool { return jobIn(srv, sagemakertest.JobStopping) })

	second, _ := command(t, bin, srv, "-cleanup", journal)
	out, err := second.CombinedOutput()
	require.NoError(t, err, "first cleanup:\n%s\nsecond:\n%s", log, out)
	assert.Contains(t, string(out), "cleanup of run")
	assert.Empty(t, srv.Leftovers(), "%s", out)
	assert.Empty(t, srv.CompilationJobs(), "%s", out)
	assert.Empty(t, srv.Objects(), "%s", out)
	assert.Empty(t, srv.MultipartUploads(), "%s", out)
}
