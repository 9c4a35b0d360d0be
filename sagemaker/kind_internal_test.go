package sagemaker

import (
	"testing"

	"github.com/sagebench/sagebench/internal/journal"
)

// The kinds the journal writes (for neo and loadjob, which do not name this package's)
// are this package's: a mismatch would leave Cleanup unable to delete what they journal.
func TestKindsAreTheJournals(t *testing.T) {
	t.Parallel()
	for k, want := range map[Kind]string{
		KindModel:          journal.KindModel,
		KindEndpointConfig: journal.KindEndpointConfig,
		KindEndpoint:       journal.KindEndpoint,
		KindCompilationJob: journal.KindCompilationJob,
		KindProcessingJob:  journal.KindProcessingJob,
		KindS3Object:       journal.KindS3Object,
	} {
		if string(k) != want {
			t.Errorf("sagemaker kind %q, journal kind %q", k, want)
		}
	}
}
