package sagemakertest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Endpoint statuses as SageMaker names them.
const (
	EndpointCreating  = "Creating"
	EndpointUpdating  = "Updating"
	EndpointInService = "InService"
	EndpointDeleting  = "Deleting"
	EndpointFailed    = "Failed"
)

type endpoint struct {
	name, arn  string
	configName string
	status     string
	failure    string
	created    time.Time
	modified   time.Time
	gen        int     // bumped on every transition so stale timers do nothing
	serving    []*pool // one per variant; nil unless requests can be served
	current    deployment
	pending    deployment
}

// deployment is what an endpoint runs: the variants of an endpoint
// configuration, resolved when CreateEndpoint or UpdateEndpoint is called
// (later changes to the config or model do not affect it, as in SageMaker),
// with the instance counts and weights UpdateEndpointWeightsAndCapacities set.
type deployment struct {
	configName string
	variants   []deployedVariant
}

// deployedVariant is one variant of a deployment: InitialInstanceCount and
// InitialVariantWeight of v are its instance count and weight.
type deployedVariant struct {
	v         variant
	container container
}

func (d deployment) clone() deployment {
	d.variants = slices.Clone(d.variants)
	return d
}

func (s *Server) resolveLocked(configName string) (deployment, *APIError) {
	c, e := s.configLocked(configName)
	if e != nil {
		return deployment{}, e
	}
	d := deployment{configName: configName}
	for _, v := range c.variants {
		m, e := s.modelLocked(v.ModelName)
		if e != nil {
			return deployment{}, e
		}
		d.variants = append(d.variants, deployedVariant{v, m.first()})
	}
	return d, nil
}

// endpointLocked validates an endpoint name and returns the endpoint, or the
// error SageMaker gives when it does not exist.
func (s *Server) endpointLocked(name string) (*endpoint, *APIError) {
	if e := checkName("endpointName", name); e != nil {
		return nil, e
	}
	ep, ok := s.endpoints[name]
	if !ok {
		return nil, validation("Could not find endpoint %q.", s.arn("endpoint", name))
	}
	return ep, nil
}

// endpointInput is the input of CreateEndpoint and UpdateEndpoint, which
// SageMaker validates alike.
type endpointInput struct{ EndpointName, EndpointConfigName string }

func decodeEndpointInput(body []byte) (endpointInput, *APIError) {
	var in endpointInput
	if e := decode(body, &in); e != nil {
		return in, e
	}
	if e := checkName("endpointName", in.EndpointName); e != nil {
		return in, e
	}
	return in, checkName("endpointConfigName", in.EndpointConfigName)
}

func (s *Server) createEndpoint(body []byte) (any, *APIError) {
	in, e := decodeEndpointInput(body)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn("endpoint", in.EndpointName)
	if _, dup := s.endpoints[in.EndpointName]; dup {
		return nil, validation("Cannot create already existing endpoint %q.", arn)
	}
	if s.opts.maxEndpoints > 0 && len(s.endpoints) >= s.opts.maxEndpoints {
		return nil, &APIError{"ResourceLimitExceeded", fmt.Sprintf("The account-level service limit 'number of endpoints' is %d Endpoints, with current utilization of %d Endpoints and a request delta of 1 Endpoints.", s.opts.maxEndpoints, len(s.endpoints)), 400}
	}
	d, e := s.resolveLocked(in.EndpointConfigName)
	if e != nil {
		return nil, e
	}
	if e := s.quotaLocked(d, nil); e != nil {
		return nil, e
	}
	now := time.Now()
	ep := &endpoint{
		name: in.EndpointName, arn: arn, configName: in.EndpointConfigName,
		status: EndpointCreating, created: now, modified: now, pending: d,
	}
	s.endpoints[in.EndpointName] = ep
	s.scheduleSettle(ep)
	return map[string]string{"EndpointArn": arn}, nil
}

// scheduleSettle moves ep out of Creating or Updating after the create delay.
// Callers hold s.mu; after takes it too, so it runs in a goroutine-free way by
// registering the timer under the same lock.
func (s *Server) scheduleSettle(ep *endpoint) {
	ep.gen++
	gen, name := ep.gen, ep.name
	s.afterLocked(s.opts.endpointCreate, func() { s.settle(name, gen) })
}

