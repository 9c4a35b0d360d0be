package sagebench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/internal/deliver"
	"github.com/sagebench/sagebench/internal/emuhint"
	"github.com/sagebench/sagebench/internal/resname"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
)

// Study is the whole question for one model: which of its Candidates gives the best
// price/performance? Run packs and uploads the model, compiles it once per Neo target,
// deploys the candidates MaxParallel at a time, measures each as soon as it is in
// service, deletes it at once, prices the results and recommends one.
//
// Model, RoleARN, Candidates, Load.Payloads and Prices are required; FrameworkVersion
// where an image or a Neo job needs it, InputShapes for Neo. Every other field's zero
// value has a useful default. Plan says, before any call, everything that is missing.
type Study struct {
	// Name prefixes every resource the study creates and its S3 keys ["sagebench"].
	Name string

	// Model is the model: LocalModel files to pack, or an S3Model archive.
	Model ModelSource
	// Framework, FrameworkVersion and InputShapes describe the model for Neo and pick
	// the serving image of uncompiled candidates [PyTorch]. FrameworkVersion is the
	// Python SDK's form ("1.8.1").
	Framework        neo.Framework
	FrameworkVersion string
	InputShapes      map[string][]int
	// NeoVersions overrides FrameworkVersion for the Neo jobs of some targets: Neo's
	// Inferentia images exist for PyTorch 1.7, 1.8 and 1.9 only, so ml_inf1 may need {"ml_inf1": "1.7"}.
	NeoVersions map[neo.Target]string
	// EntryPoint is the inference script in LocalModel.CodeDir [inference.py].
	EntryPoint string
	// CompileTimeout bounds each Neo job [neo.DefaultMaxRuntime; the study's inf1 job
	// needed about 1000 s].
	CompileTimeout time.Duration

	// RoleARN is the IAM role SageMaker assumes to read the model and write Neo's output.
	RoleARN string
	// Region overrides the aws.Config's region: every call of the study (SageMaker, Neo,
	// S3, CloudWatch) goes to it, and the images and bucket are resolved for it.
	Region string
	// Bucket holds the archive and Neo's output [sagemaker-{region}-{account of RoleARN},
	// created if missing, as the Python SDK's default_bucket does, and every call to it
	// expects that account as its owner].
	Bucket string

	// Candidates are what is measured; see Matrix.
	Candidates []Candidate

	// Load is how each endpoint is measured with bench.Run. Its Progress is replaced by
	// EventMeasuring events.
	Load bench.Config
	// LoadOn, if set, runs Load as a SageMaker Processing job in the endpoint's region
	// instead of in this process (see Processing); nil loads from here.
	LoadOn *Processing
	// Sweep, if set, measures each endpoint with bench.Sweep instead, Load as its step
	// (Plan refuses a set Sweep.Base, which Load replaces); the peak step is the
	// candidate's figure, and the server's figures are compared with the whole sweep. Its Progress, if set, is called as
	// bench.Sweep calls it (on a goroutine of its own, not Events'), beside the
	// EventMeasuring events, which get copies of its snapshots.
	Sweep *bench.SweepConfig
	// SLO is the latency objective a recommended candidate must meet.
	SLO *bench.SLO
	// TargetTPS, if > 0, asks how many instances of which candidate serve that many
	// inferences per second cheapest (cost.Cheapest, with Headroom spare).
	TargetTPS float64
	Headroom  float64
	// Check, if set, validates every answer (sagemaker.InvokerOptions.ResponseCheck); Accept is the
	// answer's MIME type [application/json].
	Check  func(body []byte, contentType string) error
	Accept string

	// Prices prices the results and the budget; set it (cost.Current, cost.Study2021, a
	// table of your own) to pin the prices of a report. Nil reads the region's prices from
	// AWS's public Price List (see PriceList and Study.PriceTable).
	Prices *cost.Table
	// PriceList says where a nil Prices is read from.
	PriceList PriceList
	// MaxCostUSD, if > 0, refuses a study whose estimated endpoint bill exceeds it, and
	// stops starting candidates when the running estimate would.
	MaxCostUSD float64
	// EndpointOverhead is the billed time of an endpoint beyond its load: creation and
	// deletion [15m, SageMaker's 5-10 minutes to create with a margin].
	EndpointOverhead time.Duration

	// MaxParallel bounds the endpoints alive at once [2].
	MaxParallel int
	// LimitBackoff is the longest wait before retrying a create refused by the account's
	// endpoint limit, unless one of the study's own endpoints is deleted first [1m]: the
	// wait doubles from 1s, with jitter, up to it. Only CreateEndpoint is sent again (the
	// model and configuration are kept), so a waiting candidate sends at most about 7
	// in its first minute and 2 per LimitBackoff after, plus one per endpoint of the
	// study deleted meanwhile. LimitWait bounds the total wait of one candidate [30m].
	LimitBackoff, LimitWait time.Duration

	// OutputDir, if set, receives each candidate's result as soon as it is measured;
	// a rerun with the same directory skips those already measured unless Rerun.
	OutputDir string
	Rerun     bool

	// KeepArtifacts keeps the S3 objects and compilation jobs (never endpoints).
	KeepArtifacts bool
	// Journal, if set, records every resource before it is created and after it is
	// deleted, so that sagemaker.Cleanup deletes what a crashed run left; its run id
	// tags and names them. Without one they are still tagged with a fresh run id
	// (Report.RunID), which sagemaker.CleanupRun finds.
	Journal *sagemaker.Journal
	// ServerMetrics configures the endpoint's own figures (CloudWatch), collected for
	// every measured candidate after its endpoint is deleted [on, cwmetrics.DefaultDelay];
	// set NoWait against the emulator.
	ServerMetrics ServerMetrics

	// Events, if set, receives progress: every event, in order, one call at a time, on a
	// goroutine of its own, so that a slow or blocked callback never delays the load, the
	// teardown or Run's return; events are thus delivered a little after they happen.
	// Only EventMeasuring snapshots are dropped when it falls behind, and Run waits a
	// bounded time for the rest (1s for a call that does not return, 10s after the
	// teardown). A panic in it cancels the run, and Run panics with it once everything is
	// deleted. The README ("Reports progress") has the details.
	Events func(Event)

	// SageMaker and Neo tune the clients the study builds (poll intervals, logging). The
	// clients stay in the study's region: an option that sets Options.Region is overridden.
	SageMaker []func(*sagemaker.Options)
	Neo       []func(*neo.Options)
}

