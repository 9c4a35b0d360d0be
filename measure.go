package sagebench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"time"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/resname"
	"github.com/sagebench/sagebench/sagemaker"
)

// measure deploys one candidate, measures it and deletes it, whatever happens in between;
// endpoint is the name the deleted endpoint had, for its CloudWatch metrics.
func (r *run) measure(ctx context.Context, i int, c Candidate, modelURL string) (out Outcome, endpoint string) {
	out.Candidate = c
	if c.Existing() {
		return r.measureExisting(ctx, c), c.Endpoint
	}
	if reason := r.budget.start(c.Name, r.plan.perCandidate[c.Name]); reason != "" {
		out.Skipped = reason
		r.emit(Event{Kind: EventSkipped, Candidate: c.Name, Reason: reason})
		return out, ""
	}
	start := time.Now()
	defer func() { r.budget.finish(c.Name, time.Since(start), r.plan.hourly[c.Name]*float64(c.count())) }()
	fail := func(err error) (Outcome, string) {
		out.Err = err
		r.emit(Event{Kind: EventFailed, Candidate: c.Name, Err: err})
		return out, endpoint
	}

	model, err := r.model(i, c, modelURL)
	if err != nil {
		return fail(err)
	}
	ep, err := r.deploy(ctx, i, c, model)
	if err != nil {
		return fail(err)
	}
	endpoint = ep.Name
	out.TimeToInService = time.Since(start)
	r.emit(Event{Kind: EventInService, Candidate: c.Name, Elapsed: out.TimeToInService})
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
		defer cancel()
		if err := r.res.deleteEndpoint(dctx, ep); err != nil {
			err = fmt.Errorf("deleting %s: %w", ep.Name, err)
			if out.Result != nil && out.Err == nil {
				out.Teardown = err // the measurement stands; Run's error and Report.Teardown say what is left
			} else {
				out.Err = errors.Join(out.Err, err)
			}
			r.emit(Event{Kind: EventFailed, Candidate: c.Name, Err: err})
			return
		}
		r.emit(Event{Kind: EventDeleted, Candidate: c.Name})
	}()

	inv := ep.Invoker(r.invokerOptions)
	loadStart := time.Now()
	if err := r.load(ctx, c, inv, &out); err != nil {
		return fail(err)
	}
	r.emit(Event{Kind: EventMeasured, Candidate: c.Name, Result: out.Result, Elapsed: time.Since(loadStart)})
	if err := r.save(out); err != nil {
		return fail(err)
	}
	return out, endpoint
}

// load measures with bench.Run, or bench.Sweep when the study asks for one.
func (r *run) load(ctx context.Context, c Candidate, inv bench.Invoker, out *Outcome) error {
	if r.s.LoadOn != nil {
		return r.loadOn(ctx, c, inv, out) // loadon.go
	}
	step := r.s.Load
	step.Progress = func(s bench.Snapshot) {
		defer r.catch()
		r.emit(Event{Kind: EventMeasuring, Candidate: c.Name, Snapshot: &s})
	}
	if r.s.Sweep == nil {
		res, err := bench.Run(ctx, inv, step)
		if err != nil {
			return err
		}
		out.Result = res
		return nil
	}
	sc := *r.s.Sweep
	sc.Base = step
	if sc.SLO == nil {
		sc.SLO = r.s.SLO
	}
	user := sc.Progress
	sc.Progress = func(p bench.SweepProgress) {
		defer r.catch()
		if p.Snapshot != nil {
			s := *p.Snapshot // Events runs beside user, on a goroutine of its own
			r.emit(Event{Kind: EventMeasuring, Candidate: c.Name, Snapshot: &s})
		}
		if user != nil {
			user(p)
		}
	}
	sw, err := bench.Sweep(ctx, inv, sc)
	if err != nil {
		return err
	}
	out.Sweep = sw
	if sw.Peak < 0 {
		return fmt.Errorf("sweep found no qualifying step: %s", sw.Verdict())
	}
	out.Result = sw.Steps[sw.Peak].Result
	return nil
}

// sweepProblems refuses a Sweep whose Base is set: a Study measures every step with Load
// (load overrides it), and a field that is silently ignored is a bug to whoever set it.
func sweepProblems(sw *bench.SweepConfig) []string {
	if sw == nil || reflect.ValueOf(sw.Base).IsZero() {
		return nil
	}
	return []string{"Sweep.Base is set, but a Study measures every step with Load (its payloads, timeout, " +
		"warmup and Duration, the length of one window): set those in Load and leave Sweep.Base empty"}
}

// deploy creates the candidate's endpoint, waiting for a slot while the account's
// endpoint limit refuses it (see waitForSlot).
func (r *run) deploy(ctx context.Context, i int, c Candidate, m sagemaker.ModelSpec) (*sagemaker.Endpoint, error) {
	r.emit(Event{Kind: EventDeploying, Candidate: c.Name})
	spec := sagemaker.EndpointSpec{Name: m.Name, InstanceType: c.InstanceType, InstanceCount: c.count()}
	if c.IsServerless() {
		spec = c.Serverless.endpointSpec(m.Name) // serverless.go
	}
	spec.WaitForSlot = r.waitForSlot(c)
	return r.res.deploy(ctx, m, spec)
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// model is the SageMaker model of a candidate: the compiled artifact with Neo's image
// and environment, or the uploaded archive with the framework's serving image (its CPU
// image on Inferentia, whose NeuronCores need a Neuron-compiled model).
func (r *run) model(i int, c Candidate, modelURL string) (sagemaker.ModelSpec, error) {
	m := sagemaker.ModelSpec{
		Name:         r.resourceName(i, c, 1),
		ModelDataURL: modelURL,
		RoleARN:      r.s.RoleARN,
		Image:        c.Image,
		Env:          sagemaker.PyTorchEnv(r.s.entryPoint(), r.plan.Region),
	}
	if c.Compiled() {
		cm := r.compiled[c.Target]
		if cm == nil {
			return m, fmt.Errorf("no compiled model for %s: %w", c.Target, r.compileErr[c.Target])
		}
		m.ModelDataURL, m.Env = cm.ArtifactURL, maps.Clone(cm.Env)
		if m.Image == "" {
			m.Image = cm.Image
		}
	}
	if m.Image == "" {
		img, err := r.plan.imageFor(r.s, c)
		if err != nil {
			return m, err
		}
		m.Image = img
	}
	if m.Env == nil {
		m.Env = map[string]string{}
	}
	maps.Copy(m.Env, c.Env)
	return m, nil
}

// resourceName names the model, endpoint config and endpoint of candidate i: the
// study's name and the candidate's name, cut to fit, then never cut the candidate's
// position (so long names stay unique), the attempt after the first, and the run id.
func (r *run) resourceName(i int, c Candidate, attempt int) string {
	key := fmt.Sprintf("%d", i+1)
	if attempt > 1 {
		key = fmt.Sprintf("%d-r%d", i+1, attempt)
	}
	return sagemaker.RunName(r.s.name()+"-"+resname.Dashed(c.Name), key+"-"+r.runID)
}
