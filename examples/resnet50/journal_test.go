package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// leaveARun deploys an endpoint through a journaled client and abandons it, as a run
// killed mid-study would.
func leaveARun(t *testing.T, srv *sagemakertest.Server, j *sagemaker.Journal) *sagemaker.Client {
	t.Helper()
	require.NoError(t, srv.PutObject("b", "m.tar.gz", []byte("archive")))
	c := sagemaker.NewClient(srv.Config(), func(o *sagemaker.Options) {
		o.Journal, o.S3 = j, srv.S3Client()
		o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
	})
	name := c.Name("resnet50-c5")
	_, err := c.Deploy(context.Background(), sagemaker.ModelSpec{
		Name: name, Image: "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3",
		ModelDataURL: "s3://b/m.tar.gz", RoleARN: planRole,
	}, sagemaker.EndpointSpec{Name: name, InstanceType: "ml.c5.xlarge", InstanceCount: 1})
	require.NoError(t, err)
	require.NotEmpty(t, srv.Leftovers())
	return c
}

func TestCleanupFlagDeletesWhatTheJournalLists(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	require.NoError(t, err)
	c := leaveARun(t, srv, j)
	var out bytes.Buffer
	require.NoError(t, cleanupWith(context.Background(), c, j, "", &out))
	assert.Empty(t, srv.Leftovers())
	assert.Contains(t, out.String(), "lists 3 resources")
	assert.Contains(t, out.String(), "cleanup of run "+j.RunID()+": done")
}

func TestCleanupRunFlagFindsTheRunByTag(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
	require.NoError(t, err)
	c := leaveARun(t, srv, j)
	var out bytes.Buffer
	require.NoError(t, cleanupWith(context.Background(), c, nil, j.RunID(), &out))
	assert.Empty(t, srv.Leftovers())
	assert.Contains(t, out.String(), "left 3 resources")
}
