package sagemaker_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// fastRetries is a SageMaker client whose SDK retries wait a millisecond, so that a
// test can spend the SDK's attempts quickly.
func fastRetries(srv *sagemakertest.Server) func(*sagemaker.Options) {
	return func(o *sagemaker.Options) {
		o.SageMaker = srv.SageMakerClient(func(so *sm.Options) {
			so.Retryer = retry.NewStandard(func(r *retry.StandardOptions) { r.MaxBackoff = time.Millisecond })
		})
	}
}

// Fails on the old code: the retry's "already exists" was taken as proof that the
// create never happened, the Deploy failed and the resource was left behind. Now the
// Deploy recognizes its own resource by its tags and carries on; and when it fails
// later, it deletes that resource with the rest.
func TestDeployLostCreateAnswerLeavesNothing(t *testing.T) {
	for _, op := range []string{"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} {
		t.Run(op, func(t *testing.T) {
			srv, c := newEnv(t, nil)
			srv.LoseAnswer(op, 1)
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			ep, err := c.Deploy(context.Background(), m, e)
			if err != nil {
				t.Fatalf("Deploy after a lost answer: %v", err)
			}
			if n := srv.Calls(op); n != 2 {
				t.Fatalf("%s calls = %d; want the lost one and the SDK's retry", op, n)
			}
			if op == "CreateEndpoint" && ep.ARN == "" {
				t.Error("adopted endpoint has no ARN")
			}
			if err := ep.Delete(context.Background()); err != nil {
				t.Fatal(err)
			}
			assertNothingLeft(t, srv)
		})
		t.Run(op+"ThenFailure", func(t *testing.T) {
			srv, c := newEnv(t, nil)
			srv.LoseAnswer(op, 1)
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			srv.FailEndpoint(e.Name, "health check failed")
			_, err := c.Deploy(context.Background(), m, e)
			var de *sagemaker.DeployError
			if !errors.As(err, &de) || de.Cleanup != nil {
				t.Fatalf("err = %v; want a DeployError whose cleanup succeeded", err)
			}
			assertNothingLeft(t, srv)
		})
	}
}

// When a lost answer cannot be told from a refusal at once (here the describe that
// would tell fails), the resource stays "may exist" and the failed Deploy's cleanup
// looks again, finds it tagged as its own, and deletes it.
func TestDeployDeletesAnUncertainCreateItFindsLater(t *testing.T) {
	srv, c := newEnv(t, nil)
	srv.LoseAnswer("CreateEndpoint", 1)
	srv.FailNext("DescribeEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not now", StatusCode: 400})
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	_, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if !errors.As(err, &de) || de.Step != sagemaker.StepCreateEndpoint || de.Cleanup != nil {
		t.Fatalf("err = %v; want a failed create endpoint whose cleanup succeeded", err)
	}
	assertNothingLeft(t, srv)
}

// A name already taken by another Deploy of the same run is refused and left alone,
// although it carries the run's tag: the per-Deploy token tells them apart.
func TestDeployLostAnswerNeverAdoptsAnotherDeploysResource(t *testing.T) {
	srv, c := newEnv(t, nil)
	ctx := context.Background()
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	first, err := c.Deploy(ctx, m, e)
	if err != nil {
		t.Fatal(err)
	}
	m2 := m
	m2.Name = c.Name("other")
	srv.LoseAnswer("CreateEndpointConfig", 1) // refused anyway: the name is taken
	if _, err := c.Deploy(ctx, m2, e); err == nil {
		t.Fatal("second Deploy under a taken name succeeded")
	}
	if got := len(srv.Leftovers()); got != 3 {
		t.Fatalf("leftovers = %v; want the first deploy intact and nothing of the second", srv.Leftovers())
	}
	if err := first.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

// Fails on the old code: the SDK's three attempts were all deleteEndpoint tried.
func TestDeleteRetriesThrottlingUntilItSucceeds(t *testing.T) {
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv, fastRetries(srv))
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"} {
		srv.FailNext(op, 4, sagemakertest.ErrThrottling()) // more than the SDK's 3 attempts
		srv.FailNext(op, 3, sagemakertest.ErrServiceUnavailable())
	}
	if err := ep.Delete(context.Background()); err != nil {
		t.Fatalf("Delete gave up: %v", err)
	}
	for _, op := range []string{"DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel"} {
		if n := srv.Calls(op); n != 8 {
			t.Errorf("%s calls = %d, want 7 refused and 1 accepted", op, n)
		}
	}
	assertNothingLeft(t, srv)
}

