package sagebench_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/report"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

var rate4GB = cost.ServerlessRate{Region: "eu-west-1", MemoryGB: 4, USDPerSecond: 0.00008, USDPerGBIn: 0.016, USDPerGBOut: 0.016, Source: "test rate"}

func serverless4GB(maxConcurrency int) sagebench.Candidate {
	r := rate4GB
	return sagebench.Candidate{Name: "sls-4GB", Serverless: &sagebench.ServerlessSpec{
		MemorySizeInMB: 4096, MaxConcurrency: maxConcurrency, Price: &r}}
}

// Plan refuses what AWS refuses of a serverless endpoint, each with its reason.
func TestPlanRefusesWhatServerlessInferenceRefuses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		mod   func(*sagebench.Candidate, *sagebench.Study)
		want  string
		field string // the Study field at fault
	}{
		"memory not a step": {func(c *sagebench.Candidate, _ *sagebench.Study) { c.Serverless.MemorySizeInMB = 1500 }, "1500 MB is not one of", "Candidates[0].Serverless.MemorySizeInMB"},
		"memory over 6 GB":  {func(c *sagebench.Candidate, _ *sagebench.Study) { c.Serverless.MemorySizeInMB = 8192 }, "8192 MB is not one of", "Candidates[0].Serverless.MemorySizeInMB"},
		"concurrency 0":     {func(c *sagebench.Candidate, _ *sagebench.Study) { c.Serverless.MaxConcurrency = 0 }, "max concurrency 0", "Candidates[0].Serverless.MaxConcurrency"},
		"GPU image": {func(c *sagebench.Candidate, _ *sagebench.Study) {
			c.Image = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-gpu-py3"
		}, "does not support GPUs", "Candidates[0].Image"},
		"Neo target":    {func(c *sagebench.Candidate, _ *sagebench.Study) { c.Target = neo.TargetMLInf1 }, "Neo-compiled", "Candidates[0].Target"},
		"instance type": {func(c *sagebench.Candidate, _ *sagebench.Study) { c.InstanceType = "ml.c5.xlarge" }, "no InstanceType", "Candidates[0].InstanceType"},
		"payload over 4 MB": {func(_ *sagebench.Candidate, s *sagebench.Study) {
			s.Load.Payloads = []payload.Payload{{Name: "big", ContentType: "application/octet-stream", Body: make([]byte, 5<<20)}}
		}, "over serverless inference's 4 MB", "Load.Payloads"},
		"price of another size": {func(c *sagebench.Candidate, _ *sagebench.Study) { c.Serverless.Price.MemoryGB = 2 }, "Price is for 2 GB", "Candidates[0].Serverless.Price"},
	} {
		t.Run(name, func(t *testing.T) {
			c := serverless4GB(5)
			st := newStudy(t, c)
			tc.mod(&st.Candidates[0], &st)
			_, err := st.Plan(aws.Config{Region: "eu-west-1"})
			var ie *invalid.Error
			require.True(t, errors.As(err, &ie), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
			var fields []string
			for _, p := range ie.Problems {
				fields = append(fields, p.Field)
			}
			assert.Contains(t, fields, tc.field, "the problem is filed under the field at fault")
		})
	}
	st := newStudy(t, serverless4GB(5))
	p, err := st.Plan(aws.Config{Region: "eu-west-1"})
	require.NoError(t, err)
	// The budget's worst case: every container busy throughout.
	assert.InDelta(t, 5*0.00008*3600, p.Bill.Lines[0].USDPerHour, 1e-12)
}

// The quickstart's pipeline with a serverless candidate beside an instance one: it is
// deployed, measured and deleted like any candidate, priced from its measured duration
// by the serverless formula, and the report shows where each is cheapest by traffic.
func TestStudyMeasuresAServerlessCandidateAndShowsTheBreakEven(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithServerlessSetupTime(0))
	// A test rate far above AWS's, so that the break-even falls well below c5's
	// throughput whatever the machine's load makes of the emulator's millisecond times.
	const perSecond = 0.01
	sls := serverless4GB(4)
	sls.Serverless.Price.USDPerSecond = perSecond
	st := newStudy(t, sagebench.Candidate{Name: "c5", InstanceType: "ml.c5.xlarge"}, sls)
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assertNothingLeft(t, srv, rep)
	require.Len(t, rep.Outcomes, 2)
	o := rep.Outcomes[1]
	require.NotNil(t, o.Result)
	require.NotNil(t, o.Serverless, "priced")
	require.NotNil(t, o.Server, "CloudWatch figures")
	// The price formula: compute over the endpoint's mean ModelLatency, rounded up to the
	// millisecond, plus the payload in.
	billed := math.Ceil(float64(o.Server.ModelMean)/float64(time.Millisecond)) / 1000
	in := float64(len(st.Load.Payloads[0].Body))
	want := perSecond*billed + in*0.016/(1<<30)
	assert.InDelta(t, want*1e6, o.Serverless.PerMillion, 1e-9)
	assert.InDelta(t, want*1e6, o.Cost.PerMillion, 1e-6)
	assert.InDelta(t, 4/o.Server.ModelMean.Seconds(), o.Serverless.MaxTPS, 1e-9)

	tbl := rep.Document("t", report.Emulated)
	md := tbl.Markdown()
	assert.Contains(t, md, "| sls-4GB | serverless 4096 MB |")
	assert.Contains(t, md, "## Cost by traffic")
	spans := tbl.BreakEvens()
	require.NotEmpty(t, spans)
	// Serverless is cheapest at the bottom of the range; where c5's $0.23/hour meets its
	// line is the break-even.
	require.Greater(t, len(spans), 1, "%+v", spans)
	assert.Equal(t, 1, spans[0].Row)
	assert.Equal(t, 0, spans[1].Row)
	assert.InDelta(t, 0.23/(3600*o.Serverless.PerRequest), spans[0].To, 1e-9)
	rec := rep.Recommendation()
	assert.NotContains(t, rec, "( x1)")
	assert.Contains(t, rec, "Cheapest by traffic (inferences/s): below ")
	assert.Contains(t, rec, "the recommendation holds from ")
}
