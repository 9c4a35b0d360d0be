package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// outcome is what a client made of one step, normalized to JSON values.
type outcome struct {
	OK      bool           `json:"ok"`
	Output  map[string]any `json:"output"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Status  int            `json:"status"` // 0 when the client does not tell
	// Unsupported says the client does not know the operation (an older
	// boto3 or CLI than the API); Skipped marks a step not run because of it.
	Unsupported bool `json:"unsupported"`
	// CannotSend says the client cannot send this step (its types cannot
	// hold the input, or it does not speak the step's Protocol); the
	// step is skipped, the operation is not marked unknown.
	CannotSend bool `json:"cannot_send"`
	Skipped    bool `json:"-"`
	// ModelErrors are what the answers of the step got wrong by the
	// client's service model (boto3 checks them, see
	// testdata/model_check.py).
	ModelErrors []string `json:"model_errors"`
}

// client runs steps against one server with one AWS client implementation.
type client interface {
	run(ctx context.Context, s step) (outcome, error)
	close()
}

// TestConformance runs the conformance script with boto3, the AWS CLI and
// aws-sdk-go-v2, each against its own sagemakertest process started as a
// real child, checks every step's answer, checks that the clients agree and
// that the script exercised every operation in sagemakertest.Operations().
// Without boto3 or the AWS CLI (python3-boto3, awscli) their part is skipped
// with a message, except in CI (CI set), where it fails.
func TestConformance(t *testing.T) {
	runs := runClients(t, script, testFiles(t))
	exercised := map[string]bool{}
	for _, name := range clientNames {
		r, ok := runs[name]
		if !ok {
			continue // skipped
		}
		for _, op := range append(sagemakertest.Operations(), "InvokeEndpoint") {
			switch {
			case r.calls[op] > 0:
				exercised[op] = true
			case r.unknown[op]:
				t.Logf("%s does not know %s: its steps were skipped", name, op)
			default:
				t.Errorf("%s was not exercised by %s; add its steps to script in steps_test.go", op, name)
			}
		}
	}
	// aws-sdk-go-v2 is in go.mod, so it knows every operation we emulate;
	// older boto3 and CLI releases may not.
	if _, ran := runs["aws-sdk-go-v2"]; ran {
		for _, op := range sagemakertest.Operations() {
			if !exercised[op] {
				t.Errorf("no client exercised %s", op)
			}
		}
	}
	t.Run("agree", func(t *testing.T) {
		if _, ok := runs["aws-sdk-go-v2"]; !ok || len(runs) < 2 {
			t.Skip("needs aws-sdk-go-v2 and at least one other client")
		}
		checkAgreement(t, script, runs)
	})
}

// clientNames are the clients the conformance tests run, aws-sdk-go-v2 (the
// reference the others must agree with) first.
var clientNames = []string{"aws-sdk-go-v2", "boto3", "aws-cli"}

// clientRun is what one client's run of a script gave: its outcomes, the
// operations it does not know, and the calls its server counted.
type clientRun struct {
	outcomes []outcome
	unknown  map[string]bool
	calls    map[string]int
}

// runClients runs script with each client in clientNames, each against its
// own sagemakertest process, all at once (a client spends most of its time
// waiting for the server's delays or starting requests), checks each step's
// answer and that the script leaves nothing behind, and returns the runs by
// client name; a client that is not installed is skipped and absent. t must
// not be parallel: aws-sdk-go-v2 reads the environment the server prints,
// which only such a test may set.
func runClients(t *testing.T, script []step, files string) map[string]clientRun {
	goServer := startChild(t, serverArgs...)
	goClient, goVersion := startGo(t, goServer, files)
	var mu sync.Mutex
	runs := map[string]clientRun{}
	t.Run("clients", func(t *testing.T) {
		// Each client's subtest is run from a goroutine of its own rather than marked
		// parallel, so that all three run at once whatever -parallel is (go test's
		// default is GOMAXPROCS: on 2 cores the third client would wait for the first).
		var wg sync.WaitGroup
		defer wg.Wait()
		for _, name := range clientNames {
			wg.Go(func() {
				t.Run(name, func(t *testing.T) {
					srv, c, version := goServer, goClient, goVersion
					switch name {
					case "boto3":
						srv = startChild(t, serverArgs...)
						c, version = startBoto3(t, srv, files)
					case "aws-cli":
						srv = startChild(t, serverArgs...)
						c, version = startCLI(t, srv, files)
					}
					defer c.close()
					t.Logf("%s: %s", name, version)
					var r clientRun
					r.outcomes, r.unknown = runScript(t, c, script)
					var left []string
					left, r.calls = srv.stop(t, os.Interrupt)
					if len(left) != 0 {
						t.Errorf("the script left %v behind", left)
					}
					mu.Lock()
					defer mu.Unlock()
					runs[name] = r
				})
			})
		}
	})
	return runs
}

// checkAgreement checks that every client's outcome of each step is the
// same as aws-sdk-go-v2's, except where either skipped the step.
func checkAgreement(t *testing.T, script []step, runs map[string]clientRun) {
	t.Helper()
	ref, ok := runs["aws-sdk-go-v2"]
	if !ok {
		return
	}
	for _, name := range clientNames {
		got := runs[name].outcomes
		for i := range min(len(ref.outcomes), len(got)) {
			a, b := summary(script[i], ref.outcomes[i]), summary(script[i], got[i])
			if a != b && !ref.outcomes[i].Skipped && !got[i].Skipped {
				t.Errorf("step %d %s: aws-sdk-go-v2 got %s, %s got %s", i, script[i].Op, a, name, b)
			}
		}
	}
}

// pollLimit bounds how long an Until step polls: far more than the server's
// delays (10 s at most) on a busy machine, far less than the test's timeout.
const pollLimit = time.Minute

// runScript runs every step, substituting saved values and polling Until
// steps, and checks each outcome; it returns the outcomes in step order and
// the operations the client does not know. A step the client cannot run (its
// operation, or the one it Requires, is unknown to the client) is skipped.
func runScript(t *testing.T, c client, script []step) ([]outcome, map[string]bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	vars := map[string]any{}
	unknown := map[string]bool{}
	var all []outcome
	for i, s := range script {
		s.Params = substitute(s.Params, vars).(map[string]any)
		label := fmt.Sprintf("step %d %s %s", i, s.Service, s.Op)
		if unknown[s.Requires] {
			all = append(all, outcome{Skipped: true})
			continue
		}
		var out outcome
		start := time.Now()
		giveUp := time.After(pollLimit)
		for {
			var err error
			if out, err = c.run(ctx, s); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			if s.Until == nil || !out.OK || matches(out.Output, s.Until) == "" {
				break
			}
			select {
			case <-giveUp:
				t.Fatalf("%s: still not %v after %v: %s", label, s.Until, pollLimit, matches(out.Output, s.Until))
			case <-time.After(50 * time.Millisecond): // a harness's polling interval
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Logf("%s took %v", label, d.Round(time.Second)) // e.g. a CLI waiter's 30 s delay
		}
		if s.NewMember != "" && !out.OK && out.Code == "ParamValidationError" &&
			strings.Contains(out.Message, "Unknown parameter") && strings.Contains(out.Message, s.NewMember) {
			t.Logf("%s: this client's model does not know %s: skipped", label, s.NewMember)
			out.CannotSend = true
		}
		if out.CannotSend {
			all = append(all, outcome{Skipped: true})
			continue
		}
		if out.Unsupported {
			unknown[s.Op] = true
			all = append(all, outcome{Skipped: true})
			continue
		}
		all = append(all, out)
		check(t, label, s, out)
		for name, path := range s.Save {
			vars[name] = lookup(out.Output, path)
		}
	}
	return all, unknown
}

func check(t *testing.T, label string, s step, out outcome) {
	t.Helper()
	for _, e := range out.ModelErrors {
		t.Errorf("%s: answer does not conform to the service model: %s", label, e)
	}
	if s.Err == nil {
		if !out.OK {
			t.Errorf("%s: %s (HTTP %d): %s; want success", label, out.Code, out.Status, out.Message)
		} else if diff := matches(out.Output, s.Want); diff != "" {
			t.Errorf("%s: %s", label, diff)
		}
		return
	}
	w := s.Err
	msgOK := out.Message == w.Message
	if sub, ok := strings.CutPrefix(w.Message, "~"); ok {
		msgOK = strings.Contains(out.Message, sub)
	}
	if out.OK || out.Code != w.Code || !msgOK || (out.Status != 0 && out.Status != w.Status) {
		t.Errorf("%s: got ok=%v %s (HTTP %d) %q\nwant %s (HTTP %d) %q", label, out.OK, out.Code, out.Status, out.Message, w.Code, w.Status, w.Message)
	}
}

// summary is what must be the same whichever client ran a step: success or
// the error's code and message, and the values the step checks.
func summary(s step, o outcome) string {
	if !o.OK {
		return "error " + o.Code + ": " + o.Message
	}
	var keys []string
	for k := range s.Want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("ok")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, normalize(lookup(o.Output, k)))
	}
	return b.String()
}

// matches returns "" when every path in want has its value in out, or what
// differs.
func matches(out map[string]any, want map[string]any) string {
	var diffs []string
	for path, w := range want {
		got := normalize(lookup(out, path))
		if !reflect.DeepEqual(got, normalize(w)) {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", path, got, w))
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}

// lookup follows a dot-separated path through JSON values; a final "#" asks
// for a list's length (0 for a missing list).
func lookup(v any, path string) any {
	path, length := strings.CutSuffix(path, "#")
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	if length {
		l, _ := v.([]any)
		return len(l)
	}
	return v
}

// normalize makes numbers comparable whatever their Go type.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return v
}

// substitute replaces "${name}" strings with saved values.
func substitute(v any, vars map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, vars)
		}
		return out
	case string:
		if name, ok := strings.CutPrefix(x, "${"); ok && strings.HasSuffix(name, "}") {
			return vars[strings.TrimSuffix(name, "}")]
		}
	case nil:
		return map[string]any{}
	}
	return v
}

// testFiles writes the files steps refer to as {"$file": name} into a
// temporary directory and returns it.
func testFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	jpeg, err := os.ReadFile("../../testdata/sample-224.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"sample.jpg":       jpeg,
		"model.tar.gz":     modelArchive,
		"not-an-image.txt": []byte("this is text, not an image\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tool finds an independent client: the program named by env, or name on
// PATH, and checks that probe runs. Without it the test is skipped with a
// message, or fails when CI is set: CI installs it (.ci/run).
func tool(t *testing.T, env, name string, probe ...string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = name
	}
	path, err := exec.LookPath(path)
	if err == nil {
		err = exec.Command(path, probe...).Run()
	}
	if err != nil {
		msg := fmt.Sprintf("%s is not usable (%v): install Debian's python3-boto3 and awscli (apt-get install python3-boto3 awscli), or set %s", name, err, env)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// clientEnv is the environment an independent client runs in: the
// emulator's, and nothing from the user's own AWS configuration.
func clientEnv(c *child) []string {
	env := []string{"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	for k, v := range c.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// paginatorCleanup is a cleanup loop as a harness writes it: boto3's
// ListModels paginator, deleting each model as it is listed. It prints how
// many models it deleted and how many are left.
const paginatorCleanup = `
import json, sys, boto3
sm = boto3.client("sagemaker", endpoint_url=sys.argv[1])
for i in range(150):
    sm.create_model(ModelName="m%03d" % i, ExecutionRoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
                    PrimaryContainer={"Image": "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"})
deleted = 0
for page in sm.get_paginator("list_models").paginate(PaginationConfig={"PageSize": 40}):
    for m in page["Models"]:
        sm.delete_model(ModelName=m["ModelName"])
        deleted += 1
print(json.dumps({"deleted": deleted, "left": len(sm.list_models()["Models"])}))
`

// TestBoto3PaginatorCleanupDeletesEveryModel runs a cleanup loop over
// boto3's paginator against the standalone server: all 150 models are
// deleted. Before, the offset tokens skipped the models that moved into the
// deleted ones' places (100 deleted, 50 left).
func TestBoto3PaginatorCleanupDeletesEveryModel(t *testing.T) {
	t.Parallel()
	py := tool(t, "SAGEMAKERTEST_PYTHON", "python3", "-c", "import boto3")
	srv := startChild(t, "-fast")
	cmd := exec.Command(py, "-c", paginatorCleanup, srv.URL)
	cmd.Env = clientEnv(srv)
	cmd.Stderr = &prefixWriter{t: t}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var got struct{ Deleted, Left int }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("printed %q: %v", out, err)
	}
	if got.Deleted != 150 || got.Left != 0 {
		t.Errorf("the cleanup loop deleted %d models and left %d; want 150 and 0", got.Deleted, got.Left)
	}
	if left, _ := srv.stop(t, os.Interrupt); len(left) != 0 {
		t.Errorf("leftovers %v", left)
	}
}
