package sagemakertest_test

import (
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

const processingImage = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"

func skipWithoutShell(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the processing jobs of these tests run /bin/sh")
	}
}

// processingJob is a job running script under sh -c on count instances, with one input
// (s3://in/data/ at /opt/ml/processing/input/data) and one output (/opt/ml/processing/output
// to s3://out/<name>/).
func processingJob(name string, count int32, script string) *sagemaker.CreateProcessingJobInput {
	return &sagemaker.CreateProcessingJobInput{
		ProcessingJobName: aws.String(name),
		RoleArn:           aws.String(testRole),
		AppSpecification: &types.AppSpecification{
			ImageUri:            aws.String(processingImage),
			ContainerEntrypoint: []string{"/bin/sh", "-c", script},
		},
		ProcessingResources: &types.ProcessingResources{ClusterConfig: &types.ProcessingClusterConfig{
			InstanceCount: aws.Int32(count), InstanceType: types.ProcessingInstanceTypeMlC5Xlarge, VolumeSizeInGB: aws.Int32(1),
		}},
		ProcessingInputs: []types.ProcessingInput{{
			InputName: aws.String("data"),
			S3Input: &types.ProcessingS3Input{
				S3Uri: aws.String("s3://in/data/"), LocalPath: aws.String("/opt/ml/processing/input/data"),
				S3DataType: types.ProcessingS3DataTypeS3Prefix, S3InputMode: types.ProcessingS3InputModeFile,
			},
		}},
		ProcessingOutputConfig: &types.ProcessingOutputConfig{Outputs: []types.ProcessingOutput{{
			OutputName: aws.String("out"),
			S3Output: &types.ProcessingS3Output{
				S3Uri: aws.String("s3://out/" + name), LocalPath: aws.String("/opt/ml/processing/output"),
				S3UploadMode: types.ProcessingS3UploadModeEndOfJob,
			},
		}}},
		StoppingCondition: &types.ProcessingStoppingCondition{MaxRuntimeInSeconds: aws.Int32(60)},
	}
}

func seedProcessing(t *testing.T, srv *sagemakertest.Server) {
	t.Helper()
	require.NoError(t, srv.PutObject("in", "data/a.txt", []byte("alpha")))
	require.NoError(t, srv.PutObject("in", "data/sub/b.txt", []byte("beta")))
	require.NoError(t, srv.PutObject("out", "keep", []byte("bucket exists")))
}

