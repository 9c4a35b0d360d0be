package loadjob

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/payload"
)

// Spec is what every worker of a job reads: the endpoint, the whole load (each shard
// takes its part with bench.Split), and where the barrier lives. It travels as a JSON
// file (a ProcessingInput), never in environment variables, whose values SageMaker
// caps at 256 characters.
type Spec struct {
	Endpoint string // the SageMaker endpoint to load
	Region   string // the endpoint's region; empty: the worker's own
	Accept   string // the Accept header of every request; empty sends none
	Shards   int    // how many workers share the load
	Load     Load

	// Barrier is the s3://bucket/prefix/ under which workers write ready/<i> and shard 0
	// writes go. Each run needs one of its own: a go already there is refused.
	Barrier string
	// ReadyTimeout bounds how long shard 0 waits for every shard to be ready (and the
	// others for its go); StartDelay is how far ahead of its go shard 0 sets the start.
	ReadyTimeout, StartDelay time.Duration
}

// Load is bench.Config on the wire: every field but Progress.
type Load struct {
	Concurrency int
	Rate        float64
	MaxBacklog  int
	Duration    time.Duration
	Requests    int64
	Warmup      time.Duration
	Timeout     time.Duration
	Payloads    []payload.Payload
	BatchSize   int
	Interval    time.Duration
}

// LoadOf is cfg on the wire.
func LoadOf(cfg bench.Config) Load {
	return Load{cfg.Concurrency, cfg.Rate, cfg.MaxBacklog, cfg.Duration, cfg.Requests, cfg.Warmup,
		cfg.Timeout, cfg.Payloads, cfg.BatchSize, cfg.Interval}
}

// Config is l as a bench.Config.
func (l Load) Config() bench.Config {
	return bench.Config{Concurrency: l.Concurrency, Rate: l.Rate, MaxBacklog: l.MaxBacklog, Duration: l.Duration,
		Requests: l.Requests, Warmup: l.Warmup, Timeout: l.Timeout, Payloads: l.Payloads, BatchSize: l.BatchSize,
		Interval: l.Interval}
}

// Default barrier bounds.
const (
	DefaultReadyTimeout = 10 * time.Minute
	DefaultStartDelay   = 3 * time.Second
)

func (s Spec) withDefaults() Spec {
	if s.ReadyTimeout <= 0 {
		s.ReadyTimeout = DefaultReadyTimeout
	}
	if s.StartDelay <= 0 {
		s.StartDelay = DefaultStartDelay
	}
	return s
}

// ReadSpec reads a Spec written by the driver.
func ReadSpec(path string) (Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("loadjob: reading the run spec: %w", err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return Spec{}, fmt.Errorf("loadjob: run spec %s: %w", path, err)
	}
	if s.Endpoint == "" || s.Shards < 1 || s.Barrier == "" {
		return Spec{}, fmt.Errorf("loadjob: run spec %s names no endpoint, shard count or barrier", path)
	}
	return s.withDefaults(), nil
}

// Shard is one worker's place in a job: shard I of N (0 <= I < N).
type Shard struct {
	I, N int
	// Host is the worker's host name where the engine gives one (SageMaker's
	// current_host), else "shard-<I>".
	Host string
	// From says where I and N came from.
	From string
}

// Environment variables the engines set with a worker's index.
const (
	EnvJobCompletionIndex = "JOB_COMPLETION_INDEX"      // Kubernetes Indexed Job
	EnvBatchArrayIndex    = "AWS_BATCH_JOB_ARRAY_INDEX" // AWS Batch array job
)

// FindShard learns which shard this worker is of n, in this order: flag (>= 0, from the
// -shard flag), Kubernetes' JOB_COMPLETION_INDEX, AWS Batch's AWS_BATCH_JOB_ARRAY_INDEX,
// then SageMaker's resourceconfig.json at resourceConfig (the position of current_host in
// the sorted hosts). The engine's count, where it gives one, must be n.
func FindShard(flag, n int, resourceConfig string, getenv func(string) string) (Shard, error) {
	check := func(s Shard) (Shard, error) {
		if s.I < 0 || s.I >= s.N || s.N != n {
			return Shard{}, fmt.Errorf("loadjob: shard %d of %d (from %s) does not fit the spec's %d shards", s.I, s.N, s.From, n)
		}
		if s.Host == "" {
			s.Host = "shard-" + strconv.Itoa(s.I)
		}
		return s, nil
	}
	if flag >= 0 {
		return check(Shard{I: flag, N: n, From: "the -shard flag"})
	}
	for _, env := range []string{EnvJobCompletionIndex, EnvBatchArrayIndex} {
		if v := getenv(env); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return Shard{}, fmt.Errorf("loadjob: %s=%q is not an index", env, v)
			}
			return check(Shard{I: i, N: n, From: env})
		}
	}
	b, err := os.ReadFile(resourceConfig)
	if err != nil {
		return Shard{}, fmt.Errorf("loadjob: no shard index: no -shard flag, no %s or %s, and %w",
			EnvJobCompletionIndex, EnvBatchArrayIndex, err)
	}
	var rc struct {
		CurrentHost string   `json:"current_host"`
		Hosts       []string `json:"hosts"`
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		return Shard{}, fmt.Errorf("loadjob: %s: %w", resourceConfig, err)
	}
	hosts := slices.Sorted(slices.Values(rc.Hosts))
	i := slices.Index(hosts, rc.CurrentHost)
	if i < 0 {
		return Shard{}, errors.New("loadjob: " + resourceConfig + ": current_host " + rc.CurrentHost + " is not among hosts")
	}
	return check(Shard{I: i, N: len(hosts), Host: rc.CurrentHost, From: resourceConfig})
}
