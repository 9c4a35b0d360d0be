package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// goClient runs steps with aws-sdk-go-v2 configured as a user would: the
// default config chain reading the environment the command printed, and S3
// with its default addressing (the SDK picks path style for an IP endpoint).
type goClient struct {
	sm      *sagemaker.Client
	clients map[string]reflect.Value
	files   string
}

func startGo(t *testing.T, c *child, files string) (client, string) {
	for k, v := range c.Env {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sm := sagemaker.NewFromConfig(cfg)
	return &goClient{sm: sm, files: files, clients: map[string]reflect.Value{
		"sagemaker":  reflect.ValueOf(sm),
		"runtime":    reflect.ValueOf(sagemakerruntime.NewFromConfig(cfg)),
		"s3":         reflect.ValueOf(s3.NewFromConfig(cfg)),
		"cloudwatch": reflect.ValueOf(cloudwatch.NewFromConfig(cfg)),
	}}, "default config chain, AWS_ENDPOINT_URL=" + c.URL
}

func (g *goClient) close() {}

func (g *goClient) run(ctx context.Context, s step) (outcome, error) {
	if waiter, ok := strings.CutPrefix(s.Op, "wait:"); ok {
		return g.wait(ctx, waiter, s.Params)
	}
	m := g.clients[s.Service].MethodByName(s.Op)
	if !m.IsValid() {
		return outcome{Unsupported: true}, nil
	}
	if s.Protocol != "" && s.Protocol != "smithy-rpc-v2-cbor" {
		return outcome{CannotSend: true}, nil
	}
	in := reflect.New(m.Type().In(1).Elem())
	params, blobs, err := splitFiles(s.Params, g.files)
	if err != nil {
		return outcome{}, err
	}
	raw, _ := json.Marshal(params)
	if err := json.Unmarshal(raw, in.Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") {
			return outcome{CannotSend: true}, nil // a number the SDK's type cannot hold (int32)
		}
		return outcome{}, fmt.Errorf("%s input %s: %w", s.Op, raw, err)
	}
	for name, b := range blobs {
		f := in.Elem().FieldByName(name)
		switch {
		case f.Kind() == reflect.Slice:
			f.SetBytes(b)
		case f.Kind() == reflect.Interface:
			f.Set(reflect.ValueOf(bytes.NewReader(b)))
		default:
			return outcome{}, fmt.Errorf("%s.%s cannot take a file", s.Op, name)
		}
	}
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	if err, _ := res[1].Interface().(error); err != nil {
		return apiOutcome(err)
	}
	return outcome{OK: true, Output: jsonOutput(res[0].Interface()), Status: 200}, nil
}

func (g *goClient) wait(ctx context.Context, waiter string, params map[string]any) (outcome, error) {
	in := &sagemaker.DescribeEndpointInput{}
	raw, _ := json.Marshal(params)
	if err := json.Unmarshal(raw, in); err != nil {
		return outcome{}, err
	}
	var err error
	switch waiter {
	case "endpoint_in_service":
		err = sagemaker.NewEndpointInServiceWaiter(g.sm, func(o *sagemaker.EndpointInServiceWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
		}).Wait(ctx, in, time.Minute)
	case "endpoint_deleted":
		err = sagemaker.NewEndpointDeletedWaiter(g.sm, func(o *sagemaker.EndpointDeletedWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
		}).Wait(ctx, in, time.Minute)
	default:
		return outcome{}, fmt.Errorf("no aws-sdk-go-v2 waiter %s", waiter)
	}
	if err != nil {
		return outcome{OK: false, Code: "WaiterError", Message: err.Error()}, nil
	}
	return outcome{OK: true, Output: map[string]any{}}, nil
}

// apiOutcome turns an SDK error into an outcome; a transport error is not
// an answer and fails the test.
func apiOutcome(err error) (outcome, error) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return outcome{}, err
	}
	o := outcome{Code: ae.ErrorCode(), Message: ae.ErrorMessage()}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		o.Status = re.HTTPStatusCode()
	}
	return o, nil
}

// jsonOutput renders an SDK output as the JSON the other clients print, a
// []byte Body as its JSON value.
func jsonOutput(out any) map[string]any {
	raw, _ := json.Marshal(out)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	if f := reflect.ValueOf(out).Elem().FieldByName("Body"); f.IsValid() && f.Kind() == reflect.Slice {
		m["Body"] = bodyValue(f.Bytes())
	}
	return m
}

