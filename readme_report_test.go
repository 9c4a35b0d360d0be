package sagebench_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's first table and the verdict above it are one decision: the headline, the
// bold row, "(best)" and the Verdict column name the same configuration, the cheapest of
// those the table says qualify.
func TestReadmeFirstTableAgreesWithItsRecommendation(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	var headline string
	var header []string
	type row struct {
		config, verdict, vs string
		perM                float64
		bold                bool
	}
	var rows []row
	for _, l := range lines {
		if headline == "" {
			if s, ok := strings.CutPrefix(l, "Recommended: **"); ok {
				headline, _, _ = strings.Cut(s, "**")
			}
			continue
		}
		if !strings.HasPrefix(l, "| ") {
			if len(rows) > 0 {
				break // the end of the first table after the headline
			}
			continue
		}
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		if header == nil {
			header = cells
			continue
		}
		if strings.HasPrefix(cells[0], ":--") {
			continue
		}
		col := func(name string) string {
			for i, h := range header {
				if h == name {
					return cells[i]
				}
			}
			t.Fatalf("README's first table has no %q column: %q", name, header)
			return ""
		}
		perM, err := strconv.ParseFloat(strings.Trim(col("$/1M inferences"), "*"), 64)
		require.NoError(t, err, l)
		rows = append(rows, row{config: strings.Trim(cells[0], "*"), verdict: strings.Trim(col("Verdict"), "*"),
			vs: col("vs best"), perM: perM, bold: strings.HasPrefix(cells[0], "**")})
	}
	require.NotEmpty(t, headline, "README has no 'Recommended: **...**' line")
	require.NotEmpty(t, rows)
	cheapest := ""
	minPerM := 0.0
	for _, r := range rows {
		assert.Equal(t, r.config == headline, r.bold, "%s: bold row vs headline %s", r.config, headline)
		assert.Equal(t, r.config == headline, strings.Contains(r.vs, "(best)"), "%s: (best) vs headline %s", r.config, headline)
		assert.Equal(t, r.config == headline, r.verdict == "recommended", "%s: verdict %q vs headline %s", r.config, r.verdict, headline)
		if (r.verdict == "recommended" || r.verdict == "qualifies" || r.verdict == "meets SLO") && (cheapest == "" || r.perM < minPerM) {
			cheapest, minPerM = r.config, r.perM
		}
	}
	assert.Equal(t, headline, cheapest, "the recommended row is the cheapest that qualifies")
}
