package sagebench

import (
	"context"
	"fmt"
	"time"

	"github.com/sagebench/sagebench/sagemaker"
)

// measureExisting measures a candidate's endpoint that exists already: it reads what
// the endpoint runs on (the Outcome's Candidate gets its instance type and count, which
// price it), checks that it is in service, and measures it. It never deploys, updates
// or deletes anything: the endpoint is not the study's, and is not in its ledger.
func (r *run) measureExisting(ctx context.Context, c Candidate) (out Outcome) {
	out.Candidate = c
	fail := func(err error) Outcome {
		out.Err = err
		r.emit(Event{Kind: EventFailed, Candidate: c.Name, Err: err})
		return out
	}
	start := time.Now()
	d, err := r.client.DescribeDeployed(ctx, c.Endpoint)
	if err != nil {
		return fail(err)
	}
	switch {
	case !d.InService():
		return fail(fmt.Errorf("endpoint %s is %s, not InService: measure it once it is", c.Endpoint, d.Status))
	case c.InstanceType != "" && c.InstanceType != d.InstanceType:
		return fail(fmt.Errorf("endpoint %s runs on %s, not the candidate's %s", c.Endpoint, d.InstanceType, c.InstanceType))
	case c.InstanceCount > 0 && c.InstanceCount != d.InstanceCount:
		return fail(fmt.Errorf("endpoint %s runs %d instances, not the candidate's %d", c.Endpoint, d.InstanceCount, c.InstanceCount))
	}
	out.Candidate.InstanceType, out.Candidate.InstanceCount = d.InstanceType, d.InstanceCount
	out.TimeToInService = time.Since(start)
	r.emit(Event{Kind: EventInService, Candidate: c.Name, Elapsed: out.TimeToInService, Reason: "existing endpoint " + c.Endpoint})
	loadStart := time.Now()
	if err := r.load(ctx, out.Candidate, r.client.Invoker(c.Endpoint, r.invokerOptions), &out); err != nil {
		return fail(err)
	}
	r.emit(Event{Kind: EventMeasured, Candidate: c.Name, Result: out.Result, Elapsed: time.Since(loadStart)})
	if err := r.save(out); err != nil {
		return fail(err)
	}
	return out
}

// invokerOptions sets the options of every candidate's invoker: the Accept type and the
// study's Check, whose panic is recovered and cancels the run.
func (r *run) invokerOptions(o *sagemaker.InvokerOptions) {
	o.Accept = orDefault(r.s.Accept, "application/json")
	if r.s.Check != nil {
		o.ResponseCheck = func(body []byte, contentType string) (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("check panicked: %v", p)
					r.catch1(p)
				}
			}()
			return r.s.Check(body, contentType)
		}
	}
}
