package sagebench

import "fmt"

// EventStarted is Run's first event, before any AWS call: RunID and JournalPath say what
// finds the run's resources if the process dies (sagemaker.Cleanup with the journal,
// sagemaker.CleanupRun with the run id).
const EventStarted EventKind = "started"

func startedString(e Event) string {
	if e.JournalPath != "" {
		return fmt.Sprintf("run %s started, journal %s: if this process dies, sagemaker.Cleanup with the journal deletes what it left", e.RunID, e.JournalPath)
	}
	return fmt.Sprintf("run %s started: if this process dies, sagemaker.CleanupRun with this run id deletes what it left", e.RunID)
}
