package suggest

import (
	"slices"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"ml.c5.xlarge", "ml.c5.2xlarge", "ml.g5.xlarge", "ml.inf1.xlarge", "ml.inf2.xlarge"}
	cases := []struct {
		s    string
		want []string
	}{
		{"ml.c5.xlarg", []string{"ml.c5.xlarge"}},
		{"ml.inf3.xlarge", []string{"ml.inf1.xlarge", "ml.inf2.xlarge"}},
		{"ml.c5.xlarge", []string{"ml.c5.xlarge"}},
		{"something-else", nil},
	}
	for _, tc := range cases {
		if got := Closest(tc.s, names); !slices.Equal(got, tc.want) {
			t.Errorf("Closest(%q) = %v; want %v", tc.s, got, tc.want)
		}
	}
}
