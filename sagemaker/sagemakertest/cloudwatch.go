package sagemakertest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// The CloudWatch client of aws-sdk-go-v2 (v1.75 and later) speaks Smithy RPC
// v2 CBOR: POST /service/GraniteServiceVersion20100801/operation/{Op} with a
// CBOR body, Smithy-Protocol: rpc-v2-cbor, and (the service being
// awsQueryCompatible) X-Amzn-Query-Mode: true, which asks for the awsQuery
// error code in X-Amzn-Query-Error. Other SDKs pick the service model's
// awsJson1_0 or awsQuery, served beside it (cloudwatch_protocols.go); only
// GetMetricData, the one call sagebench makes, is emulated.
const cwPathPrefix = "/service/GraniteServiceVersion20100801/operation/"

// cwPath extracts the operation from a CloudWatch RPC v2 path.
func cwPath(p string) (string, bool) {
	op, ok := strings.CutPrefix(p, cwPathPrefix)
	return op, ok && op != "" && !strings.Contains(op, "/")
}

// CloudWatchClient returns a CloudWatch client for the emulator, which serves
// GetMetricData for the metrics SageMaker publishes about endpoints (see
// [NamespaceInvocations] and [NamespaceInstances]), computed from what the
// runtime did: per request, as AWS defines them
// (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html),
// ModelLatency is the time from handing the request to the model container to
// its answer, so it includes the wait in the container's queue for a model
// worker (TorchServe's queue) besides the handler's work and the device time,
// and OverheadLatency is only what SageMaker's front end adds, here the
// emulator's own handling of the request (well under a millisecond on an idle
// machine; AWS's is typically a few milliseconds). Utilization comes from
// worker busy time. Metrics are published at once, the current minute
// included, so there is no delay to wait for. Inject AccessDenied with
// FailNext("GetMetricData", n, ErrAccessDenied()).
func (s *Server) CloudWatchClient(optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(s.Config(), optFns...)
}

// ErrAccessDenied returns the error AWS gives a caller whose IAM policy does
// not allow the call, for use with [Server.FailNext].
func ErrAccessDenied() *APIError {
	return &APIError{"AccessDenied", "User: arn:aws:iam::" + AccountID + ":user/sagemakertest is not authorized to perform this action", http.StatusForbidden}
}

func (s *Server) serveCloudWatch(w http.ResponseWriter, r *http.Request, op string) {
	if r.Method != http.MethodPost || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		s.count("cloudwatch:" + op)
		writeCBORError(w, &APIError{"InvalidAction", "sagemakertest: CloudWatch's RPC v2 path takes a POST with Smithy-Protocol: rpc-v2-cbor", http.StatusBadRequest})
		return
	}
	s.serveCloudWatchOp(w, r, op, cborProtocol)
}

// cwQuery is one MetricDataQuery with a MetricStat.
type cwQuery struct {
	id, label string
	key       metricKey
	period    int64
	stat      string
}