func (s *Study) name() string       { return orDefault(s.Name, "sagebench") }
func (s *Study) entryPoint() string { return orDefault(s.EntryPoint, neo.DefaultEntryPoint) }
func (s *Study) framework() neo.Framework {
	if s.Framework == "" {
		return neo.PyTorch
	}
	return s.Framework
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// run is one execution of a study.
type run struct {
	s          *Study
	plan       *Plan
	client     *sagemaker.Client
	res        *resources
	bucket     string
	prefix     string // S3 key prefix of this run
	runID      string
	events     *deliver.Queue[Event] // nil without Study.Events
	compiled   map[neo.Target]*neo.CompiledModel
	compileErr map[neo.Target]error
	budget     budgetMeter
	stop       context.CancelFunc // cancels the run
	metricsNow bool               // the service publishes metrics at once (an emulator's aws.Config)
	panicMu    sync.Mutex
	panicked   any // the first panic of a user callback in a goroutine Run does not own
	cw         *cloudwatch.Client
	metrics    sync.WaitGroup // collectServer goroutines
	cfg        aws.Config     // Run's, for the load's processing job (loadon.go)
}

// catch, deferred in a user callback bench calls from its own goroutines (a Check, a
// Progress), recovers its panic so that it cannot kill the process before teardown:
// the run is canceled and Run panics with it after deleting everything.
func (r *run) catch() {
	if p := recover(); p != nil {
		r.catch1(p)
	}
}

// catch1 records the first recovered panic and cancels the run.
func (r *run) catch1(p any) {
	r.panicMu.Lock()
	if r.panicked == nil {
		r.panicked = p
	}
	r.panicMu.Unlock()
	r.stop()
}

// Run executes the study against the SageMaker that cfg reaches: AWS from
// config.LoadDefaultConfig, or an emulator's srv.Config(). It refuses bad input and a
// budget overrun before any call. Every resource it creates is deleted before it
// returns, on success, error, cancellation and panic; Report.Teardown says what was
// deleted and what could not be. Candidates that fail are in the report, not errors;
// the error is for the study as a whole (cancellation, a failed upload, a resource
// left behind), and the report is returned with it whenever one exists.
func (s *Study) Run(ctx context.Context, cfg aws.Config) (rep *Report, err error) {
	if s == nil {
		return nil, errNilStudy
	}
	if s.OutputDir != "" {
		unlock, err := lockOutputDir(ctx, s.OutputDir)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	s = s.priced(ctx, cfg) // prices.go: a nil Prices read once, for Plan and the report
	plan, err := s.Plan(cfg)
	if err != nil { // an *invalid.Error, or a *BudgetError
		return nil, err
	}
	// One region, decided by Plan, for every client below: images, bucket, journal and
	// every call agree on it.
	cfg.Region = plan.Region
	runID := sagemaker.NewRunID()
	if s.Journal != nil {
		runID = s.Journal.RunID()
	}
	// The caller's options come after the study's, but the region is the study's whatever
	// they set: a client in another region would resolve nothing the plan resolved.
	smOpts := append(append([]func(*sagemaker.Options){func(o *sagemaker.Options) {
		o.Journal, o.RunID, o.BucketOwner = s.Journal, runID, plan.bucketOwner
	}}, s.SageMaker...), func(o *sagemaker.Options) { o.Region = plan.Region })
	neoOpts := append(append([]func(*neo.Options){func(o *neo.Options) {
		o.RunID = runID
		if s.Journal != nil {
			o.Journal = s.Journal
		}
	}}, s.Neo...), func(o *neo.Options) { o.Region = plan.Region })
	client := sagemaker.NewClient(cfg, smOpts...)
	// A resumed run keeps its journal's run id (tags, journal) but its names and keys
	// get a part of their own: the interrupted run's endpoint may still be Deleting.
	nameID := sagemaker.NewRunID()[16:] + "-" + runID
	r := &run{s: s, plan: plan, client: client, bucket: plan.Bucket, runID: nameID, cfg: cfg,
		prefix: s.name() + "/" + nameID, compiled: map[neo.Target]*neo.CompiledModel{},
		compileErr: map[neo.Target]error{}}
	r.res = newResources(cfg, plan, client, neo.NewCompiler(cfg, neoOpts...), s.Journal)
	r.budget = budgetMeter{max: s.MaxCostUSD}
	hint, _ := emuhint.Of(cfg)
	r.metricsNow = hint.MetricsAtOnce
	ctx, r.stop = context.WithCancel(ctx)
	defer r.stop()
	if !s.ServerMetrics.Off {
		r.cw = cloudwatch.NewFromConfig(cfg)
	}
	rep = &Report{RunID: runID, Region: plan.Region, Prices: s.Prices, SLO: s.SLO, Bill: plan.Bill, generic: hint.Generic}

	r.startEvents()
	started := Event{Kind: EventStarted, RunID: runID}
	if s.Journal != nil {
		started.JournalPath = s.Journal.Path()
	}
	r.emit(started)
	defer func() {
		p := recover()
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
		defer cancel()
		rep.Teardown = r.res.teardown(dctx, s.KeepArtifacts)
		var left []string
		for _, d := range rep.Teardown {
			if !d.Deleted && d.Kept == "" {
				left = append(left, fmt.Sprintf("%s (%v)", d.Resource, d.Err))
				r.emit(Event{Kind: EventTeardownError, Reason: d.Resource.String(), Err: d.Err})
			}
		}
		r.stopEvents() // after the teardown: a stuck Events cannot hold it
		if p == nil {  // a callback's panic, Events' included, recorded until now
			r.panicMu.Lock()
			p = r.panicked
			r.panicMu.Unlock()
		}
		if p != nil {
			panic(p)
		}
		if len(left) > 0 {
			err = errors.Join(err, fmt.Errorf("sagebench: %d resources could not be deleted: %s", len(left), strings.Join(left, "; ")))
		}
	}()

	rep.Outcomes = make([]Outcome, len(s.Candidates))
	todo := make([]int, 0, len(s.Candidates))
	for i, c := range s.Candidates {
		if n := plan.notes[c.Name]; n != "" {
			c.Note = strings.TrimPrefix(c.Note+"; "+n, "; ")
		}
		rep.Outcomes[i].Candidate = c
		if saved := plan.resumed[c.Name]; saved != nil {
			if c.Existing() { // what the endpoint ran on when it was measured
				rep.Outcomes[i].Candidate.InstanceType, rep.Outcomes[i].Candidate.InstanceCount = saved.Candidate.InstanceType, saved.Candidate.InstanceCount
			}
			rep.Outcomes[i].Result, rep.Outcomes[i].Sweep, rep.Outcomes[i].Resumed = saved.Result, saved.Sweep, true
			rep.Outcomes[i].Server, rep.Outcomes[i].ServerNA = saved.Server, saved.ServerNA
			if saved.Server == nil && saved.ServerNA == "" && !s.ServerMetrics.Off {
				rep.Outcomes[i].ServerNA = "not collected by the earlier run"
			}
			r.emit(Event{Kind: EventSkipped, Candidate: c.Name, Reason: "already measured in " + s.OutputDir})
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) > 0 {
		if err := r.measureAll(ctx, rep, todo); err != nil {
			for _, i := range todo { // canceled or failed before measuring: say so
				if o := &rep.Outcomes[i]; o.Result == nil && o.Err == nil && o.Skipped == "" {
					o.Skipped = "canceled"
					if ctx.Err() == nil {
						o.Skipped = "not started: " + err.Error()
					}
				}
			}
			rep.finish(s)
			return rep, err
		}
	}
	rep.finish(s)
	return rep, ctx.Err()
}

// measureAll uploads, compiles, then measures the candidates in todo, MaxParallel at once.
func (r *run) measureAll(ctx context.Context, rep *Report, todo []int) error {
	compiles, deploys := false, false
	for _, i := range todo {
		compiles = compiles || r.s.Candidates[i].Compiled()
		deploys = deploys || !r.s.Candidates[i].Existing()
	}
	var modelURL string
	if deploys { // existing endpoints alone need no model
		var err error
		if modelURL, err = r.prepareModel(ctx, compiles); err != nil {
			return fmt.Errorf("sagebench: %w", err)
		}
	}
	if err := r.compileTargets(ctx, modelURL, todo); err != nil {
		return fmt.Errorf("sagebench: %w", err)
	}
	// A panic in one worker stops the others' loads too; each deletes its endpoint.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	work := make(chan int)
	var wg sync.WaitGroup
	var panicked any
	var pmu sync.Mutex
	for range min(r.plan.MaxParallel, len(todo)) {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					pmu.Lock()
					panicked = p
					pmu.Unlock()
					stop()
					for range work { // let the feeder finish; nothing new is started
					}
				}
			}()
			for i := range work {
				var endpoint string
				rep.Outcomes[i], endpoint = r.measure(ctx, i, rep.Outcomes[i].Candidate, modelURL)
				// The endpoint is deleted: wait for its metrics beside the next candidates.
				if r.cw != nil && rep.Outcomes[i].Result != nil {
					out := &rep.Outcomes[i]
					r.metrics.Go(func() {
						defer func() { // a panic collecting the metrics: re-raised once every goroutine is done
							if p := recover(); p != nil {
								pmu.Lock()
								panicked = p
								pmu.Unlock()
								stop()
							}
						}()
						r.collectServer(ctx, r.cw, endpoint, out)
					})
				}
			}
		})
	}
	for _, i := range todo {
		if ctx.Err() != nil {
			rep.Outcomes[i].Skipped = "canceled"
			continue
		}
		select {
		case work <- i:
		case <-ctx.Done():
			rep.Outcomes[i].Skipped = "canceled"
		}
	}
	close(work)
	wg.Wait()
	r.metrics.Wait()
	if panicked != nil {
		panic(panicked)
	}
	return ctx.Err()
}

