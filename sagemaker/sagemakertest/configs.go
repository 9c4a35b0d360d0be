package sagemakertest

import (
	"time"
)

// variant is a ProductionVariant as it travels on the wire.
type variant struct {
	VariantName          string
	ModelName            string
	InitialInstanceCount int      `json:",omitempty"`
	InstanceType         string   `json:",omitempty"`
	InitialVariantWeight *float64 `json:",omitempty"`
	ServerlessConfig     *slsCfg  `json:",omitempty"` // serverless.go
}

// weight is the variant's initial weight; SageMaker's default is 1.
func (v variant) weight() float64 {
	if v.InitialVariantWeight == nil {
		return 1
	}
	return *v.InitialVariantWeight
}

type endpointConfig struct {
	name, arn string
	variants  []variant
	created   time.Time
}

func (s *Server) createEndpointConfig(body []byte) (any, *APIError) {
	var in struct {
		EndpointConfigName string
		ProductionVariants []variant
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	for i, v := range in.ProductionVariants {
		if e := checkInt32(member("productionVariants", i, "initialInstanceCount"), v.InitialInstanceCount); e != nil {
			return nil, e
		}
	}
	var vs violations
	vs.str("endpointConfigName", in.EndpointConfigName, nameRule.must())
	if vs.required("productionVariants", in.ProductionVariants != nil) {
		if n := len(in.ProductionVariants); n < 1 || n > 10 {
			vs.add("Value '%d' at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10", n)
		}
	}
	for i, v := range in.ProductionVariants {
		vs.str(member("productionVariants", i, "variantName"), v.VariantName, nameRule.must())
		vs.str(member("productionVariants", i, "modelName"), v.ModelName, nameRule.must())
		vs.enum(member("productionVariants", i, "instanceType"), v.InstanceType, instanceTypes)
		if v.ServerlessConfig == nil {
			vs.atLeast(member("productionVariants", i, "initialInstanceCount"), v.InitialInstanceCount, 1)
		} else {
			vs.checkServerless(i, v.ServerlessConfig)
		}
		if v.InitialVariantWeight != nil && *v.InitialVariantWeight < 0 {
			vs.add("Value '%v' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *v.InitialVariantWeight, member("productionVariants", i, "initialVariantWeight"))
		}
	}
	if e := vs.err(); e != nil {
		return nil, e
	}
	names := map[string]bool{}
	for _, v := range in.ProductionVariants {
		switch {
		case v.ServerlessConfig != nil:
			if e := serverlessVariantError(in.EndpointConfigName, v); e != nil {
				return nil, e
			}
		case v.InstanceType == "":
			return nil, validation("Instance type must be provided for variant %q of endpoint configuration %q.", v.VariantName, in.EndpointConfigName)
		case names[v.VariantName]:
			return nil, validation("The variant name(s) %q is/are repeated in the endpoint configuration %q.", v.VariantName, in.EndpointConfigName)
		}
		names[v.VariantName] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range in.ProductionVariants {
		if _, e := s.modelLocked(v.ModelName); e != nil {
			return nil, e
		}
	}
	arn := s.arn("endpoint-config", in.EndpointConfigName)
	if _, dup := s.configs[in.EndpointConfigName]; dup {
		return nil, validation("Cannot create already existing endpoint configuration %q.", arn)
	}
	variants := make([]variant, len(in.ProductionVariants))
	for i, v := range in.ProductionVariants {
		w := v.weight()
		v.InitialVariantWeight = &w
		variants[i] = v
	}
	s.configs[in.EndpointConfigName] = &endpointConfig{
		name: in.EndpointConfigName, arn: arn, variants: variants, created: time.Now(),
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

var configListing = listing{sortKeys: configSortKeys}

func (s *Server) listEndpointConfigs(body []byte) (any, *APIError) {
	var in listQuery
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		EndpointConfigName string
		EndpointConfigArn  string
		CreationTime       float64
	}
	s.mu.Lock()
	all := make([]summary, 0, len(s.configs))
	for _, c := range s.configs {
		all = append(all, summary{c.name, c.arn, epoch(c.created)})
	}
	s.mu.Unlock()
	pg, next, e := list(configListing, &in, all, func(c summary) row {
		return row{name: c.EndpointConfigName, created: c.CreationTime, modified: c.CreationTime}
	})
	if e != nil {
		return nil, e
	}
	return struct {
		EndpointConfigs []summary
		NextToken       string `json:",omitempty"`
	}{pg, next}, nil
}