// getMetricData answers GetMetricData; in and the result are the input and
// output structures in CBOR's data model, into and out of which each
// protocol translates (see cloudwatch_protocols.go).
func (s *Server) getMetricData(in smithycbor.Map) (smithycbor.Map, *APIError) {
	start, err1 := smithycbor.AsTime(in["StartTime"])
	end, err2 := smithycbor.AsTime(in["EndTime"])
	if err1 != nil || err2 != nil {
		return nil, &APIError{"MissingParameter", "The parameters StartTime and EndTime are required.", http.StatusBadRequest}
	}
	if !end.After(start) {
		return nil, cwInvalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	raw, _ := in["MetricDataQueries"].(smithycbor.List)
	if len(raw) == 0 || len(raw) > 500 {
		return nil, cwInvalid("The collection MetricDataQueries must not be empty and must not be greater than 500.")
	}
	queries := make([]cwQuery, 0, len(raw))
	for i, q := range raw {
		cq, e := parseQuery(i, q)
		if e != nil {
			return nil, e
		}
		queries = append(queries, cq)
	}
	ascending := str(in["ScanBy"]) == "TimestampAscending"
	results := make(smithycbor.List, 0, len(queries))
	for _, q := range queries {
		results = append(results, s.metricResult(q, start, end, ascending))
	}
	return smithycbor.Map{"MetricDataResults": results, "Messages": smithycbor.List{}}, nil
}

func parseQuery(i int, v smithycbor.Value) (cwQuery, *APIError) {
	m, _ := v.(smithycbor.Map)
	q := cwQuery{id: str(m["Id"]), label: str(m["Label"])}
	if q.id == "" {
		return q, &APIError{"MissingParameter", fmt.Sprintf("The parameter MetricDataQueries.member.%d.Id is required.", i+1), http.StatusBadRequest}
	}
	if _, ok := m["Expression"]; ok {
		return q, cwInvalid("sagemakertest: metric math (query %s) is not emulated", q.id)
	}
	ms, ok := m["MetricStat"].(smithycbor.Map)
	if !ok {
		return q, cwInvalid("The parameter MetricDataQueries.member.%d.MetricStat is required.", i+1)
	}
	metric, _ := ms["Metric"].(smithycbor.Map)
	q.key.namespace, q.key.name = str(metric["Namespace"]), str(metric["MetricName"])
	dims, _ := metric["Dimensions"].(smithycbor.List)
	for _, d := range dims {
		dm, _ := d.(smithycbor.Map)
		switch str(dm["Name"]) {
		case "EndpointName":
			q.key.endpoint = str(dm["Value"])
		case "VariantName":
			q.key.variant = str(dm["Value"])
		}
	}
	period, err := smithycbor.AsInt64(ms["Period"])
	if err != nil || period <= 0 || period%cwMinute != 0 {
		return q, cwInvalid("The parameter MetricDataQueries.member.%d.MetricStat.Period must be a multiple of 60 (the emulator publishes 1-minute metrics only).", i+1)
	}
	q.period = period
	q.stat = str(ms["Stat"])
	if _, ok := statValue(q.stat, &agg{count: 1}); !ok {
		return q, cwInvalid("The parameter MetricDataQueries.member.%d.MetricStat.Stat has an invalid value %q.", i+1, q.stat)
	}
	if q.label == "" {
		q.label = q.key.name
	}
	return q, nil
}

// metricResult aggregates the minutes of q's metric into periods of q.period
// seconds aligned to the start time, as CloudWatch does.
func (s *Server) metricResult(q cwQuery, start, end time.Time, ascending bool) smithycbor.Map {
	from := start.Unix() / cwMinute * cwMinute
	to := end.Unix()
	periods := map[int64]*agg{}
	for minute, a := range s.metrics.series(q.key, from, to) {
		p := from + (minute-from)/q.period*q.period
		if periods[p] == nil {
			periods[p] = &agg{}
		}
		periods[p].merge(a)
	}
	stamps := make([]int64, 0, len(periods))
	for p := range periods {
		stamps = append(stamps, p)
	}
	slices.Sort(stamps)
	if !ascending {
		slices.Reverse(stamps)
	}
	ts, vs := smithycbor.List{}, smithycbor.List{}
	for _, p := range stamps {
		v, _ := statValue(q.stat, periods[p])
		ts = append(ts, &smithycbor.Tag{ID: 1, Value: smithycbor.Uint(p)})
		vs = append(vs, smithycbor.Float64(v))
	}
	return smithycbor.Map{
		"Id":         smithycbor.String(q.id),
		"Label":      smithycbor.String(q.label),
		"Timestamps": ts,
		"Values":     vs,
		"StatusCode": smithycbor.String("Complete"),
		"Messages":   smithycbor.List{},
	}
}

// statValue computes a CloudWatch statistic (Sum, SampleCount, Average,
// Minimum, Maximum or a percentile pNN.NN) of a; ok is false for a statistic
// it does not know. A percentile of a metric without a distribution is its
// maximum, the only percentile one datapoint a minute supports.
func statValue(stat string, a *agg) (v float64, ok bool) {
	switch stat {
	case "Sum":
		return a.sum, true
	case "SampleCount":
		return a.count, true
	case "Average":
		return a.sum / a.count, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	q, err := strconv.ParseFloat(strings.TrimPrefix(stat, "p"), 64)
	if !strings.HasPrefix(stat, "p") || err != nil || q < 0 || q > 100 || math.IsNaN(q) {
		return 0, false
	}
	if a.hist == nil {
		return a.max, true
	}
	return float64(a.hist.ValueAtQuantile(q)), true
}

func str(v smithycbor.Value) string {
	s, _ := v.(smithycbor.String)
	return string(s)
}

func cwInvalid(format string, args ...any) *APIError {
	return &APIError{"InvalidParameterValue", fmt.Sprintf(format, args...), http.StatusBadRequest}
}

// cwShapes are the shape names CloudWatch puts in __type for the awsQuery codes the
// emulator sends; any other code is sent as its own shape name.
var cwShapes = map[string]string{
	"InvalidParameterValue": "com.amazonaws.cloudwatch#InvalidParameterValueException",
	"MissingParameter":      "com.amazonaws.cloudwatch#MissingRequiredParameterException",
	"AccessDenied":          "com.amazon.coral.service#AccessDeniedException",
}

// writeCBORError writes e as an awsQueryCompatible RPC v2 CBOR service does:
// the modelled shape name in __type and the awsQuery code in
// X-Amzn-Query-Error, which the SDK reports as the error code.
func writeCBORError(w http.ResponseWriter, e *APIError) {
	shape, ok := cwShapes[e.Code]
	if !ok {
		shape = e.Code
	}
	fault := "Sender"
	if e.StatusCode >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("X-Amzn-Query-Error", e.Code+";"+fault)
	w.WriteHeader(e.StatusCode)
	_, _ = w.Write(smithycbor.Encode(smithycbor.Map{
		"__type":  smithycbor.String(shape),
		"message": smithycbor.String(e.Message),
	}))
}