func bodyValue(b []byte) any {
	var v any
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	return map[string]any{"$len": len(b)}
}

// splitFiles takes the top-level {"$file": name} parameters out of params
// and returns them as file contents by parameter name.
func splitFiles(params map[string]any, dir string) (map[string]any, map[string][]byte, error) {
	rest, blobs := map[string]any{}, map[string][]byte{}
	for k, v := range params {
		if name, ok := fileParam(v); ok {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return nil, nil, err
			}
			blobs[k] = b
			continue
		}
		rest[k] = v
	}
	return rest, blobs, nil
}

func fileParam(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	name, ok := m["$file"].(string)
	return name, ok
}

// boto3Client runs steps through testdata/boto3_runner.py, one JSON line
// per step.
type boto3Client struct{ *lineRunner }

func startBoto3(t *testing.T, c *child, files string) (client, string) {
	py := tool(t, "SAGEMAKERTEST_PYTHON", "python3", "-c", "import boto3")
	r, ready, err := startLineRunner(t, py, "testdata/boto3_runner.py", clientEnv(c), c.URL, files)
	if err != nil {
		t.Fatal(err)
	}
	return boto3Client{r}, py + ": " + string(ready)
}

func (b boto3Client) run(ctx context.Context, s step) (outcome, error) {
	line, err := b.call(map[string]any{"service": s.Service, "op": s.Op, "params": s.Params})
	if err != nil {
		return outcome{}, err
	}
	var o outcome
	return o, json.Unmarshal(line, &o)
}

// cliClient runs each step as one AWS CLI command, one flag per member, as a
// shell harness would. When a Python that runs the aws program's own AWS CLI
// is found (its version line is the one aws --version prints), the commands
// run through testdata/awscli_runner.py, one process of that Python that runs
// each command through the CLI's own entry point, instead of one process each
// (about a second of CPU saved per step); otherwise each is an aws process.
type cliClient struct {
	aws, url, files, tmp string
	env                  []string
	runner               *lineRunner // nil: one aws process per command
}

func startCLI(t *testing.T, c *child, files string) (client, string) {
	aws := tool(t, "SAGEMAKERTEST_AWS", "aws", "--version")
	out, _ := exec.Command(aws, "--version").CombinedOutput()
	version := strings.TrimSpace(string(out))
	cli := &cliClient{aws: aws, url: c.URL, files: files, tmp: t.TempDir(), env: clientEnv(c)}
	// The aws script's own interpreter, else the Pythons the test knows of.
	var pythons []string
	for _, py := range []string{pythonOf(aws), os.Getenv("SAGEMAKERTEST_PYTHON"), "python3"} {
		if py, err := exec.LookPath(py); py != "" && err == nil && !slices.Contains(pythons, py) {
			pythons = append(pythons, py)
		}
	}
	for _, py := range pythons {
		r, ready, err := startLineRunner(t, py, "testdata/awscli_runner.py", cli.env)
		if err != nil {
			continue // this Python has no AWS CLI
		}
		var v struct{ Version string }
		if json.Unmarshal(ready, &v) != nil || v.Version != version {
			r.close() // another AWS CLI than aws
			continue
		}
		cli.runner = r
		return cli, aws + ": " + version + " (run in one process of " + py + " by awscli_runner.py)"
	}
	return cli, aws + ": " + version + " (one process per command: no Python found that runs this AWS CLI)"
}

// pythonOf returns the interpreter of a Python script's "#!" line, or "" when
// path is not a Python script.
func pythonOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) != 1 || !strings.Contains(filepath.Base(fields[0]), "python") {
		return ""
	}
	return fields[0]
}

func (c *cliClient) close() {
	if c.runner != nil {
		c.runner.close()
	}
}

// exec runs aws with args and returns what it printed; err is non-nil when it
// exits with a non-zero status.
func (c *cliClient) exec(ctx context.Context, args []string) (stdout, stderr []byte, err error) {
	if c.runner == nil {
		cmd := exec.CommandContext(ctx, c.aws, args...)
		cmd.Env = c.env
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		return o.Bytes(), e.Bytes(), err
	}
	line, err := c.runner.call(args)
	if err != nil {
		return nil, nil, err
	}
	var res struct {
		RC             int
		Stdout, Stderr string
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return nil, nil, fmt.Errorf("awscli_runner.py answered %q: %v", line, err)
	}
	if res.RC != 0 {
		err = fmt.Errorf("exit status %d", res.RC)
	}
	return []byte(res.Stdout), []byte(res.Stderr), err
}

