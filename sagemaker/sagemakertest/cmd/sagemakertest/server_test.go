package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary run the command instead of the tests, so
// that the server under test is a real child process running main.
const childEnv = "SAGEMAKERTEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Args = append([]string{"sagemakertest"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// child is a running sagemakertest process.
type child struct {
	URL string
	Env map[string]string // what the command said to export
	cmd *exec.Cmd
	out *bufio.Scanner
}

// startChild runs the command with args and waits for its readiness line.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	// TestMain hands the arguments to main before the testing package
	// parses any flag.
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &prefixWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{Env: map[string]string{}, cmd: cmd, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	for c.out.Scan() {
		line := c.out.Text()
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			c.Env[k] = v
		}
		if u, ok := strings.CutPrefix(line, "# ready "); ok {
			c.URL = u
			return c
		}
	}
	t.Fatalf("sagemakertest exited before its readiness line: %v", c.out.Err())
	return nil
}

// stop sends sig, waits for a clean exit and returns what the command
// reported at shutdown: leftovers and per-operation call counts.
func (c *child) stop(t *testing.T, sig os.Signal) (leftovers []string, calls map[string]int) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for c.out.Scan() {
		line := c.out.Text()
		if v, ok := strings.CutPrefix(line, "# leftovers "); ok {
			if err := json.Unmarshal([]byte(v), &leftovers); err != nil {
				t.Errorf("leftovers line %q: %v", line, err)
			}
		}
		if v, ok := strings.CutPrefix(line, "# calls "); ok {
			if err := json.Unmarshal([]byte(v), &calls); err != nil {
				t.Errorf("calls line %q: %v", line, err)
			}
		}
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("sagemakertest after %v: %v, want exit status 0", sig, err)
	}
	if calls == nil {
		t.Errorf("sagemakertest printed no '# calls' line at shutdown")
	}
	return leftovers, calls
}

// prefixWriter logs the child's stderr through the test.
type prefixWriter struct{ t *testing.T }

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Logf("sagemakertest stderr: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestCommandPrintsEnvironmentAndStopsOnSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			c := startChild(t, "-region", "us-west-2", "-fast")
			want := map[string]string{
				"AWS_ENDPOINT_URL": c.URL, "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2",
				"AWS_ACCESS_KEY_ID": "AKIDSAGEMAKERTEST", "AWS_SECRET_ACCESS_KEY": "sagemakertest-secret",
			}
			for k, v := range want {
				if c.Env[k] != v {
					t.Errorf("export %s=%q, want %q", k, c.Env[k], v)
				}
			}
			if !strings.HasPrefix(c.URL, "http://127.0.0.1:") {
				t.Errorf("URL %q, want http://127.0.0.1:<port>", c.URL)
			}
			left, calls := c.stop(t, sig)
			if len(left) != 0 || len(calls) != 0 {
				t.Errorf("idle server reported leftovers %v, calls %v; want none", left, calls)
			}
		})
	}
}

func TestCommandRejectsBadFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-profile", "ml.c5.huge=4x10ms"}, `instance type "ml.c5.huge" is not one SageMaker knows`},
		{[]string{"-profile", "ml.c5.xlarge=4"}, "want TYPE[+neo]=WORKERSxDEVICE"},
		{[]string{"-profile", "ml.c5.xlarge=0x10ms"}, `workers "0"`},
		{[]string{"-time-scale", "fast"}, `invalid value "fast" for flag -time-scale`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-time-scale", "-1"}, "-time-scale -1: want a finite number >= 0"},
		{[]string{"-time-scale", "NaN"}, "-time-scale NaN: want a finite number >= 0"},
		{[]string{"-time-scale", "+Inf"}, "-time-scale +Inf: want a finite number >= 0"},
		{[]string{"-endpoint-create", "-5s"}, "-endpoint-create -5s: want a duration >= 0"},
		{[]string{"-endpoint-delete", "-1ms"}, "-endpoint-delete -1ms: want a duration >= 0"},
		{[]string{"-compile", "-1s"}, "-compile -1s: want a duration >= 0"},
		{[]string{"-max-endpoints", "-3"}, "-max-endpoints -3: want a whole number >= 0"},
		{[]string{"-region", "Europe"}, `-region "Europe" is not an AWS region name`},
		{[]string{"-region", ""}, `-region "" is not an AWS region name`},
	}
	for _, c := range cases {
		var stderr strings.Builder
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if code := run(ctx, c.args, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run %q = %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
	var stderr strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if code := run(ctx, []string{"-addr", "256.0.0.1:1"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "cannot listen") {
		t.Errorf("bad -addr = %d, stderr %q; want 1 and cannot listen", code, stderr.String())
	}
}

// TestCommandStopsWhenItsParentDies starts the command through a shell, as
// go run starts it, kills the shell with SIGKILL (go run dies without passing
// a SIGTERM on) and expects the orphaned server to shut down cleanly.
func TestCommandStopsWhenItsParentDies(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to play go run's part:", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parent := exec.Command(sh, "-c", `"$0" "$@" & echo "# child $!"; wait`, os.Args[0], "-fast")
	parent.Env = append(os.Environ(), childEnv+"=1")
	parent.Stdout, parent.Stderr = w, w
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := r.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Skip("pipe without deadlines:", err)
	}
	out := bufio.NewScanner(r)
	pid := 0
	t.Cleanup(func() {
		if pid > 0 {
			if p, err := os.FindProcess(pid); err == nil { // only if the test failed: it has exited otherwise
				_ = p.Kill()
			}
		}
	})
	var lines []string
	expect := func(prefix string) string {
		t.Helper()
		for out.Scan() {
			lines = append(lines, out.Text())
			if v, ok := strings.CutPrefix(out.Text(), prefix); ok {
				return v
			}
		}
		t.Fatalf("no %q line (%v); output:\n%s", prefix, out.Err(), strings.Join(lines, "\n"))
		return ""
	}
	pid, _ = strconv.Atoi(expect("# child "))
	expect("# ready ")
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	expect("sagemakertest: parent process ")
	expect("# leftovers ")
	for out.Scan() {
	}
	if out.Err() != nil {
		t.Fatalf("orphaned server still running: %v", out.Err())
	}
	pid = 0
}

// call sends body as the JSON input of a SageMaker operation to the
// command's URL, as a client of the AWS JSON 1.1 protocol does, and returns
// the status and the error code (__type) it answered; a transport error
// (the server died) fails the test.
func (c *child) call(t *testing.T, op, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "SageMaker."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v (did the server die?)", op, err)
	}
	defer res.Body.Close()
	var out struct {
		Type string `json:"__type"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Type
}

// TestCommandSurvivesInstanceCountsBeyondInt32 sends the requests that
// killed the standalone server: an endpoint configuration with 2**61+1
// instances and an endpoint on it (the timer that provisioned it panicked
// with "makechan: size out of range", ending the process), and one with
// 2**62 (the worker count wrapped to 0, so the endpoint went InService and
// hung every invocation). Both configurations must be refused and the
// server must keep serving and exit cleanly.
func TestCommandSurvivesInstanceCountsBeyondInt32(t *testing.T) {
	t.Parallel()
	c := startChild(t, "-fast")
	model := `{"ModelName":"m","ExecutionRoleArn":"arn:aws:iam::123456789012:role/SageMakerRole","PrimaryContainer":{"Image":"` + image + `"}}`
	if status, code := c.call(t, "CreateModel", model); status != 200 {
		t.Fatalf("CreateModel: %d %s", status, code)
	}
	for i, count := range []string{"2305843009213693953", "4611686018427387904"} {
		name := fmt.Sprintf("huge-%d", i)
		config := `{"EndpointConfigName":"` + name + `","ProductionVariants":[{"VariantName":"v","ModelName":"m","InstanceType":"ml.c5.xlarge","InitialInstanceCount":` + count + `}]}`
		if status, code := c.call(t, "CreateEndpointConfig", config); status != 400 || code != "SerializationException" {
			t.Errorf("CreateEndpointConfig with %s instances: %d %s, want 400 SerializationException", count, status, code)
		}
		if status, _ := c.call(t, "CreateEndpoint", `{"EndpointName":"`+name+`","EndpointConfigName":"`+name+`"}`); status == 200 {
			t.Errorf("CreateEndpoint on the configuration with %s instances succeeded", count)
		}
	}
	// Any endpoint created above settles at once (-fast); poll until none
	// is Creating, so that a provisioning timer has run.
	deadline := time.Now().Add(time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodPost, c.URL+"/", strings.NewReader(`{"StatusEquals":"Creating"}`))
		req.Header.Set("X-Amz-Target", "SageMaker.ListEndpoints")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("ListEndpoints: %v (the server died)", err)
		}
		var out struct{ Endpoints []any }
		_ = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if len(out.Endpoints) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("endpoints still Creating after a minute")
		}
		time.Sleep(10 * time.Millisecond) // polling, as a harness does
	}
	if status, code := c.call(t, "DeleteModel", `{"ModelName":"m"}`); status != 200 {
		t.Errorf("DeleteModel: %d %s", status, code)
	}
	c.stop(t, os.Interrupt)
}
