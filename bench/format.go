package bench

import (
	"fmt"
	"strconv"
)

// formatRate prints a rate in requests per second to three significant digits without
// an exponent: 0.3, 0.000001, 12.5, 1000000. A rate under 1 req/s printed with %.0f
// would read "0 req/s".
func formatRate(r float64) string {
	v, err := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
	if err != nil {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatThroughput prints a measured throughput as reports always have (one decimal),
// and to three significant digits under 1 req/s, where one decimal would round it away.
func formatThroughput(t float64) string {
	if t >= 1 || t == 0 {
		return fmt.Sprintf("%.1f", t)
	}
	return formatRate(t)
}
