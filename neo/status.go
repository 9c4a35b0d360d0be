package neo

import (
	"fmt"
	"time"
)

// State is a compilation job's status as DescribeCompilationJob reports it.
type State string

// The states of a compilation job. COMPLETED, FAILED and STOPPED are final.
const (
	StateStarting   State = "STARTING"
	StateInProgress State = "INPROGRESS"
	StateCompleted  State = "COMPLETED"
	StateFailed     State = "FAILED"
	StateStopping   State = "STOPPING"
	StateStopped    State = "STOPPED"
)

// Final reports whether the job will not change state again.
func (s State) Final() bool {
	return s == StateCompleted || s == StateFailed || s == StateStopped
}

// Status is a progress report: a job changed state. Elapsed counts from just
// before CreateCompilationJob was sent.
type Status struct {
	JobName string
	Target  string // device (ml_c5) or platform (LINUX/ARM64)
	State   State
	Elapsed time.Duration
}

// String formats the report for a log line.
func (s Status) String() string {
	return fmt.Sprintf("%s (%s): %s after %v", s.JobName, s.Target, s.State, s.Elapsed.Round(time.Second))
}

// JobError reports a compilation job that ended without a compiled model:
// Neo failed it, or it was stopped by someone else. errors.As finds it.
type JobError struct {
	JobName string
	Target  string
	State   State  // StateFailed or StateStopped
	Reason  string // the job's FailureReason, if any
}

// Error implements error.
func (e *JobError) Error() string {
	msg := fmt.Sprintf("neo: compilation job %s for %s ended %s", e.JobName, e.Target, e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// TimeoutError reports a job still running past its MaxRuntime plus the
// Compiler's margin. The Compiler has tried to stop it; Stopped says whether that
// worked (if not, Compile joins the stop's error to this one).
type TimeoutError struct {
	JobName string
	Target  string
	State   State         // last state seen
	Waited  time.Duration // since the job was created
	Stopped bool          // the job reached a final state after the Compiler's stop
}

// Error implements error.
func (e *TimeoutError) Error() string {
	what := "stopped it"
	if !e.Stopped {
		what = "could not stop it: it may still be running"
	}
	return fmt.Sprintf("neo: compilation job %s for %s still %s after %v; %s (raise Job.MaxRuntime?)",
		e.JobName, e.Target, e.State, e.Waited.Round(time.Second), what)
}

// MayExistError reports a compilation job whose create failed in a way that does
// not prove it was not created, and whose tags could not be read before
// Options.StopTimeout (or that was not found, when not finding it proves nothing:
// the create was cut off and may still land, or SageMaker said the name is taken):
// the job may exist, may be this run's, and has been left alone rather than risk
// stopping someone else's. Check it, and stop it if it carries TagRun = RunID.
// errors.As finds it.
type MayExistError struct {
	JobName string
	Target  string
	RunID   string
	Err     error // why the check could not tell
}

// Error implements error.
func (e *MayExistError) Error() string {
	return fmt.Sprintf("neo: compilation job %s for %s may exist and could not be checked (%v); "+
		"check it with: aws sagemaker describe-compilation-job --compilation-job-name %s, and stop it if it carries tag %s=%s",
		e.JobName, e.Target, e.Err, e.JobName, TagRun, e.RunID)
}

// Unwrap returns the check's error.
func (e *MayExistError) Unwrap() error { return e.Err }
