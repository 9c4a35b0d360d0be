package sagemaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// CleanupRun's search by tag is its ownership check: a throttled listing or ListTags
// that outlasts the SDK's attempts must not end the cleanup while the deadline allows
// more.
func TestCleanupRunRetriesAThrottledSearch(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"ListEndpoints", "ListTags", "DescribeModel"} {
		t.Run(op, func(t *testing.T) {
			srv := sagemakertest.NewServer()
			t.Cleanup(srv.Close)
			srv.PutObject(testBucket, testKey, packTestModel(t))
			c := newClient(t, srv)
			deployUnfinished(t, srv, c)
			srv.FailNext(op, 4, sagemakertest.ErrThrottling()) // more than the SDK's 3 attempts
			err := sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), fastRetries(srv), func(o *sagemaker.Options) {
				o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
			})
			if err != nil {
				t.Fatalf("CleanupRun gave up on throttling: %v", err)
			}
			assertNothingLeft(t, srv)
			if keys := objectKeys(srv); len(keys) != 1 || keys[0] != testKey {
				t.Fatalf("objects after CleanupRun = %v; want only the user's %s (the run's upload deleted)", keys, testKey)
			}
		})
	}
}

// A Deploy whose check of a create with a lost answer is throttled fails, and its own
// teardown (Endpoint.Delete) must then find out, retrying the throttled ListTags until
// its deadline, that the model exists and is the run's, and delete it.
func TestDeployTearsDownAfterAThrottledOwnershipCheck(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	srv.PutObject(testBucket, testKey, packTestModel(t))
	c := newClient(t, srv, fastRetries(srv))
	srv.LoseAnswer("CreateModel", 1)
	// Deploy's one check takes the SDK's 3 attempts, Delete's first try 3 more.
	srv.FailNext("ListTags", 7, sagemakertest.ErrThrottling())
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err == nil {
		t.Fatal("Deploy succeeded although its ownership check was throttled")
	}
	assertNothingLeft(t, srv)
	if err := ep.Delete(context.Background()); err != nil {
		t.Fatalf("Delete after the Deploy's own teardown: %v", err)
	}
}
