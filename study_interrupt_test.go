package sagebench_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const panicChildURL = "SAGEBENCH_PANIC_CHILD_URL"

// runPanickingStudy runs, in a child process, a study against the parent's emulator whose
// user callback panics in mode's place.
func runPanickingStudy(t *testing.T, mode string) {
	url := os.Getenv(panicChildURL)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDSAGEMAKERTEST", "sagemakertest-secret", ""),
		HTTPClient:                 &http.Client{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired}
	st := newStudy(t, study3()[:1]...)
	st.Load.Requests, st.Load.Duration = 0, 2*time.Second
	st.Load.Interval = 50 * time.Millisecond
	switch mode {
	case "check":
		st.Check = func([]byte, string) error { panic("user check") }
	case "events":
		st.Events = func(e sagebench.Event) {
			if e.Kind == sagebench.EventMeasuring {
				panic("user events")
			}
		}
	}
	_, _ = st.Run(context.Background(), cfg)
}

// Run tears down on panic, also of the user's Check (called in bench's workers) and of
// Events' EventMeasuring (called while the load runs): the process still dies of the
// panic, but no endpoint is left InService and no model archive stored.
func TestPanicInUserCallbackDuringLoadLeavesNoEndpoint(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"check", "events"} {
		t.Run(mode, func(t *testing.T) {
			if os.Getenv(panicChildURL) != "" {
				runPanickingStudy(t, mode)
				return
			}
			srv := newEmulator(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestPanicInUserCallbackDuringLoadLeavesNoEndpoint$/^"+mode+"$")
			cmd.Env = append(os.Environ(), panicChildURL+"="+srv.URL)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "the child ran: %v\n%s", err, out)
			assert.Contains(t, string(out), "panic: user "+mode)
			assert.Empty(t, srv.Leftovers(), "the panic left the endpoint running")
			assert.Empty(t, srv.Objects(), "the panic left the model archive")
		})
	}
}

// Canceled during compilation, Run returns a report in which every outcome is measured,
// failed or skipped, and the Recommendation names every candidate.
func TestCanceledDuringCompileEveryOutcomeSaysWhatHappened(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t, sagemakertest.WithCompilationDelay(500*time.Millisecond))
	st := newStudy(t, study3()...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st.Events = func(e sagebench.Event) {
		if e.Kind == sagebench.EventCompiling {
			time.AfterFunc(100*time.Millisecond, cancel)
		}
	}
	rep, err := st.Run(ctx, srv.Config())
	require.ErrorIs(t, err, context.Canceled)
	for _, o := range rep.Outcomes {
		assert.True(t, o.Result != nil || o.Err != nil || o.Skipped != "", "outcome %s says nothing", o.Candidate.Name)
		assert.Contains(t, rep.Recommendation(), o.Candidate.Name, "the report hides %s", o.Candidate.Name)
	}
}
