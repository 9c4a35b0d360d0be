package sagemakertest_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// TestBoto3ReadsTheEmulatedMetrics checks the emulator's CloudWatch with boto3, whose
// botocore has its own RPC v2 CBOR implementation (the script narrows CloudWatch's model to
// that protocol, as botocore would otherwise pick AWS JSON): the figures it reads are what
// the runtime did, and an injected AccessDenied reaches it with its awsQuery code and 403.
// Skipped where python3 has no boto3, or a botocore without RPC v2 CBOR (Debian 12's
// 1.29.27, which .ci/run installs for the conformance test, predates it).
func TestBoto3ReadsTheEmulatedMetrics(t *testing.T) {
	t.Parallel()
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 with boto3 not available:", err)
	}
	probe := "import sys, botocore, botocore.serialize as s\n" +
		"if 'smithy-rpc-v2-cbor' not in s.SERIALIZERS: sys.exit('botocore ' + botocore.__version__ + ' has no smithy-rpc-v2-cbor serializer')"
	if out, err := exec.Command("python3", "-c", probe).CombinedOutput(); err != nil {
		t.Skipf("%s (%v)", strings.TrimSpace(string(out)), err)
	}
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "b3", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	img := sampleJPEG(t)
	start := time.Now()
	for range 5 {
		if _, err := invoke(ctxT(t), rt, "b3", img); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now()
	boto3 := func() map[string]any {
		t.Helper()
		cmd := exec.CommandContext(ctxT(t), "python3", "testdata/cloudwatch_boto3.py", srv.URL, "b3",
			fmt.Sprint(float64(start.UnixMilli())/1e3), fmt.Sprint(float64(end.UnixMilli())/1e3))
		cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				t.Fatalf("boto3: %v\n%s", err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("boto3 printed %q: %v", out, err)
		}
		return got
	}

	got := boto3()
	sums, _ := got["sums"].(map[string]any)
	if got["protocol"] != "smithy-rpc-v2-cbor" {
		t.Errorf("botocore spoke %v, not smithy-rpc-v2-cbor", got["protocol"])
	}
	if sums["Invocations"] != 5.0 || sums["InvocationModelErrors"] != 0.0 || sums["ModelLatency"] != 5.0 {
		t.Errorf("boto3 read %v, want 5 invocations, no errors, 5 latency samples", sums)
	}
	if cpu, _ := sums["CPUUtilization"].(float64); cpu <= 0 || cpu > 400 {
		t.Errorf("boto3 read CPUUtilization max %v, want within (0, 400]", sums["CPUUtilization"])
	}

	srv.FailNext("GetMetricData", 1, sagemakertest.ErrAccessDenied())
	if got := boto3(); got["error"] != "AccessDenied" || got["status"] != 403.0 {
		t.Errorf("boto3 after an injected AccessDenied: %v", got)
	}
}
