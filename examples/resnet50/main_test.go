package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/study"
)

// noCredentials makes any attempt to load real AWS credentials fail: the dry run must not
// need them.
func noCredentials(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "sagebench-dry-run-test-no-such-profile")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
}

func dryRunOptions(t *testing.T) options {
	o := defaultOptions()
	o.dryRun, o.role, o.out = true, "", filepath.Join(t.TempDir(), "out")
	return o
}

// call is one printed dry-run line: "dry-run: <service> <Operation> <first argument> ...".
type call struct{ op, arg, line string }

var callLine = regexp.MustCompile(`^dry-run: (?:s3|sagemaker|sagemaker-runtime) (\w+) (\S+)`)

func calls(out string) []call {
	var cs []call
	for line := range strings.SplitSeq(out, "\n") {
		if m := callLine.FindStringSubmatch(line); m != nil {
			cs = append(cs, call{op: m[1], arg: strings.TrimPrefix(strings.TrimPrefix(m[2], "name="), "bucket="), line: line})
		}
	}
	return cs
}

func args(cs []call, op string) []string {
	var out []string
	for _, c := range cs {
		if c.op == op {
			out = append(out, c.arg)
		}
	}
	return out
}

// assertEveryCreateDeleted checks that each SageMaker resource and S3 object the run made
// was deleted, after it was made.
func assertEveryCreateDeleted(t *testing.T, cs []call) {
	t.Helper()
	pairs := map[string]string{
		"CreateModel": "DeleteModel", "CreateEndpointConfig": "DeleteEndpointConfig", "CreateEndpoint": "DeleteEndpoint",
		"CreateCompilationJob": "DeleteCompilationJob", "PutObject": "DeleteObject", "CompleteMultipartUpload": "DeleteObject",
	}
	created := map[string]int{}
	for i, c := range cs {
		if _, ok := pairs[c.op]; ok {
			created[c.op+" "+c.arg] = i
		}
	}
	for key, at := range created {
		op, arg, _ := strings.Cut(key, " ")
		idx := slices.IndexFunc(cs, func(d call) bool { return d.op == pairs[op] && d.arg == arg })
		if assert.GreaterOrEqual(t, idx, 0, "%s %s is never deleted", op, arg) {
			assert.Greater(t, idx, at, "%s %s is deleted before it is created", op, arg)
		}
	}
}

func TestDryRunMakesAndDeletesEveryResource(t *testing.T) {
	noCredentials(t)
	o := dryRunOptions(t)
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &stderr), stderr.String())
	out := stdout.String()
	cs := calls(out)

	for _, op := range []string{"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"} {
		assert.Len(t, args(cs, op), len(study.Configs), op)
	}
	for _, c := range study.Configs {
		assert.Regexp(t, `CreateEndpointConfig name=resnet50-`+regexp.QuoteMeta(study.Dashed(c.Label))+`-\S+ .*instance=`+regexp.QuoteMeta(c.InstanceType), out)
	}
	jobs := args(cs, "CreateCompilationJob")
	require.Len(t, jobs, 3)
	for _, target := range []string{"ml_c5", "ml_g4dn", "ml_inf1"} {
		assert.Contains(t, out, "target="+target)
	}
	assert.ElementsMatch(t, jobs, args(cs, "DeleteCompilationJob"))
	assert.Len(t, args(cs, "DeleteObject"), 4, "the model archive and three compiled artifacts")
	assertEveryCreateDeleted(t, cs)

	// Compiled configurations serve Neo's artifact; the others the uploaded archive.
	assert.Regexp(t, `CreateModel name=resnet50-inf1-neo-\S+ image=\S+sagemaker-neo-pytorch:1.7-inf-py3 data=s3://\S+/compiled/ml_inf1/model-ml_inf1.tar.gz`, out)
	assert.Regexp(t, `CreateModel name=resnet50-c5-2\S+ image=\S+pytorch-inference:1.7-cpu-py3 data=s3://sagemaker-eu-west-1-123456789012/\S+/model.tar.gz`, out)

	// One endpoint at a time: each is deleted before the next is created.
	var live int
	for _, c := range cs {
		switch c.op {
		case "CreateEndpoint":
			live++
			assert.Equal(t, 1, live, "two endpoints live at once: %s", c.line)
		case "DeleteEndpoint":
			live--
		}
	}

	assert.Contains(t, out, "teardown (dry-run")
	assert.NotContains(t, out, "NOT deleted")
	assert.NotContains(t, out+stderr.String(), "DRYRUN", "credentials are never printed")
	assert.NoDirExists(t, o.out, "a dry run writes no report")
}

