package sagemaker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sagebench/sagebench/sagemaker"
)

// A run id nothing is tagged with (a typo, another region) is not a clean account:
// CleanupRun says that nothing of it was found.
func TestCleanupRunSaysWhenNothingOfTheRunWasFound(t *testing.T) {
	srv, _ := newEnv(t, nil)
	err := sagemaker.CleanupRun(context.Background(), srv.Config(), "totally-bogus")
	var nf *sagemaker.NothingFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("CleanupRun = %v, want a *NothingFoundError", err)
	}
	if nf.RunID != "totally-bogus" || nf.Region != srv.Region() {
		t.Errorf("NothingFoundError = %+v", nf)
	}
}
