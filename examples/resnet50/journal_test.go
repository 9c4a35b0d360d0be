package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// leaveARun starts an emulator and a journal, deploys an endpoint through a client
// journaling in it, and abandons the endpoint, as a run killed mid-study would.
func leaveARun(t *testing.T) (*sagemakertest.Server, *sagemaker.Journal, *sagemaker.Client) {
	t.Helper()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	require.NoError(t, err)
	t.Cleanup(func() { j.Close() })
	require.NoError(t, srv.PutObject("b", "m.tar.gz", []byte("archive")))
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.Journal = j
		o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
	})
	name := c.Name("resnet50-c5")
	_, err = c.Deploy(context.Background(), sagemaker.ModelSpec{
		Name: name, Image: "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		ModelDataURL: "s3://b/m.tar.gz", RoleARN: planRole,
	}, sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1})
	require.NoError(t, err)
	require.NotEmpty(t, srv.Leftovers())
	return srv, j, c
}

func TestCleanupFlagDeletesWhatTheJournalLists(t *testing.T) {
	srv, j, c := leaveARun(t)
	var out bytes.Buffer
	require.NoError(t, cleanupWith(context.Background(), c, j, "", &out))
	assert.Empty(t, srv.Leftovers())
	assert.Contains(t, out.String(), "lists 3 resources")
	assert.Contains(t, out.String(), "cleanup of run "+j.RunID()+": done")
}

func TestCleanupRunFlagFindsTheRunByTag(t *testing.T) {
	srv, j, c := leaveARun(t)
	var out bytes.Buffer
	require.NoError(t, cleanupWith(context.Background(), c, nil, j.RunID(), &out))
	assert.Empty(t, srv.Leftovers())
	assert.Contains(t, out.String(), "left 3 resources")
}

// The default journal is <out>/journal-<UTC second>.jsonl, and OpenJournal adopts an
// existing journal's run id: two studies started in the same second with the same -out
// (a CI matrix, a shell loop with &) still get journals and run ids of their own, so
// -cleanup (or -cleanup-run) of one never deletes the other's endpoints.
func TestTwoRunsStartedInOneSecondGetTheirOwnJournal(t *testing.T) {
	o := defaultOptions()
	o.out = t.TempDir()
	for range 5 {
		a, err := openJournal(o, io.Discard)
		require.NoError(t, err)
		b, err := openJournal(o, io.Discard)
		require.NoError(t, err)
		a.Close()
		b.Close()
		if a.Path() != b.Path() {
			continue // the second ticked between them; try again
		}
		require.NotEqual(t, a.RunID(), b.RunID(), "two runs share journal %s and run id %s", a.Path(), a.RunID())
		return
	}
}
