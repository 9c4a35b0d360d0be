package cwmetrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

// Namespaces SageMaker publishes endpoint metrics in.
const (
	NamespaceInvocations = "AWS/SageMaker"
	NamespaceInstances   = "/aws/sagemaker/Endpoints"
)

// Resource names a utilization metric, as CloudWatch calls it.
type Resource string

// The utilization metrics of an endpoint's instances.
const (
	CPU       Resource = "CPUUtilization"
	Memory    Resource = "MemoryUtilization"
	GPU       Resource = "GPUUtilization"
	GPUMemory Resource = "GPUMemoryUtilization"
	Disk      Resource = "DiskUtilization"
)

// Resources lists every utilization metric Fetch asks for, in report order.
var Resources = []Resource{CPU, Memory, GPU, GPUMemory, Disk}

// DefaultDelay is how long Fetch waits, by default, after the window's last whole minute
// before it reads. SageMaker sends each minute's datapoints once the minute is over and
// CloudWatch makes them queryable after ingestion. AWS states no figure for that; 1-minute
// metrics are commonly queryable about 2 minutes after their minute (Datadog's guide to
// cloud metric delay says so of CloudWatch), and 3 minutes leaves a margin. Fetch does not
// check completeness itself: a datapoint still on its way looks like no traffic.
const DefaultDelay = 3 * time.Minute

// MaxDelay bounds Options.Delay, so that a typo cannot make a benchmark hang for an hour.
const MaxDelay = 15 * time.Minute

// Options configures Fetch, through the functions passed to it. Each zero field means its
// default.
type Options struct {
	// Delay is how long after the end of the window's last whole period the metrics are
	// taken to be complete; Fetch waits until then. At most MaxDelay; zero means
	// DefaultDelay.
	Delay time.Duration
	// NoWait makes Fetch read at once, for the emulator, which publishes every request
	// as it ends, the current minute included.
	NoWait bool
	// Progress, if set, is called when the wait starts and every ProgressInterval during
	// it (default 15 s, at least 1 s).
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Now is the clock (default time.Now); it decides the period and the wait.
	Now func() time.Time
}

// Progress reports the wait for complete metrics.
type Progress struct {
	Endpoint  string
	Waited    time.Duration
	Remaining time.Duration
}

// Latency is a server-side latency over the window. Count is the number of requests it
// describes; 0 means CloudWatch had no datapoint and the other fields are zero. A
// percentile is zero when CloudWatch has none for the metric (percentiles need the raw
// values, not only statistic sets).
type Latency struct {
	P50, P90, P99, Mean time.Duration
	Count               int64
}

// Utilization is a resource's utilization over the window in percent: the mean of the
// per-period averages and the highest per-period maximum.
type Utilization struct {
	Mean, Max float64
}

// EndpointMetrics is what CloudWatch says an endpoint's variant did over a window.
type EndpointMetrics struct {
	Endpoint, Variant string
	// Start and End are the window as queried: the measured window widened to whole
	// periods of Period.
	Start, End time.Time
	Period     time.Duration

	Invocations, Errors4XX, Errors5XX, ModelErrors int64

	ModelLatency, OverheadLatency Latency

	// Utilization holds the resources CloudWatch had datapoints for; a resource the
	// instance type does not have (GPU on ml.c5) is absent.
	Utilization map[Resource]Utilization

	// Messages are CloudWatch's notes on partial or missing data.
	Messages []string
}

// Fetch waits until the metrics of [start, end) are complete (see Options.Delay) and reads
// them for endpoint's variant with GetMetricData. An error from CloudWatch (AccessDenied
// without the cloudwatch:GetMetricData permission, a throttle that outlasted the SDK's
// retries) is returned wrapped; [Reason] turns it into a short "n/a" reason.
func Fetch(ctx context.Context, api cloudwatch.GetMetricDataAPIClient, endpoint, variant string, start, end time.Time, optFns ...func(*Options)) (*EndpointMetrics, error) {
	o := Options{ProgressInterval: 15 * time.Second, Now: time.Now}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 15 * time.Second
	}
	switch {
	case api == nil:
		return nil, errors.New("cwmetrics: no CloudWatch client")
	case endpoint == "" || variant == "":
		return nil, fmt.Errorf("cwmetrics: endpoint %q and variant %q must both be named", endpoint, variant)
	case !end.After(start):
		return nil, fmt.Errorf("cwmetrics: window %s to %s is empty", start.Format(time.RFC3339), end.Format(time.RFC3339))
	case o.Delay < 0 || o.Delay > MaxDelay:
		return nil, fmt.Errorf("cwmetrics: delay %v outside 0 to %v", o.Delay, MaxDelay)
	}
	if o.Delay == 0 {
		o.Delay = DefaultDelay
	}
	period, err := finestPeriod(start, o.Now())
	if err != nil {
		return nil, err
	}
	m := &EndpointMetrics{
		Endpoint: endpoint, Variant: variant, Period: period,
		Start: start.Truncate(period), End: ceil(end, period),
		Utilization: map[Resource]Utilization{},
	}
	if !o.NoWait {
		if err := wait(ctx, o, endpoint, m.End.Add(o.Delay)); err != nil {
			return nil, err
		}
	}
	if err := m.read(ctx, api); err != nil {
		return nil, fmt.Errorf("cwmetrics: GetMetricData for endpoint %s variant %s: %w", endpoint, variant, err)
	}
	return m, nil
}

