package sagemaker_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// Review: when a create fails because the name is taken by a resource that is not this
// Deploy's (another Deploy of the same run, or the first process of a resumed run, which
// shares the journal and so the run id and the names Client.Name gives), the failed
// Deploy's cleanup journals that name as deleted although the other Deploy's resource
// is alive. The journal is keyed by kind and name, so that "delete" line erases the
// other Deploy's record: after a crash, Cleanup no longer sees it and leaves it behind.
func TestReviewCollidingDeployDoesNotEraseTheJournalOfTheEarlierOne(t *testing.T) {
	srv, _ := newEnv(t, nil)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("resnet50"), c.Name("resnet50")
	if _, err := c.Deploy(ctx, m, e); err != nil { // left running: the process dies later
		t.Fatal(err)
	}
	m2 := m
	m2.Name = c.Name("resnet50-b")
	if _, err := c.Deploy(ctx, m2, e); err == nil { // the endpoint config name is taken
		t.Fatal("second Deploy under a taken name succeeded")
	}
	// kill -9; a new process cleans up from the journal.
	if err := sagemaker.Cleanup(ctx, srv.Config(), j, func(o *sagemaker.Options) {
		o.S3 = srv.S3Client()
		o.PollInterval = 5 * time.Millisecond
	}); err != nil {
		t.Fatal(err)
	}
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Cleanup from the journal: %v left behind (the failed Deploy journaled them as deleted)", left)
	}
}

// The same with a billable endpoint: a Delete that could delete the configuration and
// the model but not the endpoint (refused once) leaves it InService and journaled. The
// run is retried (same journal, so the same names), its Deploy collides with that
// endpoint, and its cleanup journals the endpoint as deleted: Cleanup then leaves the
// InService endpoint running.
func TestReviewCollidingDeployDoesNotEraseTheJournaledLiveEndpoint(t *testing.T) {
	srv, _ := newEnv(t, nil)
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("resnet50"), c.Name("resnet50")
	ep, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("DeleteEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not now", StatusCode: 400})
	if err := ep.Delete(ctx); err == nil {
		t.Fatal("Delete succeeded despite the refused DeleteEndpoint")
	}
	// The run is resumed (or the study retried) under the same journal and names.
	c2 := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	if _, err := c2.Deploy(ctx, m, e); err == nil {
		t.Fatal("Deploy onto a live endpoint's name succeeded")
	}
	if err := sagemaker.Cleanup(ctx, srv.Config(), j, func(o *sagemaker.Options) {
		o.S3 = srv.S3Client()
		o.PollInterval = 5 * time.Millisecond
	}); err != nil {
		t.Fatal(err)
	}
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Cleanup from the journal: %v still running", left)
	}
}
