package benchtest

import (
	"math"
	"slices"
	"time"
)

// Distribution is a latency distribution given by its quantile function: it maps a
// probability q in the open interval (0, 1) to the latency that a fraction q of calls stay
// under. The fake draws q uniformly for each call and holds the call for Distribution(q)
// (inverse transform sampling), so any distribution plugs in as a plain function, including
// one read off a measured histogram, and a draw costs no allocation.
//
// A Distribution must be safe for concurrent use; a pure function of q is.
type Distribution func(q float64) time.Duration

// Constant holds every call for d (negative d counts as zero).
func Constant(d time.Duration) Distribution {
	d = max(d, 0)
	return func(float64) time.Duration { return d }
}

// Uniform spreads latencies evenly over [lo, hi]. The bounds may come in either order;
// negative ones count as zero.
func Uniform(lo, hi time.Duration) Distribution {
	lo, hi = max(min(lo, hi), 0), max(lo, hi, 0)
	span := float64(hi - lo)
	return func(q float64) time.Duration { return lo + duration(q*span) }
}

// Normal is the normal distribution with the given mean and standard deviation, truncated
// at zero: the part of the bell below zero is cut off and the rest rescaled (a truncated
// distribution, not a clamped one, so no mass piles up at exactly zero). A negative sd is
// taken as its absolute value; sd zero is Constant(mean).
func Normal(mean, sd time.Duration) Distribution {
	if sd < 0 {
		sd = -sd
	}
	if sd == 0 {
		return Constant(mean)
	}
	mu, sigma := float64(mean), float64(sd)
	// Probability mass below zero; q is mapped into [below, 1) so that only the positive
	// part of the bell is ever sampled.
	below := 0.5 * math.Erfc(mu/(sigma*math.Sqrt2))
	if below >= 1 { // the whole bell is below zero, beyond float precision
		return Constant(0)
	}
	return func(q float64) time.Duration {
		p := min(below+q*(1-below), math.Nextafter(1, 0))
		return duration(mu + sigma*probit(p))
	}
}

// LogNormal is the log-normal distribution with the given median and shape sigma (the
// standard deviation of the latency's logarithm): the long right tail real services have.
// sigma 0.25 is a tight service, 1 a very ragged one. A non-positive median is Constant(0);
// a negative sigma is taken as its absolute value.
func LogNormal(median time.Duration, sigma float64) Distribution {
	if median <= 0 {
		return Constant(0)
	}
	m, s := float64(median), math.Abs(sigma)
	return func(q float64) time.Duration { return duration(m * math.Exp(s*probit(q))) }
}

// Empirical replays measured latencies: each call is held for one of samples, each equally
// likely, so a fake reproduces the shape (and tail) of a real endpoint. The samples are
// copied; with none it is Constant(0).
func Empirical(samples []time.Duration) Distribution {
	if len(samples) == 0 {
		return Constant(0)
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	return func(q float64) time.Duration {
		i := min(int(q*float64(len(sorted))), len(sorted)-1)
		return max(sorted[max(i, 0)], 0)
	}
}

// probit is the standard normal quantile function.
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// duration converts nanoseconds, saturating instead of overflowing for absurd tails.
func duration(ns float64) time.Duration {
	switch {
	case ns <= 0 || math.IsNaN(ns):
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	}
	return time.Duration(ns)
}
