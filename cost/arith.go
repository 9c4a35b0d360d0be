package cost

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInput is matched (errors.Is) by every error about a price, throughput or count
// that no arithmetic here can use: negative, zero where it divides, NaN or infinite.
var ErrInvalidInput = errors.New("cost: invalid input")

const secondsPerHour = 3600

// The functions below return an error instead of a quiet Inf or NaN: a cost figure computed
// from a failed run (zero throughput) must not reach a report looking like a number.

// PerMillion is the cost of one million inferences on an instance costing usdPerHour that
// serves tps inferences per second: usdPerHour / (tps*3600) * 1e6.
func PerMillion(usdPerHour, tps float64) (float64, error) {
	per, err := PerInference(usdPerHour, tps)
	return per * 1e6, err
}

// PerInference is the cost of a single inference: usdPerHour / (tps*3600).
func PerInference(usdPerHour, tps float64) (float64, error) {
	if err := checkPrice(usdPerHour); err != nil {
		return 0, err
	}
	tph, err := TransactionsPerHour(tps)
	if err != nil {
		return 0, err
	}
	return usdPerHour / tph, nil
}

// TransactionsPerHour is how many inferences tps sustains in an hour.
func TransactionsPerHour(tps float64) (float64, error) {
	if !finite(tps) || tps <= 0 {
		return 0, fmt.Errorf("%w: throughput %v inferences/s must be a positive number", ErrInvalidInput, tps)
	}
	return tps * secondsPerHour, nil
}

// InferencesPerDollar is how many inferences one US dollar buys: (tps*3600) / usdPerHour.
func InferencesPerDollar(usdPerHour, tps float64) (float64, error) {
	if err := checkPrice(usdPerHour); err != nil {
		return 0, err
	}
	if usdPerHour == 0 {
		return 0, fmt.Errorf("%w: a price of $0/hour buys unlimited inferences", ErrInvalidInput)
	}
	tph, err := TransactionsPerHour(tps)
	if err != nil {
		return 0, err
	}
	return tph / usdPerHour, nil
}

// EndpointPerHour is the hourly price of an endpoint of n instances each costing usdPerHour.
func EndpointPerHour(usdPerHour float64, n int) (float64, error) {
	if err := checkPrice(usdPerHour); err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, fmt.Errorf("%w: an endpoint needs at least 1 instance, got %d", ErrInvalidInput, n)
	}
	return usdPerHour * float64(n), nil
}

func checkPrice(usdPerHour float64) error {
	if !finite(usdPerHour) || usdPerHour < 0 {
		return fmt.Errorf("%w: price $%v/hour must be a non-negative number", ErrInvalidInput, usdPerHour)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
