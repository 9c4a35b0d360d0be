// Package resname turns free text into a part of a SageMaker resource name.
package resname

import "strings"

// Dashed keeps ASCII letters and digits, turns every other character into '-', and
// trims leading and trailing dashes: "g4dn+neo workers=2" gives "g4dn-neo-workers-2".
// Different texts can give the same part ("a.b" and "a-b" both give "a-b").
func Dashed(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s), "-")
}
