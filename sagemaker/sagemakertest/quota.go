package sagemakertest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
)

// InstanceQuota is the emulator's account-level quota "<instance type> for
// endpoint usage": how many instances of one type all endpoints together may
// run. CreateEndpoint, UpdateEndpoint and UpdateEndpointWeightsAndCapacities
// beyond it fail with ResourceLimitExceeded, as SageMaker's do beyond the
// account's quota (whose defaults vary by account and instance type; see
// https://docs.aws.amazon.com/general/latest/gr/sagemaker.html#limits_sagemaker).
const InstanceQuota = 100

// checkInt32 rejects a JSON number that does not fit the member's type:
// InitialInstanceCount, DesiredInstanceCount and the other counts are
// Integer, a 32-bit signed integer (Smithy's integer shape; see
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html),
// so a larger number is not a request SageMaker can deserialize: it answers
// SerializationException before any validation.
func checkInt32(field string, v int) *APIError {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return &APIError{"SerializationException", fmt.Sprintf("Value '%d' at '%s' cannot be converted to an Integer (32-bit signed)", v, field), http.StatusBadRequest}
	}
	return nil
}

// instanceUsage adds up the instances d runs, by instance type.
func (d deployment) instanceUsage(into map[string]int64) {
	for _, dv := range d.variants {
		into[dv.v.InstanceType] += int64(dv.v.InitialInstanceCount)
	}
}

// quotaLocked checks that running d on an endpoint stays within
// InstanceQuota for every instance type, counting what every other endpoint
// runs or is about to run (the larger of its current and pending
// deployments); self is the endpoint d is for, nil for a new one.
func (s *Server) quotaLocked(d deployment, self *endpoint) *APIError {
	used := map[string]int64{}
	for _, ep := range s.endpoints {
		if ep == self {
			continue
		}
		cur, next := map[string]int64{}, map[string]int64{}
		ep.current.instanceUsage(cur)
		ep.pending.instanceUsage(next)
		for t, n := range cur {
			used[t] += max(n, next[t])
		}
		for t, n := range next {
			if _, ok := cur[t]; !ok {
				used[t] += n
			}
		}
	}
	delta := map[string]int64{}
	d.instanceUsage(delta)
	types := make([]string, 0, len(delta))
	for t := range delta {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		if used[t]+delta[t] > InstanceQuota {
			return &APIError{"ResourceLimitExceeded", fmt.Sprintf("The account-level service limit '%s for endpoint usage' is %d Instances, with current utilization of %d Instances and a request delta of %d Instances. Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota.", t, InstanceQuota, used[t], delta[t]), http.StatusBadRequest}
		}
	}
	return nil
}
