package catalog

import "slices"

// Closest returns up to three candidates at the smallest edit distance from s, when that
// distance is small enough to be a typo rather than a guess. It is the "did you mean" of
// instance types and Neo targets.
func Closest(s string, candidates []string) []string {
	limit := max(2, len(s)/4)
	best, out := limit+1, []string(nil)
	for _, c := range candidates {
		d := distance(s, c)
		switch {
		case d < best:
			best, out = d, []string{c}
		case d == best && len(out) < 3 && !slices.Contains(out, c):
			out = append(out, c)
		}
	}
	return out
}

// distance is the Levenshtein distance over bytes (the names are ASCII).
func distance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			sub := prev
			if a[i-1] != b[j-1] {
				sub++
			}
			row[j] = min(row[j]+1, row[j-1]+1, sub)
			prev = cur
		}
	}
	return row[len(b)]
}
