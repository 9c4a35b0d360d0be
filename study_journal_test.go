package sagebench_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// journal checks, at each Created, that the emulator does not hold the resource yet.
type journal struct {
	srv     *sagemakertest.Server
	mu      sync.Mutex
	created []sagebench.Resource
	deleted []sagebench.Resource
	early   []string // resources that existed before the journal heard of them
}

func (j *journal) Created(_ context.Context, r sagebench.Resource) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if r.Kind == sagebench.KindModel && slices.Contains(j.srv.Models(), r.Name) {
		j.early = append(j.early, r.String())
	}
	for _, o := range j.srv.Objects() {
		if r.Kind == sagebench.KindObject && o.URL() == r.Name && !strings.Contains(r.Name, "/compiled/") {
			j.early = append(j.early, r.String())
		}
	}
	j.created = append(j.created, r)
	return nil
}

func (j *journal) Deleted(_ context.Context, r sagebench.Resource) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.deleted = append(j.deleted, r)
	return nil
}

// Every resource goes through the journal before its create and after its delete: the
// hook a crash-safe journal plugs into.
func TestRunRecordsEveryResourceInTheJournalBeforeCreatingIt(t *testing.T) {
	srv := newEmulator(t)
	j := &journal{srv: srv}
	st := newStudy(t, study3()...)
	st.Journal = j
	rep, err := st.Run(context.Background(), srv.Config())
	require.NoError(t, err)
	assert.Empty(t, j.early, "created before the journal was told")
	kinds := map[sagebench.ResourceKind]int{}
	for _, r := range j.created {
		kinds[r.Kind]++
	}
	// c5, c5+neo, g4dn: one archive and one compiled artifact (journaled when its job
	// reports it; the job itself before it is created), one job, three endpoints.
	assert.Equal(t, map[sagebench.ResourceKind]int{sagebench.KindObject: 2, sagebench.KindCompilationJob: 1,
		sagebench.KindModel: 3, sagebench.KindEndpointConfig: 3, sagebench.KindEndpoint: 3}, kinds)
	for _, r := range j.created {
		if r.Kind != sagebench.KindCompilationJob { // the emulator cannot delete jobs yet
			assert.Contains(t, j.deleted, r, "%s is created but never deleted", r)
		}
	}
	assert.Len(t, rep.Teardown, len(j.created))
	assertNothingLeft(t, srv, rep)
}
