package sagemakertest_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// cwStat is one MetricDataQuery on endpoint ep's AllTraffic variant.
func cwStat(id, ns, name, ep, stat string, period int32) cwtypes.MetricDataQuery {
	return cwtypes.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{
				Namespace: aws.String(ns), MetricName: aws.String(name),
				Dimensions: []cwtypes.Dimension{
					{Name: aws.String("EndpointName"), Value: aws.String(ep)},
					{Name: aws.String("VariantName"), Value: aws.String("AllTraffic")},
				},
			},
			Period: aws.Int32(period), Stat: aws.String(stat),
		},
	}
}

// sums adds up every datapoint of each result, by query id.
func sums(out *cloudwatch.GetMetricDataOutput) map[string]float64 {
	m := map[string]float64{}
	for _, r := range out.MetricDataResults {
		m[aws.ToString(r.Id)] += 0
		for _, v := range r.Values {
			m[aws.ToString(r.Id)] += v
		}
	}
	return m
}

// TestGetMetricDataIsWhatTheRuntimeDid sends requests through the real
// runtime client, some failing in the model, and checks every figure
// CloudWatch returns against what the client saw: counts exactly, server
// time inside client time, worker busy time within the model time.
func TestGetMetricDataIsWhatTheRuntimeDid(t *testing.T) {
	const device = 5 * time.Millisecond
	srv := newServer(t,
		sagemakertest.WithProfile("ml.c5.xlarge", false, sagemakertest.Profile{Workers: 2, DeviceTime: device}),
		sagemakertest.WithHandler(func(ctx context.Context, ep string, body []byte, ct string) ([]byte, error) {
			if string(body) == "fail" {
				return nil, errors.New("model crashed")
			}
			return []byte(`{}`), nil
		}))
	deploy(t, srv, "cw", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	start := time.Now()
	const clients, each, failing = 4, 10, 5
	var mu sync.Mutex
	var clientTotal time.Duration
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				body := []byte("ok")
				if c == 0 && i < failing {
					body = []byte("fail")
				}
				t0 := time.Now()
				_, err := invoke(ctxT(t), rt, "cw", body)
				d := time.Since(t0)
				if (err != nil) != (string(body) == "fail") {
					t.Errorf("invoke %s: %v", body, err)
				}
				mu.Lock()
				clientTotal += d
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	end := time.Now()

	cw := srv.CloudWatchClient()
	inv, ep := sagemakertest.NamespaceInvocations, sagemakertest.NamespaceInstances
	out, err := cw.GetMetricData(ctxT(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start.Add(-time.Minute)), EndTime: aws.Time(end.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			cwStat("inv", inv, "Invocations", "cw", "Sum", 60),
			cwStat("e4", inv, "Invocation4XXErrors", "cw", "Sum", 60),
			cwStat("e5", inv, "Invocation5XXErrors", "cw", "Sum", 60),
			cwStat("emodel", inv, "InvocationModelErrors", "cw", "Sum", 60),
			cwStat("nmodel", inv, "ModelLatency", "cw", "SampleCount", 60),
			cwStat("model", inv, "ModelLatency", "cw", "Sum", 60),
			cwStat("overhead", inv, "OverheadLatency", "cw", "Sum", 60),
			cwStat("minmodel", inv, "ModelLatency", "cw", "Minimum", 180),
			cwStat("cpu", ep, "CPUUtilization", "cw", "Average", 60),
			cwStat("gpu", ep, "GPUUtilization", "cw", "Average", 60),
			cwStat("other", inv, "Invocations", "no-such-endpoint", "Sum", 60),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := sums(out)
	n := float64(clients * each)
	for id, want := range map[string]float64{"inv": n, "e4": 0, "e5": failing, "emodel": failing, "nmodel": n, "gpu": 0, "other": 0} {
		if got[id] != want {
			t.Errorf("%s = %v, want %v", id, got[id], want)
		}
	}
	// The emulator's timers are corrected for lateness by up to 2 ms, so a
	// hold may end that much before its device time.
	if m := got["minmodel"]; m < float64((device - 2*time.Millisecond).Microseconds()) {
		t.Errorf("minimum ModelLatency %v us, want >= device time %v less 2 ms", m, device)
	}
	if server, client := got["model"]+got["overhead"], float64(clientTotal.Microseconds()); server > client {
		t.Errorf("ModelLatency+OverheadLatency summed to %v us, more than the %v us the client waited", server, client)
	}
	// CPUUtilization is per-minute busy worker time: summed over the minutes
	// and turned back into seconds it is at least every request's device time,
	// and at most the summed model time, which adds the wait in the
	// container's queue (to within the microsecond truncation of each latency).
	busy := got["cpu"] / 100 * 60 * 1e6
	if busy > got["model"]+n || busy < n*float64((device-2*time.Millisecond).Microseconds()) {
		t.Errorf("CPUUtilization says %v us of worker time, ModelLatency %v us, %v requests of %v", busy, got["model"], n, device)
	}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != cwtypes.StatusCodeComplete || len(r.Timestamps) != len(r.Values) {
			t.Errorf("%s: status %s, %d timestamps for %d values", aws.ToString(r.Id), r.StatusCode, len(r.Timestamps), len(r.Values))
		}
		for i, ts := range r.Timestamps {
			if ts.Unix()%60 != 0 || (i > 0 && !ts.Before(r.Timestamps[i-1])) {
				t.Errorf("%s: timestamps %v not whole minutes, newest first", aws.ToString(r.Id), r.Timestamps)
			}
		}
	}
}

// TestModelLatencyCountsQueueingInTheContainer holds the only worker with a
// request whose model work takes 30 ms once a second request has arrived, so
// the second one waits about 30 ms in the container's queue. As AWS defines
// the metrics, that wait is ModelLatency (time in the container); see
// TestRecordSplitsLatencyAsAWSDefinesIt for the exact split.
func TestModelLatencyCountsQueueingInTheContainer(t *testing.T) {
	const work = 30 * time.Millisecond
	var srv *sagemakertest.Server
	holding := make(chan struct{}) // closed once "first" holds the only worker
	srv = newServer(t,
		sagemakertest.WithProfile("ml.g4dn.xlarge", false, sagemakertest.Profile{Workers: 1}),
		sagemakertest.WithHandler(func(ctx context.Context, ep string, body []byte, ct string) ([]byte, error) {
			if string(body) == "first" {
				close(holding)
				for srv.Calls("InvokeEndpoint") < 2 {
					runtime.Gosched()
				}
				<-time.After(work) // the model's compute time, not a synchronization
			}
			return []byte(`{}`), nil
		}))
	deploy(t, srv, "q", "ml.g4dn.xlarge", 1, nil)
	rt := srv.RuntimeClient(noRetry)
	start := time.Now()
	var wg sync.WaitGroup
	for _, body := range []string{"first", "second"} {
		wg.Go(func() {
			if _, err := invoke(ctxT(t), rt, "q", []byte(body)); err != nil {
				t.Error(err)
			}
		})
		if body == "first" {
			<-holding // else "second" may take the worker first and never queue
		}
	}
	wg.Wait()
	out, err := srv.CloudWatchClient().GetMetricData(ctxT(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start.Add(-time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{
			cwStat("model", sagemakertest.NamespaceInvocations, "ModelLatency", "q", "Sum", 180),
			cwStat("gpu", sagemakertest.NamespaceInstances, "GPUUtilization", "q", "SampleCount", 60),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := sums(out)
	// first's 30 ms of work plus second's wait for it, which is nearly as long.
	if got["model"] < float64((3 * work / 2).Microseconds()) {
		t.Errorf("ModelLatency summed to %v us, want >= %v: the first request's work and the second's queueing", got["model"], 3*work/2)
	}
	if got["gpu"] < 1 {
		t.Errorf("no GPUUtilization datapoint for a g4dn endpoint")
	}
}

func TestGetMetricDataErrors(t *testing.T) {
	srv := newServer(t)
	cw := srv.CloudWatchClient(func(o *cloudwatch.Options) { o.RetryMaxAttempts = 1 })
	in := func(period int32, stat string) *cloudwatch.GetMetricDataInput {
		return &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now()),
			MetricDataQueries: []cwtypes.MetricDataQuery{
				cwStat("m", sagemakertest.NamespaceInvocations, "Invocations", "x", stat, period),
			},
		}
	}
	srv.FailNext("GetMetricData", 1, sagemakertest.ErrAccessDenied())
	_, err := cw.GetMetricData(ctxT(t), in(60, "Sum"))
	var re *smithyhttp.ResponseError
	if errorCode(err) != "AccessDenied" || !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Errorf("injected AccessDenied: got %v (code %q)", err, errorCode(err))
	}
	for _, tc := range []struct {
		period int32
		stat   string
	}{{45, "Sum"}, {60, "Median"}, {60, "p101"}} {
		_, err := cw.GetMetricData(ctxT(t), in(tc.period, tc.stat))
		var ipv *cwtypes.InvalidParameterValueException
		if !errors.As(err, &ipv) || errorCode(err) != "InvalidParameterValue" {
			t.Errorf("period %d stat %s: got %v, want InvalidParameterValueException with code InvalidParameterValue", tc.period, tc.stat, err)
		}
	}
	// An empty window of a metric never published is no error: no datapoints.
	out, err := cw.GetMetricData(ctxT(t), in(60, "p99"))
	if err != nil || len(out.MetricDataResults) != 1 || len(out.MetricDataResults[0].Values) != 0 {
		t.Errorf("metric without data: %+v, %v", out, err)
	}
}
