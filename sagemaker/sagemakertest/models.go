package sagemakertest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
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
	if e := checkName("modelName", in.ModelName); e != nil {
		return nil, e
	}
	if in.ExecutionRoleArn != "" {
		if e := checkRole("executionRoleArn", in.ExecutionRoleArn); e != nil {
			return nil, e
		}
	}
	if in.PrimaryContainer == nil && len(in.Containers) == 0 {
		return nil, validation("Either PrimaryContainer or Containers must be provided for model %q.", in.ModelName)
	}
	all := slices.Clone(in.Containers)
	if in.PrimaryContainer != nil {
		all = append(all, *in.PrimaryContainer)
	}
	for _, c := range all {
		if c.Image == "" {
			return nil, validation("1 validation error detected: Value null at 'primaryContainer.image' failed to satisfy constraint: Member must not be null")
		}
		if e := checkS3URI("primaryContainer.modelDataUrl", c.ModelDataUrl, false); e != nil {
			return nil, e
		}
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

func (s *Server) listModels(body []byte) (any, *APIError) {
	var in struct {
		NameContains string
		NextToken    string
		MaxResults   int
	}
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
		if strings.Contains(strings.ToLower(m.name), strings.ToLower(in.NameContains)) {
			all = append(all, summary{m.name, m.arn, epoch(m.created)})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b summary) int { return cmpDesc(a.CreationTime, b.CreationTime, a.ModelName, b.ModelName) })
	lo, hi, next, e := page(len(all), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return struct {
		Models    []summary
		NextToken string `json:",omitempty"`
	}{append([]summary{}, all[lo:hi]...), next}, nil
}

// variant is a ProductionVariant as it travels on the wire.
type variant struct {
	VariantName          string
	ModelName            string
	InitialInstanceCount int     `json:",omitempty"`
	InstanceType         string  `json:",omitempty"`
	InitialVariantWeight float64 `json:",omitempty"`
	ServerlessConfig     any     `json:",omitempty"`
}

type endpointConfig struct {
	name, arn string
	variants  []variant
	created   time.Time
}

var instanceTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range types.ProductionVariantInstanceType("").Values() {
		m[string(v)] = true
	}
	return m
}()

func (s *Server) createEndpointConfig(body []byte) (any, *APIError) {
	var in struct {
		EndpointConfigName string
		ProductionVariants []variant
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := checkName("endpointConfigName", in.EndpointConfigName); e != nil {
		return nil, e
	}
	if n := len(in.ProductionVariants); n < 1 || n > 10 {
		return nil, validation("1 validation error detected: Value '%d' at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, v := range in.ProductionVariants {
		field := "productionVariants." + strconv.Itoa(i+1) + ".member."
		if e := checkName(field+"variantName", v.VariantName); e != nil {
			return nil, e
		}
		if e := checkName(field+"modelName", v.ModelName); e != nil {
			return nil, e
		}
		if v.ServerlessConfig != nil {
			return nil, validation("sagemakertest: serverless variants are not emulated (variant %q)", v.VariantName)
		}
		if !instanceTypes[v.InstanceType] {
			return nil, validation("1 validation error detected: Value '%s' at '%sinstanceType' failed to satisfy constraint: Member must satisfy enum value set", v.InstanceType, field)
		}
		if v.InitialInstanceCount < 1 {
			return nil, validation("1 validation error detected: Value '%d' at '%sinitialInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1", v.InitialInstanceCount, field)
		}
		if _, e := s.modelLocked(v.ModelName); e != nil {
			return nil, e
		}
	}
	arn := s.arn("endpoint-config", in.EndpointConfigName)
	if _, dup := s.configs[in.EndpointConfigName]; dup {
		return nil, validation("Cannot create already existing endpoint configuration %q.", arn)
	}
	s.configs[in.EndpointConfigName] = &endpointConfig{
		name: in.EndpointConfigName, arn: arn, variants: in.ProductionVariants, created: time.Now(),
	}
	return map[string]string{"EndpointConfigArn": arn}, nil
}

// configLocked validates an endpoint configuration name and returns the
// configuration, or the error SageMaker gives when it does not exist.
func (s *Server) configLocked(name string) (*endpointConfig, *APIError) {
	if e := checkName("endpointConfigName", name); e != nil {
		return nil, e
	}
	c, ok := s.configs[name]
	if !ok {
		return nil, validation("Could not find endpoint configuration %q.", s.arn("endpoint-config", name))
	}
	return c, nil
}

func (s *Server) describeEndpointConfig(body []byte) (any, *APIError) {
	var in struct{ EndpointConfigName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.configLocked(in.EndpointConfigName)
	if e != nil {
		return nil, e
	}
	return struct {
		EndpointConfigName string
		EndpointConfigArn  string
		ProductionVariants []variant
		CreationTime       float64
	}{c.name, c.arn, c.variants, epoch(c.created)}, nil
}

func (s *Server) deleteEndpointConfig(body []byte) (any, *APIError) {
	var in struct{ EndpointConfigName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.configLocked(in.EndpointConfigName); e != nil {
		return nil, e
	}
	delete(s.configs, in.EndpointConfigName)
	return struct{}{}, nil
}