// Fails on the old code: Deploy returned a nil *Endpoint and no handle.
func TestDeployWhoseCleanupFailedReturnsAHandleThatFinishes(t *testing.T) {
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	srv.FailEndpoint(e.Name, "health check failed")
	srv.FailNext("DeleteEndpoint", 1, &sagemakertest.APIError{Code: "AccessDeniedException", Message: "not now", StatusCode: 400})
	ep, err := c.Deploy(context.Background(), m, e)
	var de *sagemaker.DeployError
	if ep != nil || !errors.As(err, &de) || de.Cleanup == nil || de.Endpoint == nil {
		t.Fatalf("Deploy = %v, %v; want a DeployError with a failed cleanup and a handle", ep, err)
	}
	if len(srv.Leftovers()) == 0 {
		t.Fatal("nothing left, so the test proves nothing")
	}
	if err := de.Endpoint.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

func TestDeployTagsAndNamesWithTheRun(t *testing.T) {
	srv, c := newEnv(t, nil)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("resnet50-c5"), c.Name("resnet50-c5")
	if !strings.HasSuffix(m.Name, c.RunID()) || len(m.Name) > sagemaker.MaxNameLen {
		t.Fatalf("Name = %q; want the run id %s at the end", m.Name, c.RunID())
	}
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Delete(context.Background())
	tags := srv.Tags(ep.ARN)
	if !slices.Contains(tags, sagemakertest.Tag{Key: sagemaker.TagRun, Value: c.RunID()}) ||
		!slices.Contains(tags, sagemakertest.Tag{Key: sagemaker.TagCreatedBy, Value: "sagebench"}) {
		t.Errorf("endpoint tags = %v; want the run and created-by", tags)
	}
}

func TestJournalIgnoresATornLastLineAndRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []sagemaker.Resource{{sagemaker.KindModel, "a"}, {sagemaker.KindEndpoint, "b"}} {
		if err := j.Creating(r.Kind, r.Name); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Deleted(sagemaker.KindModel, "a"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"op":"create","kind":"model","na`) // killed mid-write
	f.Close()
	again, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.RunID() != j.RunID() {
		t.Errorf("reopened run id %s, want %s", again.RunID(), j.RunID())
	}
	got, err := again.Pending()
	if err != nil || len(got) != 1 || got[0] != (sagemaker.Resource{Kind: sagemaker.KindEndpoint, Name: "b"}) {
		t.Fatalf("Pending = %v, %v; want just endpoint b", got, err)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`"op":"delete"`), []byte(`"op":"delete`), 1), 0o600)
	if _, err := again.Pending(); err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("a corrupt middle line: %v; want an error naming line 4", err)
	}
	os.WriteFile(path, []byte("hello\n"), 0o600)
	if _, err := sagemaker.OpenJournal(path); err == nil {
		t.Error("opened a file that is not a journal")
	}
}

// deployUnfinished uploads an archive and deploys it, journaled, and leaves it all
// running, as a process killed at that point would.
func deployUnfinished(t *testing.T, srv *sagemakertest.Server, c *sagemaker.Client) {
	t.Helper()
	ctx := context.Background()
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: "run/" + c.RunID() + "/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name, m.ModelDataURL = c.Name("m"), c.Name("m"), uri
	if _, err := c.Deploy(ctx, m, e); err != nil {
		t.Fatal(err)
	}
	// Another model of the run that reads the user's own archive, which must survive.
	m2, e2 := specs("pytorch-inference:1.8.1-cpu-py3")
	m2.Name, e2.Name = c.Name("own"), c.Name("own")
	if _, err := c.Deploy(ctx, m2, e2); err != nil {
		t.Fatal(err)
	}
}

func objectKeys(srv *sagemakertest.Server) []string {
	var keys []string
	for _, o := range srv.Objects() {
		keys = append(keys, o.Key)
	}
	return keys
}

func TestCleanupFromJournalIsIdempotent(t *testing.T) {
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	srv.PutObject(testBucket, testKey, packTestModel(t))
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	deployUnfinished(t, srv, newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j }))
	for range 2 {
		if err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) { o.S3 = srv.S3Client(); o.PollInterval = 5 * time.Millisecond }); err != nil {
			t.Fatal(err)
		}
		assertNothingLeft(t, srv)
		if keys := objectKeys(srv); !slices.Equal(keys, []string{testKey}) {
			t.Fatalf("objects = %v; want only the user's %s", keys, testKey)
		}
	}
	if p, err := j.Pending(); err != nil || len(p) != 0 {
		t.Errorf("Pending after cleanup = %v, %v", p, err)
	}
}

func TestCleanupRunFindsTheRunByTag(t *testing.T) {
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
	if err := sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) { o.S3 = srv.S3Client(); o.PollInterval = 5 * time.Millisecond }); err != nil {
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

func TestJournalServesOneRegion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.CreatingIn("eu-west-1", sagemaker.KindModel, "a"); err != nil {
		t.Fatal(err)
	}
	if err := j.CreatingIn("us-east-1", sagemaker.KindModel, "b"); err == nil {
		t.Error("a create in a second region was journaled")
	}
	j.Close()
	again, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Region() != "eu-west-1" {
		t.Errorf("reopened journal region %q, want eu-west-1", again.Region())
	}
	c := sagemaker.NewClient(aws.Config{Region: "us-east-1"})
	if err := c.Cleanup(context.Background(), again); err == nil || !strings.Contains(err.Error(), "eu-west-1") {
		t.Errorf("Cleanup in the wrong region: %v; want a refusal naming eu-west-1", err)
	}
}
