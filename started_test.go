package sagebench_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker"
)

// Run's first event names the run id and the journal, so that a user whose process
// is killed knows what to clean up without searching resource tags.
func TestRunsFirstEventCarriesTheRunIDAndJournal(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[:1]...)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	require.NoError(t, err)
	defer j.Close()
	st.Journal = j
	var ev events
	st.Events = ev.add
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	require.NotEmpty(t, ev.all)
	first := ev.all[0]
	assert.Equal(t, sagebench.EventStarted, first.Kind)
	assert.Equal(t, rep.RunID, first.RunID)
	assert.Equal(t, j.RunID(), first.RunID)
	assert.Equal(t, j.Path(), first.JournalPath)
	assert.Contains(t, first.String(), rep.RunID)
	assert.Contains(t, first.String(), j.Path())
}
