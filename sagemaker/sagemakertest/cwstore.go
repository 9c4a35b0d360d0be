package sagemakertest

import (
	"math"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// CloudWatch namespaces and metric names the emulator publishes, as SageMaker
// does for a real-time endpoint (dimensions EndpointName and VariantName).
const (
	// NamespaceInvocations holds Invocations, the error counts and the
	// latencies (microseconds).
	NamespaceInvocations = "AWS/SageMaker"
	// NamespaceInstances holds the utilization metrics (percent).
	NamespaceInstances = "/aws/sagemaker/Endpoints"
)

// cwMinute is the emulator's publishing period, SageMaker's standard one.
const cwMinute = int64(60)

// latencyMaxUS bounds the latency histograms: one hour, far beyond
// SageMaker's 60 s invocation timeout, so queueing in an overloaded emulator
// still fits.
const latencyMaxUS = int64(time.Hour / time.Microsecond)

// metricKey names one metric of one variant of one endpoint.
type metricKey struct {
	endpoint, variant, namespace, name string
}

// agg is what CloudWatch keeps of one metric over one minute: the statistic
// set and, for latencies, the distribution behind the percentiles.
type agg struct {
	sum, count, min, max float64
	hist                 *hdrhistogram.Histogram
}

func (a *agg) add(v float64) {
	if a.count == 0 || v < a.min {
		a.min = v
	}
	if a.count == 0 || v > a.max {
		a.max = v
	}
	a.sum += v
	a.count++
	if a.hist != nil {
		_ = a.hist.RecordValue(min(max(int64(math.Round(v)), 1), latencyMaxUS))
	}
}

func (a *agg) merge(b *agg) {
	if b.count == 0 {
		return
	}
	if a.count == 0 || b.min < a.min {
		a.min = b.min
	}
	if a.count == 0 || b.max > a.max {
		a.max = b.max
	}
	a.sum += b.sum
	a.count += b.count
	if b.hist != nil {
		if a.hist == nil {
			a.hist = newLatencyHist()
		}
		a.hist.Merge(b.hist)
	}
}

func newLatencyHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, latencyMaxUS, 3) }

// minuteUsage is the worker time one variant spent in one minute; it becomes
// the utilization datapoints of that minute when they are read.
type minuteUsage struct {
	busy    time.Duration
	workers int
	gpu     bool
}

// metricStore is the emulator's CloudWatch: per-minute aggregates of what the
// runtime did. The zero value is ready to use.
type metricStore struct {
	mu    sync.Mutex
	aggs  map[metricKey]map[int64]*agg
	usage map[[2]string]map[int64]*minuteUsage
}

// invocation is what the runtime records about one request that reached an
// endpoint's variant.
type invocation struct {
	endpoint, variant string
	instanceType      string
	workers           int
	arrived           time.Time // the request reached the emulator (SageMaker's front end)
	queued            time.Time // it was handed to the model container, whose queue it joined
	started, ended    time.Time // it held a model worker (zero if it never got one)
	done              time.Time // its answer was written
	status            int       // the model's status: 0 success, else the container's HTTP status
}

// record files one invocation under the minutes CloudWatch would: counts and
// latencies at the minute the request ended, worker time split over the
// minutes it spanned.
func (m *metricStore) record(in invocation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	minute := in.done.Unix() / cwMinute * cwMinute
	put := func(ns, name string, v float64, latency bool) {
		m.addLocked(metricKey{in.endpoint, in.variant, ns, name}, minute, v, latency)
	}
	// Every count is published each minute, zero or not, so Sum over a
	// window says 0 errors rather than nothing.
	put(NamespaceInvocations, "Invocations", 1, false)
	put(NamespaceInvocations, "Invocation4XXErrors", b2f(in.status >= 400 && in.status < 500), false)
	put(NamespaceInvocations, "Invocation5XXErrors", b2f(in.status >= 500), false)
	put(NamespaceInvocations, "InvocationModelErrors", b2f(in.status != 0), false)
	if in.started.IsZero() {
		return
	}
	// AWS's split (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html):
	// ModelLatency is "the interval of time taken by a model to respond as viewed from
	// SageMaker", which "includes the local communication times taken to send the request and
	// to fetch the response from the container of a model and the time taken to complete the
	// inference in the container", so the wait in the container's queue for a model worker
	// (TorchServe's job queue) is model time. OverheadLatency is "the interval of time added to
	// the time taken to respond to a client request by SageMaker overheads", from receiving the
	// request to returning the response less ModelLatency: here the emulator's own handling
	// (reading the body, validating headers, routing, writing the answer).
	model := in.ended.Sub(in.queued)
	overhead := in.done.Sub(in.arrived) - model
	put(NamespaceInvocations, "ModelLatency", float64(model.Microseconds()), true)
	put(NamespaceInvocations, "OverheadLatency", float64(max(overhead, 0).Microseconds()), true)
	m.addBusyLocked(in)
}

