package sagemaker_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// startLoadJob creates a processing job that runs until stopped, tagged as run's, as
// package loadjob does, and waits until its process runs.
func startLoadJob(t *testing.T, srv *sagemakertest.Server, name, run string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the emulated processing job runs /bin/sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := srv.SageMakerClient().CreateProcessingJob(ctx, &sm.CreateProcessingJobInput{
		ProcessingJobName: aws.String(name),
		RoleArn:           aws.String("arn:aws:iam::123456789012:role/SageMakerRole"),
		AppSpecification: &types.AppSpecification{ImageUri: aws.String("141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
			ContainerEntrypoint: []string{"/bin/sh", "-c", "echo started; exec sleep 600"}},
		ProcessingResources: &types.ProcessingResources{ClusterConfig: &types.ProcessingClusterConfig{
			InstanceCount: aws.Int32(2), InstanceType: types.ProcessingInstanceTypeMlC5Xlarge, VolumeSizeInGB: aws.Int32(1)}},
		StoppingCondition: &types.ProcessingStoppingCondition{MaxRuntimeInSeconds: aws.Int32(600)},
		Tags:              sagemaker.RunTags(run),
	})
	require.NoError(t, err)
	require.Equal(t, []string{"processing-job " + name + " (InProgress)"}, srv.Leftovers())
}

func fastCleanup(o *sagemaker.Options) {
	o.PollInterval, o.MaxPollInterval, o.CleanupTimeout = 10*time.Millisecond, 50*time.Millisecond, time.Minute
}

func TestCleanupStopsAJournaledProcessingJob(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	defer srv.Close()
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "journal"))
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, journal.Of(j).CreatingIn(srv.Region(), journal.KindProcessingJob, "load-1"))
	startLoadJob(t, srv, "load-1", j.RunID())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, sagemaker.Cleanup(ctx, srv.Config(), j, fastCleanup))
	assert.Empty(t, srv.Leftovers())
	assert.Equal(t, sagemakertest.ProcessingStopped, srv.ProcessingJobs()[0].Status)
	pending, err := j.Pending()
	require.NoError(t, err)
	assert.Empty(t, pending)
}

func TestCleanupRunFindsAndStopsTheRunsProcessingJobByTag(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	defer srv.Close()
	run := sagemaker.NewRunID()
	startLoadJob(t, srv, sagemaker.RunName("load-ab12", run), run)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := sagemaker.NewClient(srv.Config(), fastCleanup)
	found, err := c.FindRun(ctx, run)
	require.NoError(t, err)
	assert.Equal(t, []sagemaker.Resource{{Kind: sagemaker.KindProcessingJob, Name: sagemaker.RunName("load-ab12", run)}}, found)

	require.NoError(t, c.CleanupRun(ctx, run))
	assert.Empty(t, srv.Leftovers())
	found, err = c.FindRun(ctx, run)
	require.NoError(t, err)
	assert.Empty(t, found, "a stopped job is nothing left")
}
