package sagemaker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// A Deploy whose create fails because the name is taken by a resource that is not its
// own (another Deploy of the same run, or the first process of a resumed run, which
// shares the journal and so the names Client.Name gives) journals nothing of that
// resource as deleted: the journal is keyed by kind and name, so such a line would hide
// the other Deploy's live resource from Cleanup after a crash.
func TestCollidingDeployKeepsTheEarlierDeploysJournalEntries(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c, j := newJournaledClient(t, srv)
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
	cleanupFromJournal(t, srv, j)
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Cleanup from the journal: %v left behind (the failed Deploy journaled them as deleted)", left)
	}
}

// The same with a billable endpoint: a Delete that deleted the configuration and the
// model but not the endpoint (refused once) leaves it InService and journaled. The run is
// retried (same journal, so the same names), its Deploy collides with that endpoint, and
// Cleanup from the journal still deletes the endpoint.
func TestCollidingDeployKeepsTheJournaledLiveEndpointForCleanup(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c, j := newJournaledClient(t, srv)
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
	cleanupFromJournal(t, srv, j)
	if left := srv.Leftovers(); len(left) > 0 {
		t.Fatalf("after Cleanup from the journal: %v still running", left)
	}
}

// Parallel Deploys sharing one client and one journal, with lost answers on every kind
// of create and some Deploys cancelled midway: Cleanup from the journal leaves nothing
// running, and the journal lists nothing pending.
func TestParallelDeploysSharingAJournalLeaveNothingAfterCleanup(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	c, j := newJournaledClient(t, srv)
	for _, op := range []string{"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} {
		srv.LoseAnswer(op, 2)
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%2 == 1 {
				time.AfterFunc(time.Duration(i)*3*time.Millisecond, cancel)
			}
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			m.Name, e.Name = c.Name(fmt.Sprintf("p%d", i)), c.Name(fmt.Sprintf("p%d", i))
			_, _ = c.Deploy(ctx, m, e)
		}()
	}
	wg.Wait()
	cleanupFromJournal(t, srv, j)
	assertNothingLeft(t, srv)
	if p, err := j.Pending(); err != nil || len(p) != 0 {
		t.Fatalf("Pending after Cleanup = %v, %v", p, err)
	}
}

// lateCreate is the real client, except that a CreateEndpoint whose caller gives up
// (ctx cancelled) is still delivered: it reaches SageMaker just after the next
// DescribeEndpoint is answered, as a request already on the wire may.
type lateCreate struct {
	*sm.Client
	mu      sync.Mutex
	pending *sm.CreateEndpointInput
}

func (l *lateCreate) CreateEndpoint(ctx context.Context, in *sm.CreateEndpointInput, o ...func(*sm.Options)) (*sm.CreateEndpointOutput, error) {
	<-ctx.Done() // the caller's Ctrl-C comes while the request is in flight
	l.mu.Lock()
	l.pending = in
	l.mu.Unlock()
	return nil, ctx.Err()
}

func (l *lateCreate) DescribeEndpoint(ctx context.Context, in *sm.DescribeEndpointInput, o ...func(*sm.Options)) (*sm.DescribeEndpointOutput, error) {
	out, err := l.Client.DescribeEndpoint(ctx, in, o...)
	l.mu.Lock()
	p := l.pending
	l.pending = nil
	l.mu.Unlock()
	if p != nil {
		if _, cerr := l.Client.CreateEndpoint(context.Background(), p); cerr != nil {
			panic(cerr)
		}
	}
	return out, err
}

// A create cut off by cancellation "may exist" (Deploy's doc says so): a request already
// on the wire can land after the failed Deploy's cleanup described it and found nothing.
// Deploy therefore never journals such a resource as deleted on one "not found", and
// Cleanup from the journal deletes the endpoint that landed late. The same race is what
// TestParallelDeploysSharingAJournalLeaveNothingAfterCleanup can hit under -race.
func TestDeployKeepsACancelledCreateThatLandsLateInTheJournal(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	j := openJournal(t)
	api := &lateCreate{Client: srv.SageMakerClient()}
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j; o.SageMaker = api })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("late"), c.Name("late")
	if _, err := c.Deploy(ctx, m, e); err == nil {
		t.Fatal("cancelled Deploy succeeded")
	}
	cleanupFromJournal(t, srv, j)
	if left := srv.Leftovers(); len(left) > 0 {
		p, _ := j.Pending()
		t.Fatalf("after the cancelled Deploy and Cleanup from its journal: %v left running; journal pending %v", left, p)
	}
}
