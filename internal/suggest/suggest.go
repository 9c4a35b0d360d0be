// Package suggest finds the names closest to a mistyped one: the "did you mean" of price
// lookups, instance types and Neo targets.
package suggest

import "slices"

// Closest returns up to three candidates at the smallest edit distance from s, if that
// distance is small enough to be a likely typo rather than a guess.
func Closest(s string, candidates []string) []string {
	type scored struct {
		name string
		d    int
	}
	limit := max(2, len(s)/3)
	var hits []scored
	for _, c := range candidates {
		if d := Distance(s, c); d <= limit {
			hits = append(hits, scored{c, d})
		}
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return a.d - b.d })
	var out []string
	for i, h := range hits {
		if i == 3 || h.d > hits[0].d {
			break
		}
		out = append(out, h.name)
	}
	return out
}

// Distance is the edit distance between a and b over bytes (names here are ASCII).
func Distance(a, b string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}
