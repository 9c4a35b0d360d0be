package serverside_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/serverside"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/cwmetrics"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// dropper claims every request but sends only three in four.
type dropper struct {
	inv bench.Invoker
	n   atomic.Int64
}

func (d *dropper) Invoke(ctx context.Context, p payload.Payload) error {
	if d.n.Add(1)%4 == 0 {
		return nil
	}
	return d.inv.Invoke(ctx, p)
}

// TestReportShowsTheSplitForEveryConfiguration runs three emulated configurations the way
// the Study does, one of them through a client that drops requests, and a fourth whose
// CloudWatch access is denied: the report's split table has a row for each, says the
// figures are emulated, flags the dropping client and says why the fourth is n/a.
func TestReportShowsTheSplitForEveryConfiguration(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The figures are the emulator's device times; its image preprocessing, tens of
	// milliseconds of CPU a request under -race (13 s for the 320 requests), is swapped
	// for a fixed answer: nothing here reads the predictions.
	srv := sagemakertest.NewServer(sagemakertest.WithTimeScale(0.2), sagemakertest.WithHandler(
		func(context.Context, string, []byte, string) ([]byte, error) {
			return []byte(`{"predictions":[{"class":1,"score":0.9}]}`), nil
		}))
	t.Cleanup(func() {
		if left := srv.Leftovers(); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
		srv.Close()
	})
	if err := srv.PutObject("models", "m/model.tar.gz", []byte("archive")); err != nil {
		t.Fatal(err)
	}
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.PollInterval = time.Millisecond
	})
	img, err := payload.SyntheticJPEG(224, 224, 1)
	if err != nil {
		t.Fatal(err)
	}
	cw := srv.CloudWatchClient()
	rep := report.New("split")
	for _, cand := range []struct {
		config, instanceType string
		drop, denied         bool
	}{
		{"c5", "ml.c5.xlarge", false, false},
		{"g4dn", "ml.g4dn.xlarge", false, false},
		{"g4dn-dropping", "ml.g4dn.xlarge", true, false},
		{"g4dn-denied", "ml.g4dn.xlarge", false, true},
	} {
		image, err := sagemaker.PyTorchImage(sagemaker.ImageSpec{Region: c.Region(), FrameworkVersion: "1.8.1", InstanceType: cand.instanceType})
		if err != nil {
			t.Fatal(err)
		}
		name := sagemaker.UniqueName(cand.config)
		ep, err := c.Deploy(ctx, sagemaker.ModelSpec{Name: name, Image: image, ModelDataURL: "s3://models/m/model.tar.gz",
			RoleARN: "arn:aws:iam::123456789012:role/SageMakerRole"},
			sagemaker.EndpointSpec{Name: name, InstanceType: cand.instanceType, InstanceCount: 1})
		if err != nil {
			t.Fatal(err)
		}
		var inv bench.Invoker = ep.Invoker()
		if cand.drop {
			inv = &dropper{inv: inv}
		}
		n := int64(64)
		if cand.drop {
			// 32 of 128 dropped: more than the 16 in flight the cross-check allows for.
			n = 128
		}
		res, err := bench.Run(ctx, inv, bench.Config{Concurrency: 16, Requests: n, Payloads: []payload.Payload{img}})
		if err != nil {
			t.Fatal(err)
		}
		if cand.denied {
			srv.FailNext("GetMetricData", 1, sagemakertest.ErrAccessDenied())
		}
		row := report.Row{Name: cand.config, InstanceType: cand.instanceType, Result: res, Provenance: report.Emulated}
		err = serverside.Fill(ctx, cw, &row, ep.Name, sagemaker.VariantName,
			serverside.Options{Fetch: []func(*cwmetrics.Options){func(o *cwmetrics.Options) { o.NoWait = true }}})
		if (err != nil) != cand.denied {
			t.Errorf("%s: Fill: %v", cand.config, err)
		}
		if err := ep.Delete(context.WithoutCancel(ctx)); err != nil {
			t.Error(err)
		}
		if s := row.Server; s != nil && !cand.drop && s.Invocations != res.Requests {
			t.Errorf("%s: server counted %d invocations, the client %d requests", cand.config, s.Invocations, res.Requests)
		}
		rep.Add(row)
	}

	md := rep.Markdown()
	_, split, ok := strings.Cut(md, "## Where the time goes")
	if !ok {
		t.Fatalf("no split table:\n%s", md)
	}
	for _, want := range []string{
		"| c5 |", "emulated CloudWatch, 64 invocations", "CPU ",
		"| g4dn |", "GPU ",
		"| g4dn-dropping |", "emulated CloudWatch, 96 invocations", "g4dn-dropping: the client counted 128 requests, the endpoint 96 invocations",
		"| g4dn-denied |", "n/a (no CloudWatch access: cloudwatch:GetMetricData denied)",
	} {
		if !strings.Contains(split, want) {
			t.Errorf("split table lacks %q:\n%s", want, split)
		}
	}
	for _, line := range strings.Split(split, "\n") {
		if strings.HasPrefix(line, "| c5 |") || strings.HasPrefix(line, "| g4dn |") {
			if cells := strings.Split(line, "|"); len(cells) < 5 || strings.TrimSpace(cells[4]) == "n/a" {
				t.Errorf("no model p50 in %q", line)
			}
		}
	}
	fmt.Println(split) // in -v output: the figures of a run on this machine
}
