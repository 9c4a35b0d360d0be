package sagemakertest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fuzzRequest is one request of a fuzz input: its protocol (kind), the
// operation or endpoint (target) and the body.
type fuzzRequest struct {
	kind   byte
	target string
	body   []byte
}

// fuzzRequests splits a fuzz input into requests: each is a kind byte, a
// target up to '\n' and a body, and requests are separated by 0x00, so one
// input can create a model, a configuration on it and an endpoint on that.
func fuzzRequests(data []byte) []fuzzRequest {
	var rs []fuzzRequest
	for _, part := range bytes.Split(data, []byte{0}) {
		if len(part) == 0 {
			continue
		}
		kind, rest := part[0], part[1:]
		target, body, _ := bytes.Cut(rest, []byte("\n"))
		rs = append(rs, fuzzRequest{kind % 4, string(target), body})
	}
	return rs
}

// httpRequest builds the request as a client of its protocol sends it:
// 0 AWS JSON 1.1 (SageMaker) or 1.0 (CloudWatch) by X-Amz-Target, 1 Smithy
// RPC v2 CBOR by path, 2 awsQuery as a form, 3 the runtime's invocations.
func (f fuzzRequest) httpRequest() *http.Request {
	body := bytes.NewReader(f.body)
	var r *http.Request
	switch f.kind {
	case 0:
		r = httptest.NewRequest(http.MethodPost, "/", body)
		r.Header.Set("X-Amz-Target", f.target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	case 1:
		r = httptest.NewRequest(http.MethodPost, "/", body)
		r.URL.Path = cwPathPrefix + f.target
		r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		r.Header.Set("Content-Type", "application/cbor")
	case 2:
		r = httptest.NewRequest(http.MethodPost, "/", body)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		r = httptest.NewRequest(http.MethodPost, "/", body)
		r.URL.Path = "/endpoints/" + f.target + "/invocations"
		r.Header.Set("Content-Type", "image/jpeg")
	}
	return r
}

// maxFuzzAnswer bounds an answer: no input may make the emulator answer (or
// hold) more than the largest List page or image classification.
const maxFuzzAnswer = 1 << 20

// FuzzAPI drives the emulator's API handlers (SageMaker's JSON API,
// CloudWatch in its three protocols and the runtime) with arbitrary
// sequences of targets and bodies: no input may panic, in a handler or in a
// lifecycle timer, answer without an AWS error shape, or answer more than
// maxFuzzAnswer bytes. Inputs that once crashed the emulator are in
// testdata/fuzz/FuzzAPI and the seeds below.
//
//	go test -run '^$' -fuzz FuzzAPI -fuzztime 2m ./sagemaker/sagemakertest/
func FuzzAPI(f *testing.F) {
	model := "\x00SageMaker.CreateModel\n" + `{"ModelName":"m","ExecutionRoleArn":"arn:aws:iam::123456789012:role/R","PrimaryContainer":{"Image":"i"}}`
	config := func(count string) string {
		return "\x00\x00SageMaker.CreateEndpointConfig\n" + `{"EndpointConfigName":"c","ProductionVariants":[{"VariantName":"v","ModelName":"m","InstanceType":"ml.c5.xlarge","InitialInstanceCount":` + count + `}]}`
	}
	endpoint := "\x00\x00SageMaker.CreateEndpoint\n" + `{"EndpointName":"e","EndpointConfigName":"c"}`
	for _, seed := range []string{
		model + config("2305843009213693953") + endpoint,
		model + config("4611686018427387904") + endpoint + "\x00\x03e\nnot an image",
		model + config("1") + endpoint + "\x00\x00SageMaker.UpdateEndpointWeightsAndCapacities\n" + `{"EndpointName":"e","DesiredWeightsAndCapacities":[{"VariantName":"v","DesiredInstanceCount":-1}]}`,
		"\x00SageMaker.ListModels\n" + `{"NextToken":"eyJuIjoibSJ9","MaxResults":1}`,
		"\x00SageMaker.ListEndpoints\n" + `{"SortBy":"Status","NameContains":"\u00e9","CreationTimeAfter":1e308}`,
		"\x00GraniteServiceVersion20100801.GetMetricData\n" + `{"StartTime":0,"EndTime":1e300,"MetricDataQueries":[{"Id":"a","MetricStat":{"Metric":{"MetricName":"Invocations"},"Period":60,"Stat":"p99.9"}}]}`,
		"\x01GetMetricData\n\xbf\x69StartTime\xc1\x00\xff",
		"\x02\nAction=GetMetricData&Version=2010-08-01&StartTime=2020-01-01T00:00:00Z&EndTime=2021-01-01T00:00:00Z&MetricDataQueries.member.1.Id=a&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum",
		"\x02\nAction=GetMetricData&Version=2010-08-01&MetricDataQueries.member.99999999999.Id=a",
		"\x00SageMaker.CreateCompilationJob\n{}",
		"\x00SageMaker.AddTags\n" + `{"ResourceArn":"arn:aws:sagemaker:eu-west-1:123456789012:model/m","Tags":[{"Key":"k","Value":"v"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var mu sync.Mutex
		var panicked []any
		s := NewServer(WithEndpointDelays(0, 0), WithCompilationDelay(0), WithTimeScale(0))
		s.onTimerPanic = func(v any) { mu.Lock(); panicked = append(panicked, v); mu.Unlock() }
		defer s.Close()
		for _, req := range fuzzRequests(data) {
			w := httptest.NewRecorder()
			s.hs.Handler.ServeHTTP(w, req.httpRequest())
			if w.Body.Len() > maxFuzzAnswer {
				t.Fatalf("%q %q answered %d bytes", req.target, req.body, w.Body.Len())
			}
			// An API's error names its code (JSON and CBOR __type, XML
			// <Code>); what the router hands to S3 answers as gofakes3 does.
			api := w.Header().Get(requestIDHeader) != "" && req.kind != 3
			if w.Code >= 400 && api && !bytes.Contains(w.Body.Bytes(), []byte("__type")) && !strings.Contains(w.Body.String(), "<Code>") {
				t.Fatalf("%q %q answered %d without an AWS error shape: %q", req.target, req.body, w.Code, w.Body.String())
			}
		}
		// Let the lifecycle timers the input started run (every delay is
		// 0), then check that none of them panicked.
		s.timersRunning.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(panicked) > 0 {
			t.Fatalf("a lifecycle timer panicked: %v", panicked)
		}
	})
}