// settle provisions the pending deployment: the model data must be in S3 and
// no failure may be injected, otherwise a create fails and an update rolls
// back to the old deployment, both with a FailureReason.
func (s *Server) settle(name string, gen int) {
	s.mu.Lock()
	ep, ok := s.endpoints[name]
	if !ok || ep.gen != gen {
		s.mu.Unlock()
		return
	}
	d := ep.pending
	injected, hasInjected := s.failEP[name]
	delete(s.failEP, name)
	compiled := make([]bool, len(d.variants))
	for i, dv := range d.variants {
		compiled[i] = s.isCompiledLocked(dv.container)
	}
	s.mu.Unlock()

	reason := injected
	for _, dv := range d.variants {
		if reason != "" || hasInjected {
			break
		}
		reason = s.checkModelData(dv.container)
	}
	var pools []*pool
	if reason == "" {
		pools, reason = s.provision(d, compiled)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if ep.gen != gen || s.endpoints[name] != ep {
		return
	}
	ep.modified = time.Now()
	ep.failure = reason
	switch {
	case reason == "":
		ep.status, ep.serving, ep.current, ep.configName = EndpointInService, pools, d, d.configName
	case ep.status == EndpointUpdating:
		ep.status = EndpointInService // rolled back, still serving the old deployment
	default:
		ep.status, ep.serving = EndpointFailed, nil
	}
	ep.pending = deployment{}
}

// provision starts the model workers of d's variants. A panic doing so
// fails the deployment with a FailureReason, reported to onTimerPanic,
// rather than leaving the endpoint Creating forever.
func (s *Server) provision(d deployment, compiled []bool) (pools []*pool, reason string) {
	defer func() {
		if v := recover(); v != nil {
			pools, reason = nil, fmt.Sprintf("sagemakertest: internal error starting the model workers: %v", v)
			s.onTimerPanic(v)
		}
	}()
	for i, dv := range d.variants {
		pools = append(pools, s.newPool(dv, compiled[i]))
	}
	return pools, ""
}

func (s *Server) checkModelData(c container) string {
	if c.ModelDataUrl == "" {
		return ""
	}
	bucket, key, ok := parseS3URL(c.ModelDataUrl)
	if ok && s.objectExists(bucket, key) {
		return ""
	}
	return fmt.Sprintf("Failed to download model data for container %q from URL: %q. Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the object.", "container_1", c.ModelDataUrl)
}

// updatableLocked returns an endpoint that an update may change: one that
// is InService, as SageMaker requires of UpdateEndpoint and
// UpdateEndpointWeightsAndCapacities.
func (s *Server) updatableLocked(name string) (*endpoint, *APIError) {
	ep, e := s.endpointLocked(name)
	if e != nil {
		return nil, e
	}
	switch ep.status {
	case EndpointInService:
		return ep, nil
	case EndpointFailed:
		return nil, validation("Cannot update failed endpoint %q.", ep.arn)
	}
	return nil, validation("Cannot update in-progress endpoint %q.", ep.arn)
}

func (s *Server) updateEndpoint(body []byte) (any, *APIError) {
	in, e := decodeEndpointInput(body)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, e := s.updatableLocked(in.EndpointName)
	if e != nil {
		return nil, e
	}
	d, e := s.resolveLocked(in.EndpointConfigName)
	if e != nil {
		return nil, e
	}
	if e := s.quotaLocked(d, ep); e != nil {
		return nil, e
	}
	ep.status, ep.pending, ep.failure, ep.modified = EndpointUpdating, d, "", time.Now()
	s.scheduleSettle(ep)
	return map[string]string{"EndpointArn": ep.arn}, nil
}

func (s *Server) deleteEndpoint(body []byte) (any, *APIError) {
	var in struct{ EndpointName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, e := s.endpointLocked(in.EndpointName)
	if e != nil {
		return nil, e
	}
	if ep.status == EndpointDeleting {
		return struct{}{}, nil
	}
	ep.status, ep.serving, ep.modified = EndpointDeleting, nil, time.Now()
	ep.gen++
	gen, name := ep.gen, ep.name
	s.afterLocked(s.opts.endpointDelete, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if cur, ok := s.endpoints[name]; ok && cur.gen == gen {
			delete(s.endpoints, name)
		}
	})
	return struct{}{}, nil
}

var endpointListing = listing{sortKeys: endpointSortKeys, statuses: &endpointStatuses}

func (s *Server) listEndpoints(body []byte) (any, *APIError) {
	var in listQuery
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		EndpointName     string
		EndpointArn      string
		CreationTime     float64
		LastModifiedTime float64
		EndpointStatus   string
	}
	s.mu.Lock()
	all := make([]summary, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		all = append(all, summary{ep.name, ep.arn, epoch(ep.created), epoch(ep.modified), ep.status})
	}
	s.mu.Unlock()
	pg, next, e := list(endpointListing, &in, all, func(a summary) row {
		return row{a.EndpointName, a.EndpointStatus, a.CreationTime, a.LastModifiedTime}
	})
	if e != nil {
		return nil, e
	}
	return struct {
		Endpoints []summary
		NextToken string `json:",omitempty"`
	}{pg, next}, nil
}

// CompiledEnv is an environment variable of a model's container that, when
// set to "true" or "false", overrides how the emulator decides whether the
// model is Neo-compiled.
const CompiledEnv = "SAGEMAKERTEST_COMPILED"

// isCompiledLocked reports whether a container serves a Neo-compiled model:
// CompiledEnv says so, or its model data is the output of a compilation job
// that completed here, or its image is a Neo or Inferentia (Neuron) serving
// image.
func (s *Server) isCompiledLocked(c container) bool {
	switch c.Environment[CompiledEnv] {
	case "true":
		return true
	case "false":
		return false
	}
	if s.artifacts[c.ModelDataUrl] {
		return true
	}
	img := strings.ToLower(c.Image)
	if i := strings.LastIndex(img, "/"); i >= 0 {
		img = img[i+1:]
	}
	repo, tag, _ := strings.Cut(img, ":")
	return strings.Contains(repo, "neo") || strings.Contains(repo, "neuron") || strings.Contains(tag, "-inf-")
}
