package sagebench_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Without the journal, sagemaker.CleanupRun finds a run's S3 objects (the model
// archive, Neo's compiled output) only through the compilation jobs and models that
// read and wrote them. The teardown must therefore delete each object while its job
// still exists: a process killed between the two deletes then leaves a job that leads
// to the object, not an object nothing leads to.
func TestTeardownDeletesObjectsWhileTheirJobCanStillFindThem(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	st := newStudy(t, study3()[1]) // c5+neo: one compilation job, its input and its output
	type deletion struct {
		key  string
		jobs int
	}
	var mu sync.Mutex
	var seen []deletion
	cfg := srv.Config()
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("probe-delete-order",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if d, ok := in.Parameters.(*s3.DeleteObjectInput); ok {
					mu.Lock()
					seen = append(seen, deletion{aws.ToString(d.Key), len(srv.CompilationJobs())})
					mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
	rep, err := st.Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NoError(t, rep.Outcomes[0].Err)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2, "the model archive and the compiled artifact are deleted")
	for _, d := range seen {
		assert.Equal(t, 1, d.jobs, "%s was deleted after the compilation job that leads to it", d.key)
	}
	assert.Empty(t, srv.Leftovers())
}
