//go:build unix

package sagemakertest_test

import (
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProcessingJobEndsWhatItsEntrypointLeftRunning(t *testing.T) {
	t.Parallel()
	// A container's processes end with it: when the entrypoint exits, what it started in
	// the background does not run on.
	srv := newServer(t)
	seedProcessing(t, srv)
	sm := srv.SageMakerClient()
	in := processingJob("background", 1, `sleep 600 >/dev/null 2>&1 & echo $! > /opt/ml/processing/output/pid`)
	_, err := sm.CreateProcessingJob(ctxT(t), in)
	require.NoError(t, err)
	out := waitProcessing(t, sm, "background")
	require.Equal(t, types.ProcessingJobStatusCompleted, out.ProcessingJobStatus, "%v", srv.ProcessingJobs())

	o, err := srv.S3Client().GetObject(ctxT(t), &s3.GetObjectInput{Bucket: aws.String("out"), Key: aws.String("background/pid")})
	require.NoError(t, err)
	b, err := io.ReadAll(o.Body)
	o.Body.Close()
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // nothing left behind either way
	// Killed, it is gone once its new parent has reaped it.
	assert.Eventually(t, func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH }, 20*time.Second, 10*time.Millisecond,
		"the background sleep (pid %d) outlived its job", pid)
}
