package sagebench_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/cost"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// TestRunSendsEveryCallToTheStudysRegion runs a study whose Region differs from the
// aws.Config's: every SageMaker, S3 and CloudWatch call is signed for the study's
// region (on AWS, the endpoint and the signature are regional), none for cfg's.
func TestRunSendsEveryCallToTheStudysRegion(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithRegion("us-east-2"))
	cfg := srv.Config()
	cfg.Region = "us-east-1"
	s := newStudy(t, study3()...)
	s.Region = "us-east-2"
	s.Prices = pricesFor(t, "us-east-2", "ml.c5.xlarge", "ml.g4dn.xlarge")
	// A caller's option that names another region does not move the study's clients.
	s.SageMaker = append(s.SageMaker, func(o *sagemaker.Options) { o.Region = "eu-west-3" })
	s.Neo = append(s.Neo, func(o *neo.Options) { o.Region = "eu-west-3" })
	rep, err := s.Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Result, "%s: %v %s", o.Candidate.Name, o.Err, o.Skipped)
	}
	regions := srv.SigningRegions()
	for _, svc := range []string{"sagemaker", "s3", "monitoring"} {
		assert.NotEmpty(t, regions[svc], "no %s call seen", svc)
		for region, n := range regions[svc] {
			assert.Equal(t, "us-east-2", region, "%d %s calls signed for %s", n, svc, region)
		}
	}
	assertNothingLeft(t, srv, rep)
}

// pricesFor is a price table of $1/h for each instance type in region.
func pricesFor(t *testing.T, region string, types ...string) *cost.Table {
	t.Helper()
	var b strings.Builder
	b.WriteString("region,instance_type,usd_per_hour,as_of,source\n")
	for _, it := range types {
		fmt.Fprintf(&b, "%s,%s,1,2026-12-01,test\n", region, it)
	}
	tab, err := cost.ParseTable("test", strings.NewReader(b.String()))
	require.NoError(t, err)
	return tab
}