func waitProcessing(t *testing.T, sm *sagemaker.Client, name string) *sagemaker.DescribeProcessingJobOutput {
	t.Helper()
	w := sagemaker.NewProcessingJobCompletedOrStoppedWaiter(sm, func(o *sagemaker.ProcessingJobCompletedOrStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	out, err := w.WaitForOutput(ctxT(t), &sagemaker.DescribeProcessingJobInput{ProcessingJobName: aws.String(name)}, 30*time.Second)
	if err != nil {
		// The waiter fails on Failed; the test wants the description either way.
		out, err = sm.DescribeProcessingJob(ctxT(t), &sagemaker.DescribeProcessingJobInput{ProcessingJobName: aws.String(name)})
		require.NoError(t, err)
	}
	return out
}

func TestProcessingJobRunsEntrypointOnEachInstanceInItsOwnOptML(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	// Written for AWS: every path is under /opt/ml, the host comes from resourceconfig.json.
	require.NoError(t, srv.PutObject("in", "data/run.sh", []byte(`set -e
h=$(sed -e 's/.*"current_host":"\([^"]*\)".*/\1/' $ML/config/resourceconfig.json)
cp $ML/config/resourceconfig.json "$OUT/$h.json"
cat $ML/processing/input/data/a.txt $ML/processing/input/data/sub/b.txt > "$OUT/$h.txt"
printf '%s' "$AWS_ENDPOINT_URL" > "$OUT/$h.endpoint"
`)))
	in := processingJob("three-hosts", 3, ". /opt/ml/processing/input/data/run.sh")
	// Paths inside a script file are the script's business: it gets /opt/ml from the
	// environment, whose values the emulator rewrites.
	in.Environment = map[string]string{"OUT": "/opt/ml/processing/output", "ML": "/opt/ml"}
	in.Tags = []types.Tag{{Key: aws.String("sagebench:run"), Value: aws.String("r1")}}
	created, err := sm.CreateProcessingJob(ctxT(t), in)
	require.NoError(t, err)

	out := waitProcessing(t, sm, "three-hosts")
	require.Equal(t, types.ProcessingJobStatusCompleted, out.ProcessingJobStatus, "%+v %v", out.FailureReason, srv.ProcessingJobs())
	assert.NotNil(t, out.ProcessingEndTime)
	assert.Equal(t, int32(3), *out.ProcessingResources.ClusterConfig.InstanceCount)

	for _, host := range []string{"algo-1", "algo-2", "algo-3"} {
		var rc struct {
			CurrentHost string   `json:"current_host"`
			Hosts       []string `json:"hosts"`
		}
		require.NoError(t, json.Unmarshal(object(t, srv, "out", "three-hosts/"+host+".json"), &rc))
		assert.Equal(t, host, rc.CurrentHost)
		assert.Equal(t, []string{"algo-1", "algo-2", "algo-3"}, rc.Hosts)
		assert.Equal(t, "alphabeta", string(object(t, srv, "out", "three-hosts/"+host+".txt")))
		assert.Equal(t, srv.URL, string(object(t, srv, "out", "three-hosts/"+host+".endpoint")))
	}
	tags, err := sm.ListTags(ctxT(t), &sagemaker.ListTagsInput{ResourceArn: created.ProcessingJobArn})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 1)
	assert.Equal(t, "r1", *tags.Tags[0].Value)
	assert.Empty(t, srv.Leftovers())
}

func object(t *testing.T, srv *sagemakertest.Server, bucket, key string) []byte {
	t.Helper()
	out, err := srv.S3Client().GetObject(ctxT(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err, "s3://%s/%s", bucket, key)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return b
}

func TestProcessingJobFailsWithItsExitMessage(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	_, err := sm.CreateProcessingJob(ctxT(t), processingJob("fails", 2,
		`echo "shard lost its endpoint" > /opt/ml/output/message; exit 3`))
	require.NoError(t, err)
	out := waitProcessing(t, sm, "fails")
	assert.Equal(t, types.ProcessingJobStatusFailed, out.ProcessingJobStatus)
	assert.Equal(t, "AlgorithmError: See job logs for more information", aws.ToString(out.FailureReason))
	assert.Equal(t, "shard lost its endpoint\n", aws.ToString(out.ExitMessage))
	assert.Empty(t, srv.Leftovers())
}

func TestProcessingJobFailsWhenItsInputIsMissing(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	sm := srv.SageMakerClient()
	_, err := sm.CreateProcessingJob(ctxT(t), processingJob("no-input", 1, "true"))
	require.NoError(t, err)
	out := waitProcessing(t, sm, "no-input")
	assert.Equal(t, types.ProcessingJobStatusFailed, out.ProcessingJobStatus)
	assert.Contains(t, aws.ToString(out.FailureReason), "ClientError: No S3 objects found under S3 URL")
}

func TestStopProcessingJobSignalsItsProcessesAndEndsStopped(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	_, err := sm.CreateProcessingJob(ctxT(t), processingJob("long", 2, `echo started; exec sleep 600`))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		jobs := srv.ProcessingJobs()
		return len(jobs) == 1 && len(jobs[0].Logs) == 2 &&
			strings.Contains(jobs[0].Logs[0], "started") && strings.Contains(jobs[0].Logs[1], "started")
	}, 20*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"processing-job long (InProgress)"}, srv.Leftovers())

	_, err = sm.StopProcessingJob(ctxT(t), &sagemaker.StopProcessingJobInput{ProcessingJobName: aws.String("long")})
	require.NoError(t, err)
	out := waitProcessing(t, sm, "long")
	assert.Equal(t, types.ProcessingJobStatusStopped, out.ProcessingJobStatus)
	assert.Empty(t, srv.Leftovers())

	_, err = sm.StopProcessingJob(ctxT(t), &sagemaker.StopProcessingJobInput{ProcessingJobName: aws.String("long")})
	assert.ErrorContains(t, err, "ValidationException", "a job that ended cannot be stopped")
}

func TestCloseKillsRunningProcessingJobs(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := sagemakertest.NewServer()
	seedProcessing(t, srv)
	_, err := srv.SageMakerClient().CreateProcessingJob(ctxT(t), processingJob("orphan", 1, `echo started; exec sleep 600`))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		jobs := srv.ProcessingJobs()
		return len(jobs[0].Logs) == 1 && strings.Contains(jobs[0].Logs[0], "started")
	}, 20*time.Second, 10*time.Millisecond)
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return: the job's process was not killed")
	}
	assert.Equal(t, sagemakertest.ProcessingStopped, srv.ProcessingJobs()[0].Status)
}

