package sagebench_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/payload"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// classify is the user's model as the emulator serves it: JSON in, JSON out.
func classify(_ context.Context, _ string, body []byte, contentType string) ([]byte, error) {
	var in struct{ Inputs string }
	if contentType != "application/json" || json.Unmarshal(body, &in) != nil || in.Inputs == "" {
		return nil, fmt.Errorf("want a JSON body with inputs, got %s %q", contentType, body)
	}
	return []byte(`{"label":1,"score":0.93}`), nil
}

// TestOwnModelOnAWSPaths plays a user with a model of their own: a PyTorch text
// classifier taking JSON, on ml.c6i.xlarge, ml.g5.xlarge, ml.inf2.xlarge and
// ml.g4dn.xlarge, each uncompiled and with Neo, in us-east-1 and us-east-2, with an
// aws.Config for another region, an endpoint they already have, and an account whose
// endpoint quota (2) the study hits. It asserts that every call lands in the study's
// region, that waiting for a slot stays within its bound, that every candidate is
// measured or refused at Plan with a reason, and that the teardown ledger (DeleteModel
// is refused) lists exactly what the account still holds of the study.
func TestOwnModelOnAWSPaths(t *testing.T) {
	t.Parallel()
	for _, region := range []string{"us-east-1", "us-east-2"} {
		t.Run(region, func(t *testing.T) { ownModelIn(t, region) })
	}
}

func ownModelIn(t *testing.T, region string) {
	srv := newEmulator(t, sagemakertest.WithRegion(region), sagemakertest.WithMaxEndpoints(2),
		sagemakertest.WithHandler(classify))
	cfg := srv.Config()
	cfg.Region = "eu-central-1" // the profile's region; the study's is another
	existing := deployExisting(t, srv, "my-classifier", "ml.g5.xlarge", 1)

	type refusal struct{ candidate, reason string }
	cands := sagebench.Matrix(sagebench.Grid{
		InstanceTypes: []string{"ml.c6i.xlarge", "ml.g5.xlarge", "ml.inf2.xlarge", "ml.g4dn.xlarge"},
		Compile:       []bool{false, true},
	})
	for i := range cands {
		if cands[i].Target == neo.TargetMLInf2 { // no SDK table serves it: the user names the image
			cands[i].Image = neuronImage
		}
	}
	cands = append(cands, sagebench.Candidate{Name: "mine", Endpoint: existing})
	want := []refusal{ // what Plan must refuse, and why
		{"c6i+neo", `Neo has no target for ml.c6i.xlarge`},
		{"g5+neo", `Neo has no target for ml.g5.xlarge`},
	}
	if region == "us-east-1" {
		want = append(want, refusal{"inf2+neo", "ml_inf2 is available only in us-east-2, not us-east-1"})
	}

	st := sagebench.Study{
		Name:             "textclf",
		Model:            sagebench.LocalModel{Files: []string{"testdata/textclassifier/model.pth"}, CodeDir: "testdata/textclassifier/code"},
		FrameworkVersion: "2.1",
		NeoVersions:      map[neo.Target]string{neo.TargetMLG4dn: "1.13"},
		InputShapes:      map[string][]int{"input0": {1, 128}},
		RoleARN:          testRole,
		Region:           region,
		Candidates:       cands,
		Load: bench.Config{Concurrency: 2, Requests: 20, Payloads: []payload.Payload{
			{Name: "review.json", ContentType: "application/json", Body: []byte(`{"inputs":"the battery lasts all day"}`)}}},
		Prices:        pricesFor(t, region, "ml.c6i.xlarge", "ml.g5.xlarge", "ml.inf2.xlarge", "ml.g4dn.xlarge"),
		MaxParallel:   3,
		LimitBackoff:  200 * time.Millisecond,
		ServerMetrics: sagebench.ServerMetrics{NoWait: true},
		SageMaker: []func(*sagemaker.Options){func(o *sagemaker.Options) {
			o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 50*time.Millisecond
		}},
		Neo: []func(*neo.Options){func(o *neo.Options) { o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond }},
	}

	// Plan refuses, with a reason each, what Run would fail on; the user drops those.
	_, err := st.Plan(cfg)
	var ie *invalid.Error
	require.True(t, errors.As(err, &ie), "Plan: %v", err)
	refused := map[string]bool{}
	for _, w := range want {
		assertProblem(t, messages(ie), fmt.Sprintf("%q", w.candidate), w.reason)
		refused[w.candidate] = true
	}
	require.Len(t, ie.Problems, len(want), "only these are refused:\n%s", strings.Join(messages(ie), "\n"))
	st.Candidates = slices.DeleteFunc(st.Candidates, func(c sagebench.Candidate) bool { return refused[c.Name] })
	plan, err := st.Plan(cfg)
	require.NoError(t, err)
	assert.Equal(t, region, plan.Region)
	assertProblem(t, plan.Notes, "inf2: uncompiled", "not its NeuronCores")

	// The account refuses DeleteModel: the ledger must say exactly what is left.
	srv.FailNext("DeleteModel", 1000, sagemakertest.ErrAccessDenied())
	start := time.Now()
	rep, err := st.Run(context.Background(), cfg)
	elapsed := time.Since(start)
	require.Error(t, err, "models were left")

	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Result, "%s: measured (%v %s)", o.Candidate.Name, o.Err, o.Skipped)
		assert.Zero(t, o.Result.Errors, "%s: every JSON request answered", o.Candidate.Name)
	}
	assert.Equal(t, "ml.g5.xlarge", rep.Outcomes[len(rep.Outcomes)-1].Candidate.InstanceType, "the existing endpoint priced from its config")

	// Every call went to the study's region.
	for svc, byRegion := range srv.SigningRegions() {
		for r, n := range byRegion {
			assert.Equal(t, region, r, "%d %s calls signed for %s", n, svc, r)
		}
	}

	// Waiting for a slot: models and configurations created once per candidate, and
	// CreateEndpoint within the bound (one existing endpoint holds one of the 2 slots).
	deployed := len(st.Candidates) - 1
	assert.Equal(t, deployed+1, srv.Calls("CreateModel"), "one model per candidate (and the user's own)")
	assert.Equal(t, deployed+1, srv.Calls("CreateEndpointConfig"))
	bound := 1 + deployed*createEndpointBound(elapsed, st.LimitBackoff, deployed)
	assert.LessOrEqual(t, srv.Calls("CreateEndpoint"), bound, "CreateEndpoint over %v of waiting", elapsed)
	t.Logf("%s: %d candidates measured, CreateEndpoint %d (bound %d) in %v", region, len(rep.Outcomes), srv.Calls("CreateEndpoint"), bound, elapsed)

	// The ledger lists exactly what the account holds of the study: the user's
	// endpoint, configuration and model are theirs, untouched.
	var left []string
	for _, d := range rep.Teardown {
		if !d.Deleted && d.Kept == "" {
			left = append(left, d.Resource.String())
		}
	}
	left = append(left, "endpoint "+existing+" (InService)", "endpoint-config "+existing, "model "+existing)
	slices.Sort(left)
	assert.Equal(t, srv.Leftovers(), left)
}