// lineRunner is a Python process that answers one JSON line on stdout for
// each JSON line it reads on stdin.
type lineRunner struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startLineRunner starts py script with env and returns it with the first
// line it prints.
func startLineRunner(t *testing.T, py, script string, env []string, args ...string) (*lineRunner, []byte, error) {
	cmd := exec.Command(py, append([]string{script}, args...)...)
	cmd.Env = env
	cmd.Stderr = &prefixWriter{t: t}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	r := &lineRunner{cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	r.out.Buffer(nil, 16<<20)
	if !r.out.Scan() {
		r.close()
		return nil, nil, fmt.Errorf("%s did not start: %v", script, r.out.Err())
	}
	return r, r.out.Bytes(), nil
}

// call sends v as one JSON line and returns the answer line.
func (r *lineRunner) call(v any) ([]byte, error) {
	line, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if _, err := r.in.Write(append(line, '\n')); err != nil {
		return nil, err
	}
	if !r.out.Scan() {
		return nil, fmt.Errorf("%s stopped: %v", r.cmd.Args[1], r.out.Err())
	}
	return r.out.Bytes(), nil
}

func (r *lineRunner) close() {
	_ = r.in.Close()
	_ = r.cmd.Wait()
}

var cliService = map[string]string{"sagemaker": "sagemaker", "runtime": "sagemaker-runtime", "s3": "s3api", "cloudwatch": "cloudwatch"}

// cliError is how the CLI reports a service error on stderr.
var cliError = regexp.MustCompile(`An error occurred \(([^)]+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)`)

func (c *cliClient) run(ctx context.Context, s step) (outcome, error) {
	if s.Protocol != "" || s.NotCLI {
		return outcome{CannotSend: true}, nil // the CLI speaks the protocol it picks; see NotCLI
	}
	args := []string{"--endpoint-url", c.url, "--output", "json", "--no-paginate", cliService[s.Service]}
	outfile := ""
	if waiter, ok := strings.CutPrefix(s.Op, "wait:"); ok {
		args = append(args, "wait", strings.ReplaceAll(waiter, "_", "-"))
		for k, v := range s.Params {
			args = append(args, "--"+kebab(k), fmt.Sprint(v))
		}
	} else {
		args = append(args, kebab(s.Op))
		for k, v := range s.Params {
			args = append(args, "--"+kebab(k), c.value(s, v))
		}
		if s.Op == "InvokeEndpoint" {
			outfile = filepath.Join(c.tmp, "invoke-output")
			args = append(args, outfile)
		}
	}
	stdout, stderrB, err := c.exec(ctx, args)
	if err != nil {
		stderr := string(stderrB)
		if strings.Contains(stderr, "Invalid choice: '"+kebab(s.Op)+"'") {
			return outcome{Unsupported: true}, nil
		}
		if m := cliError.FindStringSubmatch(stderr); m != nil {
			return outcome{Code: m[1], Message: strings.TrimSpace(m[2])}, nil
		}
		if strings.Contains(stderr, "Parameter validation failed") { // refused before sending
			return outcome{Code: "ParamValidationError", Message: stderr}, nil
		}
		if strings.HasPrefix(s.Op, "wait:") && strings.Contains(stderr, "Waiter") {
			return outcome{Code: "WaiterError", Message: stderr}, nil
		}
		return outcome{}, fmt.Errorf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	o := outcome{OK: true, Output: map[string]any{}}
	if b := bytes.TrimSpace(stdout); len(b) > 0 {
		if err := json.Unmarshal(b, &o.Output); err != nil {
			return outcome{}, fmt.Errorf("aws %s printed %q: %v", s.Op, b, err)
		}
	}
	if outfile != "" {
		body, err := os.ReadFile(outfile)
		if err != nil {
			return outcome{}, err
		}
		o.Output["Body"] = bodyValue(body)
	}
	return o, nil
}

// value renders a member as a CLI flag value: strings and numbers as they
// are, structures and lists as JSON, files as fileb:// (a plain path for
// S3's streaming bodies).
func (c *cliClient) value(s step, v any) string {
	if name, ok := fileParam(v); ok {
		if s.Service == "s3" {
			return filepath.Join(c.files, name)
		}
		return "fileb://" + filepath.Join(c.files, name)
	}
	switch v.(type) {
	case string, int, float64:
		return fmt.Sprint(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// kebab turns an API name into the CLI's: CreateEndpointConfig ->
// create-endpoint-config.
func kebab(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
