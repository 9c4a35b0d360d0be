package loadjob_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/loadjob"
)

func TestWorkerRefusesAGoFromAnEarlierRunInItsBarrier(t *testing.T) {
	srv, ep := deployed(t)
	// An earlier run (or an earlier attempt of this shard, as a Kubernetes Indexed Job
	// retries a failed index) left its go: started long ago, listing other readies.
	then := time.Now().Add(-time.Hour)
	stale, err := json.Marshal(loadjob.Go{Start: then, Ready: []loadjob.Ready{{Shard: 0, At: then}, {Shard: 1, At: then}}})
	require.NoError(t, err)
	require.NoError(t, srv.PutObject("loads", "k8s/barrier/go", stale))

	job := testJob(t, ep, 2, nil)
	spec, err := json.Marshal(loadjob.Spec{Endpoint: ep, Region: srv.Region(), Shards: 2, Load: loadjob.LoadOf(job.Load),
		Barrier: "s3://loads/k8s/barrier/", ReadyTimeout: time.Second, StartDelay: 100 * time.Millisecond})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "spec.json"), spec, 0o644))
	for _, shard := range []int{1, 0} {
		_, err = loadjob.RunWorker(ctxT(t), srv.Config(), loadjob.Worker{
			SpecPath: filepath.Join(dir, "spec.json"), OutputDir: filepath.Join(dir, "out"), Shard: shard, Logf: t.Logf,
		})
		assert.ErrorContains(t, err, "earlier run", "shard %d", shard)
	}
	assert.Zero(t, srv.Calls("InvokeEndpoint"), "no shard loaded out of the window")
}

func TestBarrierGivesUpOnAShardThatNeverArrivesAndTellsTheLateOne(t *testing.T) {
	t.Parallel()
	srv, ep := deployed(t)
	job := testJob(t, ep, 2, nil)
	spec, err := json.Marshal(loadjob.Spec{Endpoint: ep, Region: srv.Region(), Shards: 2, Load: loadjob.LoadOf(job.Load),
		Barrier: "s3://loads/lonely/barrier/", ReadyTimeout: 300 * time.Millisecond, StartDelay: 100 * time.Millisecond})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "spec.json"), spec, 0o644))
	run := func(shard int) error {
		_, err := loadjob.RunWorker(ctxT(t), srv.Config(), loadjob.Worker{
			SpecPath: filepath.Join(dir, "spec.json"), OutputDir: filepath.Join(dir, "out"), Shard: shard, Logf: t.Logf,
		})
		return err
	}
	assert.ErrorContains(t, run(0), "gave up waiting for every shard's ready", "shard 0 waits a bounded time")
	assert.ErrorContains(t, run(1), "shard 0 aborted the run: 1 of 2 shards not ready", "the late shard does not load alone")
	assert.Zero(t, srv.Calls("InvokeEndpoint"))
}
