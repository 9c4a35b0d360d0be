package sagebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// deployExisting deploys an endpoint as a user would have before the study, with a
// client of its own, and returns its name.
func deployExisting(t *testing.T, srv *sagemakertest.Server, name, instanceType string, count int) string {
	t.Helper()
	require.NoError(t, srv.PutObject("mine", "m/model.tar.gz", []byte("archive")))
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 50*time.Millisecond
	})
	_, err := c.Deploy(context.Background(), sagemaker.ModelSpec{Name: name, Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mine:1",
		ModelDataURL: "s3://mine/m/model.tar.gz", RoleARN: testRole},
		sagemaker.EndpointSpec{Name: name, InstanceType: instanceType, InstanceCount: count})
	require.NoError(t, err)
	return name
}

// An endpoint the user already has is measured and priced like the others, from its
// configuration's instance type and count, and is never deleted.
func TestRunMeasuresAnExistingEndpointAndNeverDeletesIt(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	name := deployExisting(t, srv, "my-endpoint", "ml.g4dn.xlarge", 2)
	st := newStudy(t, append(study3()[:1], sagebench.Candidate{Name: "mine", Endpoint: name})...)
	plan, err := st.Plan(srv.Config())
	require.NoError(t, err)
	for _, l := range plan.Bill.Lines {
		assert.NotEqual(t, "mine", l.Candidate, "an existing endpoint bills anyway: it adds nothing to the estimate")
	}
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[1]
	require.NotNil(t, o.Result, "%v", o.Err)
	assert.Equal(t, "ml.g4dn.xlarge", o.Candidate.InstanceType)
	assert.Equal(t, 2, o.Candidate.InstanceCount)
	require.NotNil(t, o.Cost, "priced from the endpoint's configuration")
	var live []string
	for _, e := range srv.Endpoints() {
		if e.Status != "Deleting" {
			live = append(live, e.Name+" "+e.Status)
		}
	}
	assert.Equal(t, []string{name + " InService"}, live)
	assert.Equal(t, 1, srv.Calls("DeleteEndpoint"), "only the study's own endpoint is deleted")
	assert.ElementsMatch(t, []string{"endpoint-config " + name, "endpoint " + name + " (InService)", "model " + name}, srv.Leftovers())
	for _, d := range rep.Teardown {
		assert.NotEqual(t, name, d.Resource.Name, "the existing endpoint is not in the study's ledger")
	}
}

// An existing endpoint's candidate refuses what would need a deploy, at Plan.
func TestPlanRefusesDeployFieldsOnAnExistingEndpoint(t *testing.T) {
	t.Parallel()
	st := newStudy(t, sagebench.Candidate{Name: "mine", Endpoint: "my-endpoint", Image: "x", Env: map[string]string{"A": "1"}})
	assertProblem(t, planProblems(t, st, "eu-west-1"), `"mine"`, "existing endpoint (my-endpoint) is measured as it is")

	// Each problem is filed under the candidate's field at fault.
	st = newStudy(t, sagebench.Candidate{Name: "mine", Endpoint: "my_endpoint!", InstanceType: "ml.c5.huge", Image: "x"})
	_, err := st.Plan(aws.Config{Region: "eu-west-1"})
	var ie *invalid.Error
	require.ErrorAs(t, err, &ie)
	var fields []string
	for _, p := range ie.Problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"Candidates[0].Endpoint", "Candidates[0].InstanceType", "Candidates[0].Image"}, fields, "%s", err)
}

// A study of endpoints you already have needs no model, role or bucket, and uploads,
// creates and deletes nothing.
func TestRunOfExistingEndpointsAloneNeedsNoModel(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	name := deployExisting(t, srv, "my-endpoint", "ml.c5.xlarge", 1)
	st := newStudy(t, sagebench.Candidate{Name: "mine", Endpoint: name})
	st.Model, st.RoleARN = nil, ""
	objects, calls := len(srv.Objects()), srv.CallCounts()
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.NotNil(t, rep.Outcomes[0].Result, "%v", rep.Outcomes[0].Err)
	assert.Empty(t, rep.Teardown)
	assert.Len(t, srv.Objects(), objects)
	after := srv.CallCounts()
	for _, op := range []string{"CreateModel", "CreateEndpointConfig", "CreateEndpoint", "DeleteEndpoint", "DeleteModel", "s3:PUT"} {
		assert.Equal(t, calls[op], after[op], op)
	}
}

// An existing endpoint's saved result resumes like the others, with the instance type
// and count read when it was measured.
func TestRunResumesAnExistingEndpointsResult(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	name := deployExisting(t, srv, "my-endpoint", "ml.g4dn.xlarge", 2)
	st := newStudy(t, sagebench.Candidate{Name: "mine", Endpoint: name})
	st.OutputDir = t.TempDir()
	_, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	invokes := srv.Calls("InvokeEndpoint")
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	o := rep.Outcomes[0]
	assert.True(t, o.Resumed)
	assert.Equal(t, invokes, srv.Calls("InvokeEndpoint"), "not measured again")
	assert.Equal(t, "ml.g4dn.xlarge", o.Candidate.InstanceType)
	assert.Equal(t, 2, o.Candidate.InstanceCount)
	assert.NotNil(t, o.Cost)
}
