package sagemaker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestCleanupRunFindsTheRunByTag(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	srv.PutObject(testBucket, testKey, packTestModel(t))
	other := newClient(t, srv) // another run, which must be left alone
	om, oe := specs("pytorch-inference:1.8.1-cpu-py3")
	if _, err := other.Deploy(context.Background(), om, oe); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	deployUnfinished(t, srv, c)
	if err := sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) { o.PollInterval = 5 * time.Millisecond }); err != nil {
		t.Fatal(err)
	}
	want := []string{"endpoint " + oe.Name + " (InService)", "endpoint-config " + oe.Name, "model " + om.Name}
	if got := srv.Leftovers(); !slices.Equal(got, want) {
		t.Fatalf("after CleanupRun: %v; want only the other run's %v", got, want)
	}
	if keys := objectKeys(srv); !slices.Equal(keys, []string{testKey}) {
		t.Fatalf("objects = %v; want only the user's %s", keys, testKey)
	}
}

// blockedDelete is an S3 client whose DeleteObject never returns until ctx ends: the
// moment a real process running CleanupRun is killed (kill -9, a CI timeout) while it
// deletes the run's objects. Nothing after it succeeds.
type blockedDelete struct {
	sagemaker.S3API
	reached chan<- struct{}
}

func (b blockedDelete) DeleteObject(ctx context.Context, _ *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	select {
	case b.reached <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// killCleanupRunWhileDeleting runs CleanupRun of run until it deletes its first S3
// object, kills it there, and returns what the killed CleanupRun returned.
func killCleanupRunWhileDeleting(t *testing.T, srv *sagemakertest.Server, run string) error {
	t.Helper()
	reached := make(chan struct{}, 1)
	killCtx, kill := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- newClient(t, srv, func(o *sagemaker.Options) { o.S3 = blockedDelete{srv.S3Client(), reached} }).CleanupRun(killCtx, run)
	}()
	select {
	case <-reached:
	case err := <-done:
		kill()
		t.Fatalf("the first CleanupRun returned %v before deleting any object", err)
	}
	kill()
	return <-done
}

// CleanupRun, which has no journal, finds the run's S3 objects only through the models
// and compilation jobs that read them, so it deletes the objects before what leads to
// them: a CleanupRun killed while deleting the objects leaves them findable, and the
// second CleanupRun (the README's "run it again") deletes them.
func TestCleanupRunAgainFindsObjectsAKilledCleanupRunLeft(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	deployRunModel(t, c)

	if err := killCleanupRunWhileDeleting(t, srv, c.RunID()); err == nil {
		t.Fatal("the killed CleanupRun returned nil")
	}

	if err := newClient(t, srv).CleanupRun(ctx, c.RunID()); err != nil {
		t.Fatalf("second CleanupRun = %v", err)
	}
	for _, o := range srv.Objects() {
		if strings.Contains(o.Key, c.RunID()) {
			t.Fatalf("after the second CleanupRun, %s/%s is still stored", o.Bucket, o.Key)
		}
	}
	assertNothingLeft(t, srv)
}

// The same for a compilation job's artifact: Neo writes it without the run's mark, so
// without a journal only the job's description leads to it. CleanupRun deletes the
// artifact before the job, so a second CleanupRun after a kill in between still finds it.
func TestCleanupRunAgainFindsAJobsArtifactAKilledCleanupRunLeft(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	uri := uploadRunModel(t, c)
	compiler := neo.NewCompiler(srv.Config(), func(o *neo.Options) {
		o.RunID = c.RunID()
		o.MinDelay, o.MaxDelay = 2*time.Millisecond, 20*time.Millisecond
	})
	m, err := compiler.Compile(ctx, neo.Job{
		Name: c.Name("neo-c5"), ModelDataURL: uri, RoleARN: testRole,
		Framework: neo.PyTorch, FrameworkVersion: "1.8", InputShapes: map[string][]int{"input0": {1, 3, 224, 224}},
		Target: neo.TargetMLC5, OutputURL: "s3://" + testBucket + "/run/" + c.RunID() + "/compiled",
	})
	if err != nil {
		t.Fatal(err)
	}

	killCleanupRunWhileDeleting(t, srv, c.RunID())

	if err := newClient(t, srv).CleanupRun(ctx, c.RunID()); err != nil {
		t.Fatalf("second CleanupRun = %v", err)
	}
	for _, o := range srv.Objects() {
		if strings.Contains(o.Key, c.RunID()) {
			t.Fatalf("after the second CleanupRun, %s/%s is still stored (artifact %s)", o.Bucket, o.Key, m.ArtifactURL)
		}
	}
	if jobs := srv.CompilationJobs(); len(jobs) != 0 {
		t.Fatalf("compilation jobs left: %+v", jobs)
	}
}

// A run id nothing is tagged with (a typo, another region) is not a clean account:
// CleanupRun says that nothing of it was found.
func TestCleanupRunSaysWhenNothingOfTheRunWasFound(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	err := sagemaker.CleanupRun(context.Background(), srv.Config(), "totally-bogus")
	var nf *sagemaker.NothingFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("CleanupRun = %v, want a *NothingFoundError", err)
	}
	if nf.RunID != "totally-bogus" || nf.Region != srv.Region() {
		t.Errorf("NothingFoundError = %+v", nf)
	}
}
