package neo_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Review (honesty): a job that outlives MaxRuntime plus the margin is stopped, and the
// *TimeoutError says "stopped it". When the stop is refused (here AccessDenied), the
// job keeps running, yet the error still begins "...; stopped it", before the stop's
// failure: a reader who stops at the first line believes nothing is left running.
func TestReviewTimeoutWhoseStopFailsDoesNotSayStopped(t *testing.T) {
	srv, c := newServer(t, time.Hour, func(o *neo.Options) { o.Margin, o.StopTimeout = -1, time.Second })
	j := job(neo.TargetMLInf1)
	j.MaxRuntime = time.Second
	denied := &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not allowed to stop", StatusCode: http.StatusBadRequest}
	srv.FailNext("StopCompilationJob", 1_000_000, denied)
	_, err := c.Compile(context.Background(), j)
	var te *neo.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "not allowed to stop") {
		t.Fatalf("Compile = %v; want a *neo.TimeoutError and the stop's refusal", err)
	}
	if left := srv.Leftovers(); len(left) == 0 {
		t.Fatal("the job stopped although every stop was refused")
	}
	if strings.Contains(te.Error(), "stopped it") {
		t.Errorf("TimeoutError = %q; it says the job was stopped, but it is still running", te.Error())
	}
}
