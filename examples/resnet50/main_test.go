package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// noCredentials makes any attempt to load real AWS credentials fail: -plan must not
// need them.
func noCredentials(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "sagebench-test-no-such-profile")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func planOptions(t *testing.T) options {
	o := defaultOptions()
	o.planOnly, o.role, o.region, o.out = true, "", "eu-west-1", filepath.Join(t.TempDir(), "out")
	o.prices = "auto" // pinned: no test reads AWS's Price List
	return o
}

func TestRunRejectsBadFlags(t *testing.T) {
	noCredentials(t)
	for want, edit := range map[string]func(*options){
		"no role":                    func(o *options) { o.planOnly, o.model = false, "model.pth" },
		"no -model":                  func(o *options) { o.planOnly, o.role = false, "arn:aws:iam::111122223333:role/R" },
		`unknown configuration "p3"`: func(o *options) { o.configs = "c5,p3" },
		"not an IAM role ARN":        func(o *options) { o.role = "SageMakerRole" },
		"loads model.pth":            func(o *options) { o.model = "resnet.pt" },
		"-prices":                    func(o *options) { o.prices = "cheapest" },
		"-concurrency":               func(o *options) { o.concurrency = 0 },
		"model file /nonexistent":    func(o *options) { o.model = "/nonexistent/model.pth" },
	} {
		o := planOptions(t)
		edit(&o)
		assert.ErrorContains(t, run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{}), want)
	}
}

// The budget is checked before any call: the emulator sees none.
func TestRunRefusesAboveTheCostBound(t *testing.T) {
	srv := sagemakertest.NewServer(sagemakertest.WithRegion("eu-west-1"))
	defer srv.Close()
	emulatorEnv(t, srv)
	o := defaultOptions()
	o.region, o.maxCost, o.out = "eu-west-1", 0.10, t.TempDir()
	o.role = "arn:aws:iam::" + sagemakertest.AccountID + ":role/R"
	o.model = filepath.Join(t.TempDir(), "model.pth")
	require.NoError(t, os.WriteFile(o.model, []byte("w"), 0o644))
	err := run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "exceeds MaxCostUSD $0.10")
	assert.ErrorContains(t, err, "ml.inf1.xlarge")
	assert.Zero(t, srv.TotalCalls())
}

// emulatorEnv points the default credential chain and every AWS client at srv.
func emulatorEnv(t *testing.T, srv *sagemakertest.Server) {
	noCredentials(t)
	for k, v := range emulatorVars(srv) {
		t.Setenv(k, v)
	}
}

func emulatorVars(srv *sagemakertest.Server) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":      srv.URL,
		"AWS_ACCESS_KEY_ID":     "AKIDSAGEMAKERTEST",
		"AWS_SECRET_ACCESS_KEY": "sagemakertest-secret",
		"AWS_REGION":            srv.Region(),
		"AWS_PROFILE":           "",
	}
}

// -plan with -prices aws reads the Price List it is given (here the emulator's, for
// eu-central-1) and shows each line's price with its source and date.
func TestPlanReadsThePriceListItIsGiven(t *testing.T) {
	noCredentials(t)
	srv := sagemakertest.NewServer()
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the Price List cache of this test only
	t.Setenv("HOME", t.TempDir())
	o := planOptions(t)
	o.region, o.prices, o.priceList, o.configs = "eu-central-1", "aws", srv.URL, "c5,g4dn+neo,inf1+neo"
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &bytes.Buffer{}))
	out := stdout.String()
	assert.Contains(t, out, "$0.233/h x 1 = $0.06")
	assert.Contains(t, out, "$0.94/h")
	assert.Contains(t, out, "$0.369/h")
	assert.Contains(t, out, "prices: Price List at "+srv.URL+", eu-central-1, published 2026-12-05")
	assert.Equal(t, 1, srv.Calls("pricing:index.csv"))
}

// With a Price List that prices none of the candidates, -plan says so and prints no
// total; a bound cannot be checked then, and the command refuses it.
func TestPlanNamesUnpricedCandidates(t *testing.T) {
	noCredentials(t)
	srv := sagemakertest.NewServer()
	defer srv.Close()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	o := planOptions(t)
	o.region, o.prices, o.priceList, o.configs = "eu-central-1", "aws", srv.URL+"/nowhere", "c5,inf1+neo"
	o.maxCost = 0
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), o, &stdout, &bytes.Buffer{}))
	assert.Contains(t, stdout.String(), "estimated endpoint cost: unknown: no candidate has a price (c5, inf1+neo)")
	assert.Contains(t, stdout.String(), "because the Price List could not be read")
	assert.NotContains(t, stdout.String(), "$0.00")

	o.prices = "current" // pinned: the command names the flag that reads the Price List
	stdout.Reset()
	require.NoError(t, run(context.Background(), o, &stdout, &bytes.Buffer{}))
	assert.Contains(t, stdout.String(), "(-prices current pins an embedded table; -prices aws reads the region's prices from the AWS Price List)")
	o.prices = "aws"

	o.maxCost = 5
	assert.ErrorContains(t, run(context.Background(), o, &bytes.Buffer{}, &bytes.Buffer{}), "no price to check MaxCostUSD against")
}
