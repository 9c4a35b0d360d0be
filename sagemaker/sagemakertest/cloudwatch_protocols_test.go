package sagemakertest_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// cwPost sends a CloudWatch request as a client of one protocol does and
// returns the status, headers and body.
func cwPost(t *testing.T, srv *sagemakertest.Server, header map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// TestGetMetricDataInEveryProtocol: CloudWatch's service model lists Smithy
// RPC v2 CBOR, awsJson1_0 and awsQuery, and each SDK picks the first it
// supports (botocore 1.37 and later JSON, older ones query); all three read
// the same figures and errors. Before, JSON clients got
// UnknownOperationException and query clients an S3 error.
func TestGetMetricDataInEveryProtocol(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0), sagemakertest.WithHandler(cheapHandler))
	deploy(t, srv, "proto", "ml.c5.xlarge", 1, nil)
	rt := srv.RuntimeClient()
	for range 3 {
		if _, err := invoke(ctxT(t), rt, "proto", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	start, end := time.Now().Add(-time.Hour).Truncate(time.Second), time.Now().Add(time.Minute).Truncate(time.Second)

	cbor, err := srv.CloudWatchClient().GetMetricData(ctxT(t), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(start), EndTime: aws.Time(end),
		MetricDataQueries: []cwtypes.MetricDataQuery{cwStat("n", sagemakertest.NamespaceInvocations, "Invocations", "proto", "Sum", 60)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sums(cbor)["n"]; got != 3 {
		t.Errorf("CBOR: Invocations %v, want 3", got)
	}

	jsonBody := `{"StartTime":` + strconv.FormatInt(start.Unix(), 10) + `,"EndTime":` + strconv.FormatInt(end.Unix(), 10) + `,
		"MetricDataQueries":[{"Id":"n","MetricStat":{"Metric":{"Namespace":"AWS/SageMaker","MetricName":"Invocations",
		"Dimensions":[{"Name":"EndpointName","Value":"proto"},{"Name":"VariantName","Value":"AllTraffic"}]},"Period":60,"Stat":"Sum"}}]}`
	jsonHeader := map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.GetMetricData", "Content-Type": "application/x-amz-json-1.0"}
	status, h, b := cwPost(t, srv, jsonHeader, jsonBody)
	var jout struct {
		MetricDataResults []struct {
			Id         string
			Timestamps []float64
			Values     []float64
			StatusCode string
		}
	}
	if err := json.Unmarshal(b, &jout); status != 200 || err != nil || len(jout.MetricDataResults) != 1 {
		t.Fatalf("JSON: %d %s (%v)", status, b, err)
	}
	if r := jout.MetricDataResults[0]; r.Id != "n" || r.StatusCode != "Complete" || len(r.Values) != 1 || r.Values[0] != 3 || r.Timestamps[0] != float64(cbor.MetricDataResults[0].Timestamps[0].Unix()) {
		t.Errorf("JSON: %+v, want the CBOR answer %+v", r, cbor.MetricDataResults[0])
	}
	if h.Get("Content-Type") != "application/x-amz-json-1.0" || h.Get("X-Amzn-Requestid") == "" {
		t.Errorf("JSON headers %v", h)
	}

	form := url.Values{
		"Action": {"GetMetricData"}, "Version": {"2010-08-01"},
		"StartTime": {start.UTC().Format(time.RFC3339)}, "EndTime": {end.UTC().Format(time.RFC3339)},
		"MetricDataQueries.member.1.Id":                                          {"n"},
		"MetricDataQueries.member.1.MetricStat.Metric.Namespace":                 {"AWS/SageMaker"},
		"MetricDataQueries.member.1.MetricStat.Metric.MetricName":                {"Invocations"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name":  {"EndpointName"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value": {"proto"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name":  {"VariantName"},
		"MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value": {"AllTraffic"},
		"MetricDataQueries.member.1.MetricStat.Period":                           {"60"},
		"MetricDataQueries.member.1.MetricStat.Stat":                             {"Sum"},
	}
	queryHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	status, _, b = cwPost(t, srv, queryHeader, form.Encode())
	var qout struct {
		Results []struct {
			Id         string   `xml:"Id"`
			Timestamps []string `xml:"Timestamps>member"`
			Values     []string `xml:"Values>member"`
		} `xml:"GetMetricDataResult>MetricDataResults>member"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(b, &qout); status != 200 || err != nil || len(qout.Results) != 1 {
		t.Fatalf("query: %d %s (%v)", status, b, err)
	}
	wantTS := cbor.MetricDataResults[0].Timestamps[0].UTC().Format("2006-01-02T15:04:05.000Z")
	if r := qout.Results[0]; r.Id != "n" || len(r.Values) != 1 || r.Values[0] != "3" || r.Timestamps[0] != wantTS || qout.RequestID == "" {
		t.Errorf("query: %+v (request %q), want Values [3] at %s and a request ID", r, qout.RequestID, wantTS)
	}

	// The same bad input, answered in each protocol's error shape.
	status, h, b = cwPost(t, srv, jsonHeader, `{"StartTime":10,"EndTime":5,"MetricDataQueries":[]}`)
	if status != 400 || h.Get("X-Amzn-Query-Error") != "InvalidParameterValue;Sender" || !strings.Contains(string(b), `"message":"The parameter StartTime must be less than the parameter EndTime."`) {
		t.Errorf("JSON error: %d %v %s", status, h, b)
	}
	form.Set("EndTime", start.Add(-time.Minute).UTC().Format(time.RFC3339))
	status, _, b = cwPost(t, srv, queryHeader, form.Encode())
	if status != 400 || !strings.Contains(string(b), "<Code>InvalidParameterValue</Code><Message>The parameter StartTime must be less than the parameter EndTime.</Message>") {
		t.Errorf("query error: %d %s", status, b)
	}
}
