package cost

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrNoCandidate is matched (errors.Is) when no candidate meets a [Requirement].
var ErrNoCandidate = errors.New("cost: no candidate meets the requirement")

// InstancesFor is how many instances, each sustaining perInstanceTPS, serve targetTPS while
// keeping headroom spare: ceil(targetTPS * (1+headroom) / perInstanceTPS). A headroom of 0.3
// plans for 30% more load than the target, so a traffic burst or a lost instance does not
// push the rest past the throughput at which they were measured.
func InstancesFor(targetTPS, perInstanceTPS, headroom float64) (int, error) {
	if !finite(targetTPS) || targetTPS <= 0 {
		return 0, fmt.Errorf("%w: target %v inferences/s must be a positive number", ErrInvalidInput, targetTPS)
	}
	if !finite(perInstanceTPS) || perInstanceTPS <= 0 {
		return 0, fmt.Errorf("%w: per-instance throughput %v inferences/s must be a positive number",
			ErrInvalidInput, perInstanceTPS)
	}
	if !finite(headroom) || headroom < 0 {
		return 0, fmt.Errorf("%w: headroom %v must be a non-negative fraction", ErrInvalidInput, headroom)
	}
	need := targetTPS * (1 + headroom) / perInstanceTPS
	// Forgive float noise: 100*1.2/40 must be 3 instances, not the 4 that 3.0000000000000004 gives.
	n := math.Ceil(need - 1e-9*need)
	if !finite(need) || n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %v inferences/s at %v per instance needs more than %d instances",
			ErrInvalidInput, targetTPS, perInstanceTPS, math.MaxInt32)
	}
	return max(1, int(n)), nil
}

// Requirement is the load a deployment must carry.
type Requirement struct {
	TPS        float64       // target inferences per second
	Headroom   float64       // spare capacity as a fraction of TPS, e.g. 0.3
	MaxLatency time.Duration // 0: no latency SLO; otherwise candidates must show Latency <= MaxLatency
}

// Fleet is what to run to serve a [Requirement]'s target rate: a candidate scaled out to
// InstanceCount instances.
type Fleet struct {
	Candidate     Candidate
	InstanceCount int
	USDPerHour    float64 // the scaled endpoint
	PerMillion    float64 // at the target TPS, the load actually served
}

// Cheapest scales every candidate to the requirement and returns the fleet with the lowest
// hourly cost; ties go to fewer instances, then to the earlier candidate. A candidate's
// per-instance throughput is its TPS over its InstanceCount. With a latency SLO, a candidate
// without a measured Latency is left out: it cannot show it meets the SLO. The latency is
// taken to hold when scaling out, since each instance then runs at or below the load at
// which it was measured.
func Cheapest(req Requirement, candidates ...Candidate) (Fleet, error) {
	switch {
	case !finite(req.TPS) || req.TPS <= 0:
		return Fleet{}, fmt.Errorf("%w: target %v inferences/s must be a positive number", ErrInvalidInput, req.TPS)
	case !finite(req.Headroom) || req.Headroom < 0:
		return Fleet{}, fmt.Errorf("%w: headroom %v must be a non-negative fraction", ErrInvalidInput, req.Headroom)
	case req.MaxLatency < 0:
		return Fleet{}, fmt.Errorf("%w: latency SLO %v is negative", ErrInvalidInput, req.MaxLatency)
	}
	var (
		best     Fleet
		found    bool
		rejected []string
	)
	for _, c := range candidates {
		p, why := scale(req, c)
		if why != "" {
			rejected = append(rejected, fmt.Sprintf("%s: %s", c.Name, why))
			continue
		}
		if !found || p.USDPerHour < best.USDPerHour ||
			(p.USDPerHour == best.USDPerHour && p.InstanceCount < best.InstanceCount) {
			best, found = p, true
		}
	}
	if !found {
		if len(candidates) == 0 {
			rejected = append(rejected, "no candidates given")
		}
		return Fleet{}, fmt.Errorf("%w of %v inferences/s (headroom %v, SLO %v): %s",
			ErrNoCandidate, req.TPS, req.Headroom, req.MaxLatency, strings.Join(rejected, "; "))
	}
	return best, nil
}

// scale scales one candidate, or says why it cannot serve the requirement.
func scale(req Requirement, c Candidate) (Fleet, string) {
	if req.MaxLatency > 0 {
		if c.Latency <= 0 {
			return Fleet{}, "no latency measured"
		}
		if c.Latency > req.MaxLatency {
			return Fleet{}, fmt.Sprintf("latency %v exceeds %v", c.Latency, req.MaxLatency)
		}
	}
	est, err := NewEstimate(c)
	if err != nil {
		return Fleet{}, err.Error()
	}
	n, err := InstancesFor(req.TPS, est.TPS/float64(est.InstanceCount), req.Headroom)
	if err != nil {
		return Fleet{}, err.Error()
	}
	hourly, err := EndpointPerHour(c.Price.USDPerHour, n)
	if err != nil {
		return Fleet{}, err.Error()
	}
	perM, err := PerMillion(hourly, req.TPS)
	if err != nil {
		return Fleet{}, err.Error()
	}
	return Fleet{Candidate: c, InstanceCount: n, USDPerHour: hourly, PerMillion: perM}, ""
}