// finestPeriod is the finest period CloudWatch still keeps for data from start.
func finestPeriod(start, now time.Time) (time.Duration, error) {
	const day = 24 * time.Hour
	switch age := now.Sub(start); {
	case age < 15*day:
		return time.Minute, nil
	case age < 63*day:
		return 5 * time.Minute, nil
	case age < 455*day:
		return time.Hour, nil
	}
	return 0, fmt.Errorf("cwmetrics: window starting %s is older than the 455 days CloudWatch keeps", start.Format(time.RFC3339))
}

func ceil(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); !c.Equal(t) {
		return c.Add(d)
	}
	return t
}

// wait blocks until ready, reporting progress, or until ctx is done.
func wait(ctx context.Context, o Options, endpoint string, ready time.Time) error {
	began := o.Now()
	left := ready.Sub(began)
	if left <= 0 {
		return nil
	}
	report := func() {
		if o.Progress != nil {
			now := o.Now()
			o.Progress(Progress{Endpoint: endpoint, Waited: now.Sub(began), Remaining: max(ready.Sub(now), 0)})
		}
	}
	report()
	done := time.NewTimer(left)
	defer done.Stop()
	tick := time.NewTicker(max(o.ProgressInterval, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("cwmetrics: waiting for complete metrics of %s: %w", endpoint, ctx.Err())
		case <-done.C:
			return nil
		case <-tick.C:
			report()
		}
	}
}

// Reason says in a few words why metrics are not available, for an "n/a (reason)" cell.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied", "AccessDeniedException":
			return "no CloudWatch access: cloudwatch:GetMetricData denied"
		}
		return "CloudWatch " + ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "not fetched: " + err.Error()
	}
	return err.Error()
}

// queries asks for the counts and utilization per period and the latencies over the
// whole window as one period.
func (m *EndpointMetrics) queries() []types.MetricDataQuery {
	whole := int32(m.End.Sub(m.Start) / time.Second)
	fine := int32(m.Period / time.Second)
	var q []types.MetricDataQuery
	add := func(id, ns, name, stat string, period int32) {
		q = append(q, types.MetricDataQuery{
			Id: aws.String(id), Label: aws.String(name + " " + stat),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{
					Namespace: aws.String(ns), MetricName: aws.String(name),
					Dimensions: []types.Dimension{
						{Name: aws.String("EndpointName"), Value: aws.String(m.Endpoint)},
						{Name: aws.String("VariantName"), Value: aws.String(m.Variant)},
					},
				},
				Period: aws.Int32(period), Stat: aws.String(stat),
			},
		})
	}
	for i, name := range countMetrics {
		add(fmt.Sprintf("c%d", i), NamespaceInvocations, name, "Sum", fine)
	}
	for i, name := range []string{"ModelLatency", "OverheadLatency"} {
		for j, stat := range latencyStats {
			add(fmt.Sprintf("l%d_%d", i, j), NamespaceInvocations, name, stat, whole)
		}
	}
	for i, r := range Resources {
		add(fmt.Sprintf("u%d_0", i), NamespaceInstances, string(r), "Average", fine)
		add(fmt.Sprintf("u%d_1", i), NamespaceInstances, string(r), "Maximum", fine)
	}
	return q
}

var (
	countMetrics = []string{"Invocations", "Invocation4XXErrors", "Invocation5XXErrors", "InvocationModelErrors"}
	latencyStats = []string{"p50", "p90", "p99", "Average", "SampleCount"}
)

// read runs the queries, following NextToken with the SDK's paginator.
func (m *EndpointMetrics) read(ctx context.Context, api cloudwatch.GetMetricDataAPIClient) error {
	values := map[string][]float64{}
	pages := cloudwatch.NewGetMetricDataPaginator(api, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(m.Start), EndTime: aws.Time(m.End),
		MetricDataQueries: m.queries(),
		ScanBy:            types.ScanByTimestampAscending,
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range out.MetricDataResults {
			id := aws.ToString(r.Id)
			values[id] = append(values[id], r.Values...)
			if r.StatusCode != types.StatusCodeComplete && r.StatusCode != "" {
				m.Messages = append(m.Messages, fmt.Sprintf("%s: %s", aws.ToString(r.Label), r.StatusCode))
			}
			for _, msg := range r.Messages {
				m.Messages = append(m.Messages, fmt.Sprintf("%s: %s", aws.ToString(r.Label), aws.ToString(msg.Value)))
			}
		}
		for _, msg := range out.Messages {
			m.Messages = append(m.Messages, aws.ToString(msg.Value))
		}
	}
	counts := []*int64{&m.Invocations, &m.Errors4XX, &m.Errors5XX, &m.ModelErrors}
	for i, c := range counts {
		*c = int64(math.Round(sum(values[fmt.Sprintf("c%d", i)])))
	}
	for i, l := range []*Latency{&m.ModelLatency, &m.OverheadLatency} {
		first := func(j int) float64 { return firstOf(values[fmt.Sprintf("l%d_%d", i, j)]) }
		if n := int64(math.Round(first(4))); n > 0 {
			*l = Latency{P50: us(first(0)), P90: us(first(1)), P99: us(first(2)), Mean: us(first(3)), Count: n}
		}
	}
	for i, r := range Resources {
		avg, peak := values[fmt.Sprintf("u%d_0", i)], values[fmt.Sprintf("u%d_1", i)]
		if len(avg) == 0 {
			continue
		}
		u := Utilization{Mean: sum(avg) / float64(len(avg))}
		for _, v := range peak {
			u.Max = max(u.Max, v)
		}
		m.Utilization[r] = u
	}
	return nil
}

func sum(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

// firstOf is the one datapoint of a whole-window query (0 without one).
func firstOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[0]
}

func us(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Microsecond))) }
