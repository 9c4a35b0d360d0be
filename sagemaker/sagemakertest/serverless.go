package sagemakertest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Serverless endpoints, as "Deploy models with Amazon SageMaker Serverless Inference"
// (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html) and the API
// reference's ProductionVariantServerlessConfig describe them:
//
//   - A variant with a ServerlessConfig has no instance type or count: MemorySizeInMB
//     (1024 to 6144), MaxConcurrency (1 to 200) and, optionally, ProvisionedConcurrency
//     (1 to 200, at most MaxConcurrency).
//   - Each concurrent invocation runs in a container of its own. An invocation that finds
//     no idle container waits while a new one starts (a cold start): the first requests
//     after the endpoint is created, and every scale-up. SageMaker publishes the start-up
//     in ModelSetupTime (AWS/SageMaker, microseconds; "Alarms and logs for tracking metrics
//     from serverless endpoints",
//     https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-monitoring.html),
//     and the wait is in the request's OverheadLatency, which that page says includes the
//     cold start. Provisioned concurrency keeps that many containers warm from the start.
//   - ServerlessConcurrentExecutionsUtilization (same page: concurrent executions over
//     MaxConcurrency, no unit) is sampled as each invocation is admitted, itself counted.
//   - Invocations beyond MaxConcurrency in flight are throttled: ThrottlingException
//     (HTTP 400), not queued.
//   - The request payload is at most 4 MB ("Feature exclusions" and the endpoint quotas:
//     "Maximum payload size for serverless inference: 4 MB"), against 6 MB for
//     real-time endpoints.
//
// Emulation assumptions, which AWS does not document in figures: compute scales with
// memory (AWS: "your serverless endpoint ... is allocated compute resources proportional
// to the memory you select"); the emulator gives a container MemorySizeInMB/2048 vCPUs,
// the memory per vCPU of ml.c5.xlarge, and runs one request on all of them, so its device
// time is ml.c5.xlarge's per-worker time (one vCPU) times 2048/MemorySizeInMB: 4 GB is
// twice as fast as 2 GB. A container's start-up takes the setup time of
// WithServerlessSetupTime (default DefaultServerlessSetupTime, times WithTimeScale);
// containers, once started, stay warm while the endpoint lives, unless
// WithServerlessIdleTimeout reclaims those idle longer (AWS scales an idle endpoint down,
// after a time it does not give; provisioned containers are never reclaimed).

// MaxServerlessPayloadBytes is the largest request body a serverless endpoint accepts.
const MaxServerlessPayloadBytes = 4 << 20

// DefaultServerlessSetupTime is how long a serverless container takes to start before
// WithTimeScale; see WithServerlessSetupTime.
const DefaultServerlessSetupTime = time.Second

// serverlessReference is the instance type whose profile serverless compute scales from,
// and its memory per vCPU.
const (
	serverlessReference  = "ml.c5.xlarge"
	serverlessMBPerVCPU  = 2048
	serverlessMaxMemory  = 6144
	serverlessMinMemory  = 1024
	serverlessMaxConcurr = 200
)

// slsCfg is ProductionVariantServerlessConfig on the wire.
type slsCfg struct {
	MemorySizeInMB         int
	MaxConcurrency         int
	ProvisionedConcurrency int `json:",omitempty"`
}

// WithServerlessSetupTime sets how long a serverless container takes to start (a cold
// start), before WithTimeScale. Negative values are taken as zero.
func WithServerlessSetupTime(d time.Duration) Option {
	return func(o *options) { o.serverlessSetup = new(max(d, 0)) }
}

// WithServerlessIdleTimeout makes a serverless endpoint reclaim an on-demand container
// idle longer than d, so that the next request over the warm ones pays a cold start
// again. The default, 0, keeps containers warm while the endpoint lives.
func WithServerlessIdleTimeout(d time.Duration) Option {
	return func(o *options) { o.serverlessIdle = max(d, 0) }
}

// checkServerless records the constraint failures of variant i's ServerlessConfig.
func (v *violations) checkServerless(i int, c *slsCfg) {
	f := func(field string) string { return member("productionVariants", i, "slsCfg."+field) }
	v.between(f("memorySizeInMB"), c.MemorySizeInMB, serverlessMinMemory, serverlessMaxMemory)
	v.between(f("maxConcurrency"), c.MaxConcurrency, 1, serverlessMaxConcurr)
	if c.ProvisionedConcurrency != 0 {
		v.between(f("provisionedConcurrency"), c.ProvisionedConcurrency, 1, serverlessMaxConcurr)
	}
}

// serverlessVariantError is SageMaker's refusal of a serverless variant the field
// constraints let through, or nil.
func serverlessVariantError(config string, v variant) *APIError {
	c := v.ServerlessConfig
	switch {
	case v.InstanceType != "" || v.InitialInstanceCount != 0:
		return validation("Variant %q of endpoint configuration %q has both a ServerlessConfig and an instance type or count: specify one.", v.VariantName, config)
	case c.ProvisionedConcurrency > c.MaxConcurrency:
		return validation("ProvisionedConcurrency %d of variant %q must not be greater than MaxConcurrency %d.", c.ProvisionedConcurrency, v.VariantName, c.MaxConcurrency)
	}
	return nil
}

// serverlessPool is the serving side of a serverless variant: its containers.
type serverlessPool struct {
	s     *Server
	cfg   slsCfg
	setup time.Duration
	mu    sync.Mutex
	idle  time.Duration // reclaim containers idle longer; 0: never
	busy  int           // invocations in flight
	warm  int           // containers started (or starting)
	// idleSince holds when each idle on-demand container was last released, oldest
	// first; provisioned ones are not in it (they are never reclaimed).
	idleSince []time.Time
	starts    int // cold starts so far
}

