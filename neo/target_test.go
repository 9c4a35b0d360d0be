package neo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// ml_inf2 compiles only in us-east-2 and ml_trn1 only in us-east-1: elsewhere Compile
// refuses before sending anything, and says why.
func TestCompileRefusesNeuronTargetsOutsideTheirRegion(t *testing.T) {
	cases := []struct {
		target neo.Target
		region string
	}{
		{neo.TargetMLInf2, "eu-west-1"},
		{neo.TargetMLInf2, "us-east-1"},
		{neo.TargetMLTrn1, "us-east-2"},
	}
	for _, tc := range cases {
		srv := sagemakertest.NewServer(sagemakertest.WithRegion(tc.region))
		c := neo.NewCompiler(srv.Config())
		_, err := c.Compile(context.Background(), job(tc.target))
		var ie *invalid.Error
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "available only in") {
			t.Errorf("Compile(%s) in %s = %v; want an *invalid.Error on the region", tc.target, tc.region, err)
		}
		_, err = c.CompileAll(context.Background(), []neo.Job{job(tc.target)}, 1)
		if !errors.As(err, &ie) {
			t.Errorf("CompileAll(%s) in %s = %v; want an *invalid.Error", tc.target, tc.region, err)
		}
		if n := srv.TotalCalls(); n != 0 {
			t.Errorf("%s in %s: %d requests sent; want none", tc.target, tc.region, n)
		}
		srv.Close()
	}
}

func TestTargetCheckRegion(t *testing.T) {
	for _, ok := range []struct {
		t neo.Target
		r string
	}{{neo.TargetMLInf2, "us-east-2"}, {neo.TargetMLTrn1, "us-east-1"}, {neo.TargetMLC5, "eu-west-1"}} {
		if err := ok.t.CheckRegion(ok.r); err != nil {
			t.Errorf("%s.CheckRegion(%s) = %v; want nil", ok.t, ok.r, err)
		}
	}
	if err := neo.TargetMLInf2.CheckRegion(""); err == nil {
		t.Error("ml_inf2 with no region known passed")
	}
}

func TestTargetForAndCheckServes(t *testing.T) {
	for it, want := range map[string]neo.Target{"ml.inf1.xlarge": neo.TargetMLInf1, "ml.c5.9xlarge": neo.TargetMLC5, "ml.g4dn.xlarge": neo.TargetMLG4dn, "ml.inf2.xlarge": neo.TargetMLInf2} {
		got, err := neo.TargetFor(it)
		if err != nil || got != want {
			t.Errorf("TargetFor(%s) = %s, %v; want %s", it, got, err, want)
		}
		if err := want.CheckServes(it); err != nil {
			t.Errorf("%s.CheckServes(%s) = %v", want, it, err)
		}
	}
	bad := []struct {
		t    neo.Target
		it   string
		says string
	}{
		{neo.TargetMLInf1, "ml.inf2.xlarge", "compile for ml_inf2"},
		{neo.TargetMLC5, "ml.g4dn.xlarge", "compile for ml_g4dn"},
		{neo.TargetMLC5, "ml.g5.xlarge", "no target for ml.g5.xlarge"},
		{neo.TargetJetsonNano, "ml.c5.xlarge", "device"},
		{neo.TargetMLC5, "c5.xlarge", "ml.<family>.<size>"},
	}
	for _, tc := range bad {
		if err := tc.t.CheckServes(tc.it); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s.CheckServes(%s) = %v; want an error saying %q", tc.t, tc.it, err, tc.says)
		}
	}
}

func TestTargetCheckSuggests(t *testing.T) {
	cases := map[neo.Target]string{
		"ml.c5.xlarge": "did you mean ml_c5?",
		"ml_inf3":      "ml_inf1 or ml_inf2",
		"ml_g4dm":      "ml_g4dn",
	}
	for tgt, want := range cases {
		if err := tgt.Check(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Target(%q).Check() = %v; want a suggestion %q", tgt, err, want)
		}
	}
	if err := neo.TargetMLC5.Check(); err != nil {
		t.Errorf("ml_c5.Check() = %v", err)
	}
}
