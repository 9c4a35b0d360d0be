package sagebench_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker"
)

// journalLines counts a journal file's "create" and "delete" lines by kind.
func journalLines(t *testing.T, path string) (created, deleted map[sagemaker.Kind]int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	created, deleted = map[sagemaker.Kind]int{}, map[sagemaker.Kind]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct {
			Op   string
			Kind sagemaker.Kind
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		switch l.Op {
		case "create":
			created[l.Kind]++
		case "delete":
			deleted[l.Kind]++
		}
	}
	return created, deleted
}

// Every resource of the study goes through the crash-safe journal, and by the end the
// journal says nothing of the run remains; the run id names and tags them.
func TestRunJournalsEveryResource(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	require.NoError(t, err)
	defer j.Close()
	st := newStudy(t, study3()...)
	st.Journal = j
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Equal(t, j.RunID(), rep.RunID)

	created, deleted := journalLines(t, j.Path())
	// c5, c5+neo, g4dn: one archive and one compiled artifact, one job, three endpoints.
	want := map[sagemaker.Kind]int{sagemaker.KindS3Object: 2, sagemaker.KindCompilationJob: 1,
		sagemaker.KindModel: 3, sagemaker.KindEndpointConfig: 3, sagemaker.KindEndpoint: 3}
	assert.Equal(t, want, created)
	for kind, n := range want {
		assert.GreaterOrEqual(t, deleted[kind], n, "every %s deleted is journaled", kind)
	}
	pending, err := j.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending)
	suffix := strings.TrimPrefix(sagemaker.RunName("x", j.RunID()), "x")
	for _, d := range rep.Teardown {
		if d.Resource.Kind != sagemaker.KindS3Object {
			assert.True(t, strings.HasSuffix(d.Resource.Name, suffix), "%s is named after run %s", d.Resource, j.RunID())
		}
	}
	assert.Len(t, rep.Teardown, 2+1+3*3)
	assertNothingLeft(t, srv, rep)
}
