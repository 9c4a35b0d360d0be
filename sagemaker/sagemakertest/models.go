package sagemakertest

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// container is a ContainerDefinition as it travels on the wire.
type container struct {
	ContainerHostname string            `json:",omitempty"`
	Image             string            `json:",omitempty"`
	ModelDataUrl      string            `json:",omitempty"`
	Environment       map[string]string `json:",omitempty"`
	Mode              string            `json:",omitempty"`
}

type model struct {
	name, arn, role string
	primary         *container
	containers      []container
	created         time.Time
}

// first returns the container that serves requests: the primary container or
// the first of an inference pipeline.
func (m *model) first() container {
	if m.primary != nil {
		return *m.primary
	}
	if len(m.containers) > 0 {
		return m.containers[0]
	}
	return container{}
}

func (s *Server) createModel(body []byte) (any, *APIError) {
	var in struct {
		ModelName        string
		PrimaryContainer *container
		Containers       []container
		ExecutionRoleArn string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	var vs violations
	vs.str("modelName", in.ModelName, nameRule.must())
	vs.str("executionRoleArn", in.ExecutionRoleArn, roleRule)
	if in.PrimaryContainer != nil {
		checkContainer(&vs, "primaryContainer", *in.PrimaryContainer)
	}
	for i, c := range in.Containers {
		checkContainer(&vs, member("containers", i, ""), c)
	}
	if e := vs.err(); e != nil {
		return nil, e
	}
	all := in.Containers
	if in.PrimaryContainer != nil {
		all = append([]container{*in.PrimaryContainer}, all...)
	}
	if n := envBytes(all); n > maxEnvTotalBytes {
		return nil, validation("The combined length of the environment variables of all containers is %d bytes, more than the maximum of %d bytes (32 KB).", n, maxEnvTotalBytes)
	}
	if in.PrimaryContainer == nil && len(in.Containers) == 0 {
		return nil, validation("Either PrimaryContainer or Containers must be provided for model %q.", in.ModelName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn("model", in.ModelName)
	if _, dup := s.models[in.ModelName]; dup {
		return nil, validation("Cannot create already existing model %q.", arn)
	}
	s.models[in.ModelName] = &model{
		name: in.ModelName, arn: arn, role: in.ExecutionRoleArn,
		primary: in.PrimaryContainer, containers: in.Containers, created: time.Now(),
	}
	return map[string]string{"ModelArn": arn}, nil
}

// modelLocked validates a model name and returns the model, or the error
// SageMaker gives when it does not exist.
func (s *Server) modelLocked(name string) (*model, *APIError) {
	if e := checkName("modelName", name); e != nil {
		return nil, e
	}
	m, ok := s.models[name]
	if !ok {
		return nil, validation("Could not find model %q.", s.arn("model", name))
	}
	return m, nil
}

func (s *Server) describeModel(body []byte) (any, *APIError) {
	var in struct{ ModelName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.modelLocked(in.ModelName)
	if e != nil {
		return nil, e
	}
	return struct {
		ModelName        string
		ModelArn         string
		ExecutionRoleArn string      `json:",omitempty"`
		PrimaryContainer *container  `json:",omitempty"`
		Containers       []container `json:",omitempty"`
		CreationTime     float64
	}{m.name, m.arn, m.role, m.primary, m.containers, epoch(m.created)}, nil
}

func (s *Server) deleteModel(body []byte) (any, *APIError) {
	var in struct{ ModelName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.modelLocked(in.ModelName); e != nil {
		return nil, e
	}
	delete(s.models, in.ModelName)
	return struct{}{}, nil
}

// checkContainer validates a ContainerDefinition; prefix is its member path
// ("primaryContainer", "containers.1.member.").
func checkContainer(vs *violations, prefix string, c container) {
	if !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	vs.str(prefix+"containerHostname", c.ContainerHostname, nameRule)
	vs.required(prefix+"image", c.Image != "")
	vs.str(prefix+"image", c.Image, imageRule)
	vs.str(prefix+"modelDataUrl", c.ModelDataUrl, modelDataRule)
	checkEnvironment(vs, prefix+"environment", c.Environment)
}

// Environment limits from the API reference of ContainerDefinition
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html):
// "The maximum length of each key and value in the Environment map is 1024
// bytes. The maximum length of all keys and values in the map, combined, is
// 32 KB. If you pass multiple containers to a CreateModel request, then the
// maximum length of all of their maps, combined, is also 32 KB." The map
// holds at most 100 entries and keys match [a-zA-Z_][a-zA-Z0-9_]*
// (EnvironmentMap and EnvironmentKey in the service model).
const (
	maxEnvEntries    = 100
	maxEnvEntryBytes = 1024
	maxEnvTotalBytes = 32 << 10
)

var envKeyPattern, envKeyText = pattern(`[a-zA-Z_][a-zA-Z0-9_]*`)

// checkEnvironment checks one container's Environment map; its keys are
// visited in order so that the message is the same on every call.
func checkEnvironment(vs *violations, field string, env map[string]string) {
	if len(env) > maxEnvEntries {
		vs.add("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxEnvEntries)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		switch {
		case len(k) > maxEnvEntryBytes:
			vs.add("Value at '%s' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to %d]", field, maxEnvEntryBytes)
		case !envKeyPattern.MatchString(k):
			vs.add("Value at '%s' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: %s]", field, envKeyText)
		}
		if len(env[k]) > maxEnvEntryBytes {
			vs.add("Value at '%s' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to %d]", field, maxEnvEntryBytes)
		}
	}
}

// envBytes is the combined length of every key and value of the containers'
// Environment maps, which SageMaker limits to 32 KB per CreateModel.
func envBytes(cs []container) int {
	n := 0
	for _, c := range cs {
		for k, v := range c.Environment {
			n += len(k) + len(v)
		}
	}
	return n
}

var modelListing = listing{sortKeys: modelSortKeys}

func (s *Server) listModels(body []byte) (any, *APIError) {
	var in listQuery
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		ModelName    string
		ModelArn     string
		CreationTime float64
	}
	s.mu.Lock()
	var all []summary
	for _, m := range s.models {
		all = append(all, summary{m.name, m.arn, epoch(m.created)})
	}
	s.mu.Unlock()
	pg, next, e := list(modelListing, &in, all, func(m summary) row {
		return row{name: m.ModelName, created: m.CreationTime, modified: m.CreationTime}
	})
	if e != nil {
		return nil, e
	}
	return struct {
		Models    []summary
		NextToken string `json:",omitempty"`
	}{pg, next}, nil
}