// compileTargets compiles the model once per distinct target of the candidates in todo.
func (r *run) compileTargets(ctx context.Context, modelURL string, todo []int) error {
	var jobs []neo.Job
	seen := map[neo.Target]bool{}
	for _, i := range todo {
		c := r.s.Candidates[i]
		if !c.Compiled() || seen[c.Target] {
			continue
		}
		seen[c.Target] = true
		j := r.s.job(c.Target, modelURL, "s3://"+r.bucket+"/"+r.prefix+"/compiled/"+string(c.Target))
		for _, k := range todo { // the image a candidate of this target names serves the job's model
			if o := r.s.Candidates[k]; o.Target == c.Target && o.Image != "" && j.Image == "" {
				j.Image = o.Image
			}
		}
		j.Name = sagemaker.RunName(r.s.name()+"-"+resname.Dashed(string(c.Target)), fmt.Sprintf("t%d-%s", len(jobs)+1, r.runID))
		jobs = append(jobs, j)
		r.emit(Event{Kind: EventCompiling, Target: c.Target})
	}
	if len(jobs) == 0 {
		return nil
	}
	// One target failing fails only its candidates; the others are measured.
	models, err := r.res.compile(ctx, jobs)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for i, m := range models {
		if m == nil {
			r.compileErr[jobs[i].Target] = err // joins every job's failure, each naming its job
			r.emit(Event{Kind: EventFailed, Target: jobs[i].Target, Err: err})
			continue
		}
		r.compiled[m.Target] = m
		r.emit(Event{Kind: EventCompiled, Target: m.Target, Elapsed: m.Duration})
	}
	return nil
}

// job is the Neo job for target; Plan validates the same job with placeholder URLs.
func (s *Study) job(target neo.Target, modelURL, outputURL string) neo.Job {
	version := s.FrameworkVersion
	if v, ok := s.NeoVersions[target]; ok {
		version = v
	}
	return neo.Job{
		Name:             sagemaker.UniqueName(s.name() + "-" + string(target)),
		ModelDataURL:     modelURL,
		RoleARN:          s.RoleARN,
		Framework:        s.framework(),
		FrameworkVersion: version,
		InputShapes:      s.InputShapes,
		Target:           target,
		OutputURL:        outputURL,
		EntryPoint:       s.entryPoint(),
		MaxRuntime:       s.CompileTimeout,
	}
}