// newServerlessPool provisions a serverless variant: MaxConcurrency workers, device time
// scaled by memory, ProvisionedConcurrency containers warm.
func (s *Server) newServerlessPool(dv deployedVariant, compiled bool) *pool {
	c := *dv.v.ServerlessConfig
	ref := s.profileFor(serverlessReference, compiled)
	device := time.Duration(float64(ref.DeviceTime) * serverlessMBPerVCPU / float64(c.MemorySizeInMB) * s.opts.timeScale)
	setup := DefaultServerlessSetupTime
	if s.opts.serverlessSetup != nil {
		setup = *s.opts.serverlessSetup
	}
	return &pool{
		slots:    make(chan struct{}, c.MaxConcurrency),
		device:   device,
		variant:  dv.v,
		count:    1,
		weight:   dv.v.weight(),
		image:    dv.container.Image,
		compiled: compiled,
		profile: Profile{Workers: c.MaxConcurrency, DeviceTime: device,
			Source: fmt.Sprintf("serverless %d MB: %s per vCPU x %d/%d (compute proportional to memory)", c.MemorySizeInMB, serverlessReference, serverlessMBPerVCPU, c.MemorySizeInMB)},
		sls: &serverlessPool{s: s, cfg: c, setup: time.Duration(float64(setup) * s.opts.timeScale),
			idle: s.opts.serverlessIdle, warm: c.ProvisionedConcurrency},
	}
}

// admit takes a serverless invocation of n bytes in: it refuses a body over 4 MB (413,
// as the runtime front end answers any oversized body) and throttles one beyond
// MaxConcurrency; it reports whether the invocation needs a new container. The caller
// calls release when the invocation is done.
func (sp *serverlessPool) admit(w http.ResponseWriter, n int, endpoint, variant string) (cold, ok bool) {
	if n > MaxServerlessPayloadBytes {
		writePayloadTooLarge(w, MaxServerlessPayloadBytes)
		return false, false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.busy >= sp.cfg.MaxConcurrency {
		writeRESTError(w, ErrThrottling(), nil)
		return false, false
	}
	now := time.Now()
	for sp.idle > 0 && len(sp.idleSince) > 0 && now.Sub(sp.idleSince[0]) > sp.idle {
		sp.idleSince = sp.idleSince[1:] // reclaimed
		sp.warm--
	}
	sp.busy++
	sp.s.metrics.put(endpoint, variant, NamespaceInvocations, "ServerlessConcurrentExecutionsUtilization",
		float64(sp.busy)/float64(sp.cfg.MaxConcurrency), false, time.Now())
	if sp.busy > sp.warm {
		sp.warm++
		sp.starts++
		return true, true
	}
	if sp.busy > sp.cfg.ProvisionedConcurrency && len(sp.idleSince) > 0 {
		sp.idleSince = sp.idleSince[:len(sp.idleSince)-1] // the most recently used is reused
	}
	return false, true
}

// release returns an invocation's container: an on-demand one becomes idle.
func (sp *serverlessPool) release() {
	sp.mu.Lock()
	if sp.busy > sp.cfg.ProvisionedConcurrency {
		sp.idleSince = append(sp.idleSince, time.Now())
	}
	sp.busy--
	sp.mu.Unlock()
}

// coldStart waits while a new container starts and publishes ModelSetupTime. It returns
// false if ctx or the server ended first.
func (sp *serverlessPool) coldStart(ctx context.Context, endpoint, variant string) bool {
	began := time.Now()
	if sp.setup > 0 {
		t := time.NewTimer(sp.setup)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		case <-sp.s.ctx.Done():
			return false
		}
	}
	sp.s.metrics.put(endpoint, variant, NamespaceInvocations, "ModelSetupTime", float64(time.Since(began).Microseconds()), true, time.Now())
	return true
}

// ColdStarts returns how many containers the serverless variant of endpoint has started,
// and false if the endpoint is not serving a serverless variant of that name.
func (s *Server) ColdStarts(endpoint, variant string) (int, bool) {
	s.mu.Lock()
	ep, ok := s.endpoints[endpoint]
	var sp *serverlessPool
	if ok {
		for _, p := range ep.serving {
			if p.variant.VariantName == variant && p.sls != nil {
				sp = p.sls
			}
		}
	}
	s.mu.Unlock()
	if sp == nil {
		return 0, false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.starts, true
}

// serverlessSummary is what DescribeEndpoint's ProductionVariantSummary says of a
// serverless variant: CurrentServerlessConfig and, while an update is pending,
// DesiredServerlessConfig.
type serverlessSummary struct {
	CurrentServerlessConfig *slsCfg `json:",omitempty"`
	DesiredServerlessConfig *slsCfg `json:",omitempty"`
}

func summarizeServerless(p *pool, pending []deployedVariant) serverlessSummary {
	s := serverlessSummary{CurrentServerlessConfig: p.variant.ServerlessConfig, DesiredServerlessConfig: p.variant.ServerlessConfig}
	for _, dv := range pending {
		if dv.v.VariantName == p.variant.VariantName {
			s.DesiredServerlessConfig = dv.v.ServerlessConfig
		}
	}
	return s
}

// put files one datapoint of a metric at t's minute.
func (m *metricStore) put(endpoint, variant, ns, name string, v float64, latency bool, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.addLocked(metricKey{endpoint, variant, ns, name}, t.Unix()/cwMinute*cwMinute, v, latency)
}
