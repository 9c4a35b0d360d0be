package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrafficChartDrawsEveryQualifyingRow(t *testing.T) {
	rep := trafficReport(t)
	charts, err := rep.Charts()
	require.NoError(t, err)
	var svg bytes.Buffer
	found := false
	for _, c := range charts {
		if c.Name == "cost-by-traffic" {
			found = true
			require.NoError(t, c.Render(&svg, "svg"))
		}
	}
	require.True(t, found)
	for _, name := range []string{"sls-4GB", "c5+neo", "inf1+neo (recommended)", "g4dn", "target 100/s"} {
		assert.True(t, strings.Contains(svg.String(), name), name)
	}
}