// TestDryRunCtrlCDuringLoadStillTearsDown cancels the run while the first endpoint is under
// load, as Ctrl-C would: the endpoint, and everything else made so far, is deleted anyway.
func TestDryRunCtrlCDuringLoadStillTearsDown(t *testing.T) {
	noCredentials(t)
	o := dryRunOptions(t)
	o.configs = "c5+neo,g4dn"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOn{substr: "InvokeEndpoint", cancel: cancel}
	err := run(ctx, o, w, &bytes.Buffer{})
	require.ErrorIs(t, err, context.Canceled)

	cs := calls(w.String())
	assert.Len(t, args(cs, "CreateEndpoint"), 1, "nothing is deployed after Ctrl-C")
	assert.Len(t, args(cs, "DeleteEndpoint"), 1)
	assertEveryCreateDeleted(t, cs)
	assert.Contains(t, w.String(), "deleted         endpoint resnet50-c5-neo-")
}

func TestDryRunSweepOnASubset(t *testing.T) {
	noCredentials(t)
	o := dryRunOptions(t)
	o.configs, o.sweep, o.region = "c5,inf1+neo", true, "us-east-1"
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &stderr), stderr.String())
	cs := calls(stdout.String())
	assert.Len(t, args(cs, "CreateEndpoint"), 2)
	assert.Equal(t, []string{"sagemaker-us-east-1-123456789012"}, args(cs, "HeadBucket"))
	require.Len(t, args(cs, "CreateCompilationJob"), 1)
	assert.Contains(t, stdout.String(), "target=ml_inf1")
	assert.Contains(t, stderr.String(), "64 workers", "the sweep climbed the whole ladder")
	assertEveryCreateDeleted(t, cs)
}

func TestRunRefusesAboveTheCostBound(t *testing.T) {
	noCredentials(t)
	o := dryRunOptions(t)
	o.maxCost = 0.10
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), o, &stdout, &stderr)
	assert.ErrorContains(t, err, "-max-cost-usd")
	assert.Empty(t, calls(stdout.String()), "no call is made when the estimate is over the bound")
	assert.Contains(t, stderr.String(), "ml.inf1.xlarge")
}

func TestEstimate(t *testing.T) {
	o := defaultOptions()
	o.duration, o.warmup = 45*time.Minute, 0 // one hour per endpoint with the overhead
	chosen := []study.Config{study.Configs[0], study.Configs[2]}
	b, err := estimate(o, chosen, mustPrices(t, o.region, chosen))
	require.NoError(t, err)
	assert.InDelta(t, 0.23+0.821, b.high, 1e-9, "one hour of c5 and g4dn at the study's prices")

	o.sweep = true // 7 levels x 10 windows: the bound grows with the ladder
	s, err := estimate(o, chosen, mustPrices(t, o.region, chosen))
	require.NoError(t, err)
	assert.Greater(t, s.high, 50*b.high)
}

func TestRunRejectsBadFlags(t *testing.T) {
	noCredentials(t)
	for want, edit := range map[string]func(*options){
		"no role":                    func(o *options) { o.dryRun, o.model = false, "model.pth" },
		"no -model":                  func(o *options) { o.dryRun, o.role = false, "arn:aws:iam::111122223333:role/R" },
		`unknown configuration "p3"`: func(o *options) { o.configs = "c5,p3" },
		"not an IAM role ARN":        func(o *options) { o.role = "SageMakerRole" },
		"loads model.pth":            func(o *options) { o.model = "resnet.pt" },
		"-prices":                    func(o *options) { o.prices = "cheapest" },
		"-concurrency":               func(o *options) { o.concurrency = 0 },
	} {
		o := dryRunOptions(t)
		edit(&o)
		var stdout bytes.Buffer
		assert.ErrorContains(t, run(context.Background(), o, &stdout, &bytes.Buffer{}), want)
		for _, c := range calls(stdout.String()) {
			assert.NotContains(t, c.op, "Create", "%s: nothing is created", want)
		}
	}
}

func mustPrices(t *testing.T, region string, chosen []study.Config) *cost.Table {
	t.Helper()
	p, err := study.PriceTable("auto", region, chosen)
	require.NoError(t, err)
	return p
}

// cancelOn is a writer that cancels a context the first time it sees substr.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	substr string
	cancel func()
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(w.substr)) {
		w.cancel()
	}
	return w.buf.Write(p)
}

func (w *cancelOn) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
