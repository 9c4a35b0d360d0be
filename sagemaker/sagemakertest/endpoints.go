package sagemakertest

import (
	"fmt"
	"strings"
	"time"
)

// Endpoint statuses as SageMaker names them.
const (
	StatusCreating  = "Creating"
	StatusUpdating  = "Updating"
	StatusInService = "InService"
	StatusDeleting  = "Deleting"
	StatusFailed    = "Failed"
)

type endpoint struct {
	name, arn  string
	configName string
	status     string
	failure    string
	created    time.Time
	modified   time.Time
	gen        int   // bumped on every transition so stale timers do nothing
	serving    *pool // nil unless requests can be served
	pending    deployment
}

// deployment is what an endpoint configuration resolves to when CreateEndpoint
// or UpdateEndpoint is called; later changes to the config or model do not
// affect it, as in SageMaker.
type deployment struct {
	configName string
	variant    variant
	container  container
}

func (s *Server) resolveLocked(configName string) (deployment, *APIError) {
	c, e := s.configLocked(configName)
	if e != nil {
		return deployment{}, e
	}
	// Multi-variant endpoints are accepted but all traffic goes to the first
	// variant; weights are not emulated.
	v := c.variants[0]
	m, e := s.modelLocked(v.ModelName)
	if e != nil {
		return deployment{}, e
	}
	return deployment{configName: configName, variant: v, container: m.first()}, nil
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
	now := time.Now()
	ep := &endpoint{
		name: in.EndpointName, arn: arn, configName: in.EndpointConfigName,
		status: StatusCreating, created: now, modified: now, pending: d,
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
	compiled := s.isCompiledLocked(d.container)
	s.mu.Unlock()

	reason := injected
	if !hasInjected {
		reason = s.checkModelData(d.container)
	}
	var p *pool
	if reason == "" {
		p = s.newPool(d, compiled)
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
		ep.status, ep.serving, ep.configName = StatusInService, p, d.configName
	case ep.status == StatusUpdating:
		ep.status = StatusInService // rolled back, still serving the old deployment
	default:
		ep.status, ep.serving = StatusFailed, nil
	}
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

func (s *Server) describeEndpoint(body []byte) (any, *APIError) {
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
	type image struct{ SpecifiedImage, ResolvedImage string }
	type variantSummary struct {
		VariantName          string
		DeployedImages       []image
		CurrentWeight        float64
		DesiredWeight        float64
		CurrentInstanceCount int
		DesiredInstanceCount int
	}
	var variants []variantSummary
	if ep.serving != nil {
		v := ep.serving.variant
		variants = append(variants, variantSummary{
			VariantName:          v.VariantName,
			DeployedImages:       []image{{ep.serving.image, ep.serving.image}},
			CurrentWeight:        1,
			DesiredWeight:        1,
			CurrentInstanceCount: v.InitialInstanceCount,
			DesiredInstanceCount: v.InitialInstanceCount,
		})
	}
	return struct {
		EndpointName       string
		EndpointArn        string
		EndpointConfigName string
		ProductionVariants []variantSummary `json:",omitempty"`
		EndpointStatus     string
		FailureReason      string `json:",omitempty"`
		CreationTime       float64
		LastModifiedTime   float64
	}{ep.name, ep.arn, ep.configName, variants, ep.status, ep.failure, epoch(ep.created), epoch(ep.modified)}, nil
}

func (s *Server) updateEndpoint(body []byte) (any, *APIError) {
	in, e := decodeEndpointInput(body)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, e := s.endpointLocked(in.EndpointName)
	if e != nil {
		return nil, e
	}
	switch ep.status {
	case StatusInService:
	case StatusFailed:
		return nil, validation("Cannot update failed endpoint %q.", ep.arn)
	default:
		return nil, validation("Cannot update in-progress endpoint %q.", ep.arn)
	}
	d, e := s.resolveLocked(in.EndpointConfigName)
	if e != nil {
		return nil, e
	}
	ep.status, ep.pending, ep.failure, ep.modified = StatusUpdating, d, "", time.Now()
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
	if ep.status == StatusDeleting {
		return struct{}{}, nil
	}
	ep.status, ep.serving, ep.modified = StatusDeleting, nil, time.Now()
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
	var all []summary
	for _, ep := range s.endpoints {
		if in.keeps(ep.name, ep.status) {
			all = append(all, summary{ep.name, ep.arn, epoch(ep.created), epoch(ep.modified), ep.status})
		}
	}
	s.mu.Unlock()
	pg, next, e := sortedPage(all, in, func(a summary) (string, string, float64) {
		return a.EndpointName, a.EndpointStatus, a.CreationTime
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
