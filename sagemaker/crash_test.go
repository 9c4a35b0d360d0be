package sagemaker_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// buildCrashrun builds the test helper that a test kills mid-run.
func buildCrashrun(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the helper with")
	}
	bin := filepath.Join(t.TempDir(), "crashrun")
	out, err := exec.Command(gobin, "build", "-o", bin, "./internal/crashrun").CombinedOutput()
	if err != nil {
		t.Fatalf("building crashrun: %v\n%s", err, out)
	}
	return bin
}

// TestSIGKILLMidRunCleansUpFromJournalOrTags runs a real process that deploys,
// compiles or uploads against the emulator, kills it with SIGKILL (no defer, no
// signal handler runs) while the endpoint is Creating, the job is compiling or a
// multipart upload is in progress, and cleans up after it: from its journal, and
// with the journal deleted, by its run's tags. An upload in progress shows no tag,
// so only the journal can clean up after a kill mid-upload (see CleanupRun).
func TestSIGKILLMidRunCleansUpFromJournalOrTags(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs a helper process")
	}
	bin := buildCrashrun(t)
	for _, phase := range []string{"deploy", "compile", "both", "upload"} {
		for _, how := range []string{"journal", "tags"} {
			if phase == "upload" && how == "tags" {
				continue
			}
			t.Run(phase+"/"+how, func(t *testing.T) {
				t.Parallel()
				crashAndClean(t, bin, phase, how == "tags")
			})
		}
	}
}

func crashAndClean(t *testing.T, bin, phase string, byTag bool) {
	// Endpoints stay Creating for an hour: the kill lands mid-deploy whatever the
	// machine's load. A job compiles for 4s (its stop takes a quarter of that).
	srv := sagemakertest.NewServer(sagemakertest.WithEndpointDelays(time.Hour, time.Millisecond),
		sagemakertest.WithCompilationDelay(4*time.Second))
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, "unrelated/user-object", []byte("not the run's")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.journal")
	cmd := exec.Command(bin, "-url", srv.URL, "-region", srv.Region(), "-journal", path, "-phase", phase, "-bucket", testBucket)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	runID, ok := strings.CutPrefix(strings.TrimSpace(line), "run ")
	if err != nil || !ok {
		t.Fatalf("first line %q (%v), stderr %s", line, err, stderr.String())
	}

	// Wait on the emulator's state for the moment to kill.
	compiling := func() bool {
		jobs := srv.CompilationJobs()
		return len(jobs) == 1 && (jobs[0].Status == sagemakertest.CompilationStarting || jobs[0].Status == sagemakertest.CompilationInProgress)
	}
	deploying := func() bool {
		eps := srv.Endpoints()
		return len(eps) == 1 && eps[0].Status == sagemakertest.EndpointCreating
	}
	midway := func() bool {
		switch phase {
		case "deploy":
			return deploying()
		case "both": // a Client and a neo.Compiler writing one journal at once
			return deploying() && compiling()
		case "upload":
			// Once the journal holds the upload's id, parts (billed) may go. A kill
			// before that leaves an upload without parts, which stores and bills
			// nothing and which Cleanup cannot tell from another writer's.
			b, _ := os.ReadFile(path)
			return len(srv.MultipartUploads()) == 1 && bytes.Contains(b, []byte(`"op":"upload"`))
		}
		return compiling()
	}
	deadline := time.Now().Add(60 * time.Second)
	for !midway() {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // stderr is the helper's until it has exited
			killed = true
			t.Fatalf("the helper never got midway; stderr: %s", stderr.String())
		}
		time.Sleep(2 * time.Millisecond) // polling the emulator's state, not waiting for it
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	killed = true
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper exit: %v; want killed", err)
	}
	left := srv.Leftovers()
	if len(left) == 0 {
		t.Fatal("the kill left nothing behind, so the test proves nothing")
	}
	t.Logf("left by the killed run %s: %v", runID, left)

	opts := func(o *sagemaker.Options) {
		o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 50*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if byTag {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		err = sagemaker.CleanupRun(ctx, srv.Config(), runID, opts)
	} else {
		j, jerr := sagemaker.OpenJournal(path)
		if jerr != nil {
			t.Fatal(jerr)
		}
		defer j.Close()
		if j.RunID() != runID {
			t.Fatalf("journal run %s, helper said %s", j.RunID(), runID)
		}
		err = sagemaker.Cleanup(ctx, srv.Config(), j, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
	if jobs := srv.CompilationJobs(); len(jobs) != 0 {
		t.Errorf("compilation jobs left: %+v", jobs)
	}
	var keys []string
	for _, o := range srv.Objects() {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "unrelated/user-object" {
		t.Errorf("S3 objects after cleanup: %v; want only the user's own", keys)
	}
}
