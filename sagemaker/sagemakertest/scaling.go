package sagemakertest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// variantSummary is a ProductionVariantSummary of DescribeEndpoint.
type variantSummary struct {
	VariantName          string
	DeployedImages       []deployedImage `json:",omitempty"`
	CurrentWeight        float64
	DesiredWeight        float64
	CurrentInstanceCount int
	DesiredInstanceCount int
	serverlessSummary    // serverless.go
}

type deployedImage struct{ SpecifiedImage, ResolvedImage string }

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
	// Current figures are what serves now; desired ones are what an update
	// in progress will serve, as SageMaker shows during scaling.
	var variants []variantSummary
	for _, p := range ep.serving {
		v := variantSummary{
			VariantName:          p.variant.VariantName,
			DeployedImages:       []deployedImage{{p.image, p.image}},
			CurrentWeight:        p.weight,
			DesiredWeight:        p.weight,
			CurrentInstanceCount: p.count,
			DesiredInstanceCount: p.count,
		}
		for _, dv := range ep.pending.variants {
			if dv.v.VariantName == v.VariantName {
				v.DesiredWeight, v.DesiredInstanceCount = dv.v.weight(), dv.v.InitialInstanceCount
			}
		}
		v.serverlessSummary = summarizeServerless(p, ep.pending.variants)
		variants = append(variants, v)
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

// updateEndpointWeightsAndCapacities changes the instance counts and weights
// of an InService endpoint's variants, as autoscaling does: the endpoint goes
// Updating for the create delay, keeps serving with its old capacity, then
// serves with the new one (workers per instance x instances).
func (s *Server) updateEndpointWeightsAndCapacities(body []byte) (any, *APIError) {
	var in struct {
		EndpointName                string
		DesiredWeightsAndCapacities []struct {
			VariantName            string
			DesiredWeight          *float64
			DesiredInstanceCount   *int
			ServerlessUpdateConfig any
		}
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	for i, d := range in.DesiredWeightsAndCapacities {
		if d.DesiredInstanceCount == nil {
			continue
		}
		if e := checkInt32(member("desiredWeightsAndCapacities", i, "desiredInstanceCount"), *d.DesiredInstanceCount); e != nil {
			return nil, e
		}
	}
	var vs violations
	vs.str("endpointName", in.EndpointName, nameRule.must())
	if vs.required("desiredWeightsAndCapacities", in.DesiredWeightsAndCapacities != nil) && len(in.DesiredWeightsAndCapacities) == 0 {
		vs.add("Value '[]' at 'desiredWeightsAndCapacities' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for i, d := range in.DesiredWeightsAndCapacities {
		vs.str(member("desiredWeightsAndCapacities", i, "variantName"), d.VariantName, nameRule.must())
		if d.DesiredWeight != nil && *d.DesiredWeight < 0 {
			vs.add("Value '%v' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *d.DesiredWeight, member("desiredWeightsAndCapacities", i, "desiredWeight"))
		}
		if d.DesiredInstanceCount != nil {
			vs.atLeast(member("desiredWeightsAndCapacities", i, "desiredInstanceCount"), *d.DesiredInstanceCount, 0)
		}
	}
	if e := vs.err(); e != nil {
		return nil, e
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ep, e := s.updatableLocked(in.EndpointName)
	if e != nil {
		return nil, e
	}
	d := ep.current.clone()
	var missing []string
	for _, want := range in.DesiredWeightsAndCapacities {
		i := slices.IndexFunc(d.variants, func(dv deployedVariant) bool { return dv.v.VariantName == want.VariantName })
		if i < 0 {
			missing = append(missing, want.VariantName)
			continue
		}
		if want.ServerlessUpdateConfig != nil {
			return nil, validation("sagemakertest: serverless variants are not emulated (variant %q)", want.VariantName)
		}
		v := d.variants[i].v
		if want.DesiredWeight != nil {
			w := *want.DesiredWeight
			v.InitialVariantWeight = &w
		}
		if want.DesiredInstanceCount != nil {
			if *want.DesiredInstanceCount == 0 {
				return nil, validation("sagemakertest: scaling variant %q to 0 instances is not emulated (it needs managed instance scaling).", want.VariantName)
			}
			v.InitialInstanceCount = *want.DesiredInstanceCount
		}
		d.variants[i].v = v
	}
	if len(missing) > 0 {
		return nil, validation("The variant(s) \"[%s]\" is/are not present in the endpoint %q.", strings.Join(missing, ", "), ep.arn)
	}
	if e := s.quotaLocked(d, ep); e != nil {
		return nil, e
	}
	ep.status, ep.pending, ep.failure, ep.modified = EndpointUpdating, d, "", time.Now()
	s.scheduleSettle(ep)
	return map[string]string{"EndpointArn": ep.arn}, nil
}

// pickLocked chooses the variant that serves an invocation: the one named by
// the TargetVariant header, or one drawn at random in proportion to the
// variants' weights, as SageMaker splits traffic.
func (ep *endpoint) pickLocked(target string) (*pool, *APIError) {
	if target != "" {
		for _, p := range ep.serving {
			if p.variant.VariantName == target {
				return p, nil
			}
		}
		return nil, &APIError{"ValidationError", fmt.Sprintf("Variant %s does not exist for endpoint %s of account %s.", target, ep.name, AccountID), http.StatusBadRequest}
	}
	if len(ep.serving) == 1 {
		return ep.serving[0], nil
	}
	total := 0.0
	for _, p := range ep.serving {
		total += p.weight
	}
	if total <= 0 {
		return nil, &APIError{"ValidationError", fmt.Sprintf("Endpoint %s of account %s has no variant with a weight above 0; use TargetVariant.", ep.name, AccountID), http.StatusBadRequest}
	}
	x := rand.Float64() * total
	var last *pool
	for _, p := range ep.serving {
		if p.weight <= 0 {
			continue
		}
		if x -= p.weight; x < 0 {
			return p, nil
		}
		last = p
	}
	return last, nil // x landed on the total through rounding
}
