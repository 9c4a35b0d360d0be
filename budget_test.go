package sagebench_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/invalid"
)

// With one candidate priced and one not, the estimate prints no total: it names the
// unpriced one, why it has no price and what would price it, and what the priced one costs.
func TestBillWithAnUnpricedCandidateHasNoTotal(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge", "ml.c6i.xlarge"}, Compile: []bool{false}})...)
	st.Candidates[1].Image = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"
	st.Prices = cost.Study2021 // pinned: c5 only
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	e := plan.Bill
	assert.False(t, e.Known())
	assert.Equal(t, []string{"c6i"}, e.Unpriced)
	assert.Equal(t, `estimated endpoint cost: unknown: 1 of 2 candidates have no price (c6i); the priced ones come to at most $0.06
  c5           ml.c5.xlarge     0.25 h x $0.23/h x 1 = $0.06
  c6i          ml.c6i.xlarge    no price: cost: ml.c6i.xlarge is a valid SageMaker instance type; table study-2021 has no price for it in eu-west-1
prices: embedded table study-2021, read 2021 from reference study: PyTorch ResNet50 on SageMaker in eu-west-1 (its published price column)
to price c6i: leave Study.Prices nil to read the region's prices from the AWS Price List (public, no credentials needed)`, e.String())
}

// A NaN or negative MaxCostUSD is an *invalid.Error, not a budget silently disabled.
func TestPlanRefusesAnInvalidMaxCostUSD(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()...)
	st.Load.Duration = time.Second
	for _, v := range []float64{math.NaN(), -1, math.Inf(-1)} {
		st.MaxCostUSD = v
		_, err := st.Plan(srv.Config())
		var ie *invalid.Error
		assert.ErrorAs(t, err, &ie, "MaxCostUSD %v accepted", v)
	}
}
