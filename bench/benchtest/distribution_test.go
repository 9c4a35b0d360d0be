package benchtest

import (
	"math"
	"testing"
	"time"
)

func TestDistributionQuantiles(t *testing.T) {
	const ms = time.Millisecond
	phi1 := 0.5 * math.Erfc(-1/math.Sqrt2) // P(Z < 1) = 0.8413
	tests := []struct {
		name string
		d    Distribution
		q    float64
		want time.Duration
	}{
		{"constant", Constant(5 * ms), 0.99, 5 * ms},
		{"negative constant", Constant(-ms), 0.5, 0},
		{"uniform low", Uniform(ms, 3*ms), 1e-9, ms},
		{"uniform mid", Uniform(ms, 3*ms), 0.5, 2 * ms},
		{"uniform swapped bounds", Uniform(3*ms, ms), 0.75, 2500 * time.Microsecond},
		{"normal median", Normal(10*ms, 2*ms), 0.5, 10 * ms},
		{"normal +1 sd", Normal(10*ms, 2*ms), phi1, 12 * ms},
		{"normal -1 sd", Normal(10*ms, 2*ms), 1 - phi1, 8 * ms},
		// Truncated at zero: the median of |Z|-like half bell is the 75th percentile of Z.
		{"half normal median", Normal(0, ms), 0.5, 674490 * time.Nanosecond},
		{"normal sd 0", Normal(7*ms, 0), 0.9, 7 * ms},
		{"lognormal median", LogNormal(20*ms, 0.5), 0.5, 20 * ms},
		{"lognormal +1 sigma", LogNormal(20*ms, 0.5), phi1, time.Duration(20 * math.Exp(0.5) * float64(ms))},
		{"lognormal bad median", LogNormal(-ms, 0.5), 0.9, 0},
		{"empirical lowest", Empirical([]time.Duration{3 * ms, ms, 2 * ms}), 0.1, ms},
		{"empirical highest", Empirical([]time.Duration{3 * ms, ms, 2 * ms}), 0.99, 3 * ms},
		{"empirical empty", Empirical(nil), 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d(tt.q)
			if diff := math.Abs(float64(got - tt.want)); diff > 2000 { // 2 us of float slack
				t.Errorf("quantile %v = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// Averaging each distribution over a fine grid of q approximates its mean; a wrong quantile
// function (a clamped instead of truncated normal, say) misses by far more than the slack.
func TestDistributionMeans(t *testing.T) {
	const ms = float64(time.Millisecond)
	halfNormalMean := math.Sqrt(2/math.Pi) * ms
	tests := []struct {
		name string
		d    Distribution
		want float64
	}{
		{"uniform", Uniform(time.Millisecond, 3*time.Millisecond), 2 * ms},
		{"normal", Normal(10*time.Millisecond, 2*time.Millisecond), 10 * ms},
		{"truncated normal", Normal(0, time.Millisecond), halfNormalMean},
		{"lognormal", LogNormal(10*time.Millisecond, 0.5), 10 * ms * math.Exp(0.125)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 200000
			sum := 0.0
			for i := range n {
				v := tt.d((float64(i) + 0.5) / n)
				if v < 0 {
					t.Fatalf("negative latency %v", v)
				}
				sum += float64(v)
			}
			if mean := sum / n; math.Abs(mean-tt.want) > 0.01*tt.want {
				t.Errorf("mean %v, want %v within 1%%", time.Duration(mean), time.Duration(tt.want))
			}
		})
	}
}

func TestDistributionsNeverReturnNonsense(t *testing.T) {
	ds := []Distribution{
		Normal(-time.Hour, time.Millisecond), // all of the bell below zero
		Normal(time.Millisecond, -time.Millisecond),
		LogNormal(time.Hour, 50), // an absurd tail saturates, never overflows
		Uniform(-time.Second, -time.Millisecond),
	}
	for i, d := range ds {
		for _, q := range []float64{1e-300, 1e-9, 0.5, 1 - 1e-16} {
			if v := d(q); v < 0 {
				t.Errorf("distribution %d at q=%v returned %v, want >= 0", i, q, v)
			}
		}
	}
}