func TestKillProcessingInstanceFailsTheJobAndLetsOthersFinish(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	// algo-1 waits to be killed; the others write their output and exit.
	require.NoError(t, srv.PutObject("in", "data/run.sh", []byte(`h=$(sed -e 's/.*"current_host":"\([^"]*\)".*/\1/' $ML/config/resourceconfig.json)
if [ "$h" = algo-1 ]; then echo started; exec sleep 600; fi
echo done > $ML/processing/output/$h
`)))
	in := processingJob("lossy", 3, ". /opt/ml/processing/input/data/run.sh")
	in.Environment = map[string]string{"ML": "/opt/ml"}
	_, err := sm.CreateProcessingJob(ctxT(t), in)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(srv.ProcessingJobs()[0].Logs[0], "started")
	}, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, srv.KillProcessingInstance("lossy", 0))
	out := waitProcessing(t, sm, "lossy")
	assert.Equal(t, types.ProcessingJobStatusFailed, out.ProcessingJobStatus)
	assert.Equal(t, "done\n", string(object(t, srv, "out", "lossy/algo-2")))
	assert.Equal(t, "done\n", string(object(t, srv, "out", "lossy/algo-3")))
}

func TestCreateProcessingJobValidatesAsAWSDoes(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	for name, tc := range map[string]struct {
		edit func(*sagemaker.CreateProcessingJobInput)
		want string
	}{
		"no instances": {func(in *sagemaker.CreateProcessingJobInput) {
			in.ProcessingResources.ClusterConfig.InstanceCount = aws.Int32(0)
		}, "instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		"over 100 instances": {func(in *sagemaker.CreateProcessingJobInput) {
			in.ProcessingResources.ClusterConfig.InstanceCount = aws.Int32(101)
		}, "Member must have value less than or equal to 100"},
		"endpoint instance type": {func(in *sagemaker.CreateProcessingJobInput) {
			in.ProcessingResources.ClusterConfig.InstanceType = "ml.inf1.xlarge"
		}, "Value 'ml.inf1.xlarge' at 'processingResources.clusterConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set"},
		"input outside /opt/ml/processing": {func(in *sagemaker.CreateProcessingJobInput) {
			in.ProcessingInputs[0].S3Input.LocalPath = aws.String("/tmp/x")
		}, "must begin with /opt/ml/processing/"},
		"multi-line entrypoint": {func(in *sagemaker.CreateProcessingJobInput) {
			in.AppSpecification.ContainerEntrypoint[2] = "true\ntrue"
		}, "'appSpecification.containerEntrypoint.3.member' failed to satisfy constraint: Member must satisfy regular expression pattern: .*"},
		"runtime over 9 days": {func(in *sagemaker.CreateProcessingJobInput) {
			in.StoppingCondition.MaxRuntimeInSeconds = aws.Int32(777601)
		}, "less than or equal to 777600"},
	} {
		in := processingJob("bad", 1, "true")
		tc.edit(in)
		_, err := sm.CreateProcessingJob(ctxT(t), in)
		assert.ErrorContains(t, err, tc.want, name)
	}
	assert.Empty(t, srv.ProcessingJobs(), "no invalid job was created")
}

func TestCreateProcessingJobRefusesADuplicateName(t *testing.T) {
	t.Parallel()
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	_, err := sm.CreateProcessingJob(ctxT(t), processingJob("once", 1, "true"))
	require.NoError(t, err)
	_, err = sm.CreateProcessingJob(ctxT(t), processingJob("once", 1, "true"))
	assert.ErrorContains(t, err, "ResourceInUse")
	waitProcessing(t, sm, "once")
}

func TestListProcessingJobsFiltersByStatus(t *testing.T) {
	skipWithoutShell(t)
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	for _, name := range []string{"ok-1", "ok-2"} {
		_, err := sm.CreateProcessingJob(ctxT(t), processingJob(name, 1, "true"))
		require.NoError(t, err)
		waitProcessing(t, sm, name)
	}
	_, err := sm.CreateProcessingJob(ctxT(t), processingJob("bad-1", 1, "exit 1"))
	require.NoError(t, err)
	waitProcessing(t, sm, "bad-1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := sm.ListProcessingJobs(ctx, &sagemaker.ListProcessingJobsInput{
		StatusEquals: types.ProcessingJobStatusCompleted, SortBy: types.SortByName, SortOrder: types.SortOrderAscending,
	})
	require.NoError(t, err)
	var names []string
	for _, s := range out.ProcessingJobSummaries {
		names = append(names, aws.ToString(s.ProcessingJobName))
	}
	assert.Equal(t, []string{"ok-1", "ok-2"}, names)
}