// addBusyLocked splits the worker time of in over the minutes it spans.
func (m *metricStore) addBusyLocked(in invocation) {
	vk := [2]string{in.endpoint, in.variant}
	if m.usage == nil {
		m.usage = map[[2]string]map[int64]*minuteUsage{}
	}
	byMin := m.usage[vk]
	if byMin == nil {
		byMin = map[int64]*minuteUsage{}
		m.usage[vk] = byMin
	}
	for from := in.started; from.Before(in.ended); {
		minute := from.Unix() / cwMinute * cwMinute
		to := time.Unix(minute+cwMinute, 0)
		if to.After(in.ended) {
			to = in.ended
		}
		u := byMin[minute]
		if u == nil {
			u = &minuteUsage{workers: max(in.workers, 1), gpu: hasGPU(in.instanceType)}
			byMin[minute] = u
		}
		u.busy += to.Sub(from)
		from = to
	}
}

// series returns the per-minute aggregates of k in [start, end), keyed by the
// minute's Unix second. Utilization metrics are derived from worker time:
// CPUUtilization counts each busy model worker as one busy vCPU (CloudWatch
// sums cores, so 4 busy workers read 400%); GPUUtilization, published for GPU
// instance types only, is the share of the workers busy (0-100%); one
// datapoint per minute, as SageMaker publishes them.
func (m *metricStore) series(k metricKey, start, end int64) map[int64]*agg {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]*agg{}
	if k.namespace == NamespaceInstances {
		for minute, u := range m.usage[[2]string{k.endpoint, k.variant}] {
			if minute < start || minute >= end {
				continue
			}
			pct := u.busy.Seconds() / float64(cwMinute) * 100
			switch k.name {
			case "CPUUtilization":
			case "GPUUtilization":
				if !u.gpu {
					continue
				}
				pct /= float64(u.workers)
			default:
				continue
			}
			a := &agg{}
			a.add(pct)
			out[minute] = a
		}
		return out
	}
	for minute, a := range m.aggs[k] {
		if minute >= start && minute < end {
			c := &agg{}
			c.merge(a)
			out[minute] = c
		}
	}
	return out
}

// hasGPU says whether SageMaker publishes GPU metrics for instanceType: the
// ml.g* and ml.p* families.
func hasGPU(instanceType string) bool {
	return strings.HasPrefix(instanceType, "ml.g") || strings.HasPrefix(instanceType, "ml.p")
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// invocationRecord collects one request's times while serveInvoke runs;
// finish files it.
type invocationRecord struct {
	invocation
	store *metricStore
}

// startInvocation begins the record of a request that arrived at arrived and is
// handed to p's container now.
func (s *Server) startInvocation(endpoint string, p *pool, arrived time.Time) *invocationRecord {
	return &invocationRecord{
		invocation: invocation{
			endpoint:     endpoint,
			variant:      p.variant.VariantName,
			instanceType: p.variant.InstanceType,
			workers:      cap(p.slots),
			arrived:      arrived,
			queued:       time.Now(),
		},
		store: &s.metrics,
	}
}

func (r *invocationRecord) finish() {
	r.done = time.Now()
	r.store.record(r.invocation)
}

// addLocked files v in k's aggregate of the minute starting at minute (Unix seconds),
// creating it (with a latency histogram if latency) on first use. m.mu is held.
func (m *metricStore) addLocked(k metricKey, minute int64, v float64, latency bool) {
	if m.aggs == nil {
		m.aggs = map[metricKey]map[int64]*agg{}
	}
	byMin := m.aggs[k]
	if byMin == nil {
		byMin = map[int64]*agg{}
		m.aggs[k] = byMin
	}
	a := byMin[minute]
	if a == nil {
		a = &agg{}
		if latency {
			a.hist = newLatencyHist()
		}
		byMin[minute] = a
	}
	a.add(v)
}
