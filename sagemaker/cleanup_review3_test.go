package sagemaker_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
)

// Safety: the run id reaches CleanupRun from a human: copied out of a terminal or
// the console with a trailing newline or space, or typed in upper case (the console
// shows names, and a run id is case-insensitive in SageMaker's names: NameContains
// matches it). CleanupRun compared the tag value exactly, found nothing, and returned
// nil: the example printed "cleanup of run ...: done" with the run's endpoint
// InService, billing by the hour. A run id that matches nothing as given must not be
// reported as a clean run: an id with surrounding white space is the id without it,
// and one that differs from the run's only by case finds the run.
func TestReview3CleanupRunWithASloppyRunIDDoesNotReportDoneWithTheEndpointUp(t *testing.T) {
	for name, sloppy := range map[string]func(string) string{
		"trailing space":   func(id string) string { return id + " " },
		"trailing newline": func(id string) string { return id + "\n" },
		"leading space":    func(id string) string { return " " + id },
		"upper case":       strings.ToUpper,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newEnv(t, nil)
			j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
			m, e := specs("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3")
			m.Name, e.Name = c.Name("resnet50"), c.Name("resnet50")
			if _, err := c.Deploy(context.Background(), m, e); err != nil {
				t.Fatal(err)
			}
			id := sloppy(j.RunID())
			err = newClient(t, srv).CleanupRun(context.Background(), id)
			if left := srv.Leftovers(); len(left) > 0 && err == nil {
				t.Fatalf("CleanupRun(%q) = nil with %v left", id, left)
			}
			if strings.TrimSpace(id) != id {
				// White space is no part of an id: the run is found and cleaned up.
				if err != nil {
					t.Fatalf("CleanupRun(%q) = %v", id, err)
				}
				assertNothingLeft(t, srv)
			} else if err == nil || !strings.Contains(err.Error(), j.RunID()) {
				t.Fatalf("CleanupRun(%q) = %v; want an error that names %s", id, err, j.RunID())
			}
		})
	}
}

// Money: a run killed during Upload leaves a multipart upload whose parts S3 stores and
// bills until it is aborted; its id is journaled for Cleanup. The user then resumes the
// run with the same journal (OpenJournal of the same path, as -journal does), and the
// resumed run uploads the same key, completes, and at its teardown deletes the object
// and journals that. That delete line made the journal forget the killed run's upload
// id: Pending was empty, the example said "nothing of run ... remains", Cleanup
// returned nil, and the killed upload's parts stayed stored, billed, and unfindable
// (CleanupRun aborts no upload). Deleting the object does not abort an upload at its
// key: only an upload that ended (completed or aborted) may leave the journal.
func TestReview3ResumedRunThatDeletesItsObjectStillAbortsTheKilledRunsUpload(t *testing.T) {
	srv, _ := newEnv(t, nil)
	path := filepath.Join(t.TempDir(), "run.journal")
	ctx := context.Background()
	const key = "resumed/model.tar.gz"
	uri := "s3://" + testBucket + "/" + key
	part := bytes.Repeat([]byte("w"), 5<<20)

	// The killed run: what Upload journals, then one part sent, then SIGKILL.
	killed, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := killed.CreatingIn(srv.Region(), sagemaker.KindS3Object, uri); err != nil {
		t.Fatal(err)
	}
	s3c := srv.S3Client()
	mu, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if err := killed.Uploading(uri, aws.ToString(mu.UploadId)); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: mu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part)}); err != nil {
		t.Fatal(err)
	}
	killed.Close()

	// The resumed run: same journal, same key, a multipart Upload that completes.
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal, o.UploadPartSize = j, 5<<20 })
	if _, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: key, Body: bytes.NewReader(append(part, part...))}); err != nil {
		t.Fatal(err)
	}
	// Its teardown, as the Study's does: delete the object, journal that.
	if _, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	if err := j.Deleted(sagemaker.KindS3Object, uri); err != nil {
		t.Fatal(err)
	}
	if len(srv.MultipartUploads()) != 1 {
		t.Fatalf("multipart uploads %v; want the killed run's", srv.MultipartUploads())
	}

	if p, err := j.Pending(); err != nil || len(p) == 0 {
		t.Errorf("Pending = %v, %v; want the key of the killed run's upload", p, err)
	}
	if err := c.Cleanup(ctx, j); err != nil {
		t.Fatalf("Cleanup = %v", err)
	}
	if u := srv.MultipartUploads(); len(u) != 0 {
		t.Fatalf("after Cleanup, multipart uploads %v are still stored and billed", u)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("after Cleanup, Pending = %v", p)
	}
	// A second resumed run's Upload that completes leaves nothing pending once its
	// object is deleted: ended uploads are not Cleanup's business.
	if _, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: key, Body: bytes.NewReader(append(part, part...))}); err != nil {
		t.Fatal(err)
	}
	_, _ = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	_ = j.Deleted(sagemaker.KindS3Object, uri)
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("after a completed Upload and its delete, Pending = %v; want nothing", p)
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

// Money and the README's "run it again": CleanupRun, which has no journal, finds the
// run's S3 objects only through the models and compilation jobs that read them. It
// deleted the models (and the jobs, whose artifacts it learns from the job) before the
// objects, so a CleanupRun killed while deleting the objects left them unfindable: the
// second CleanupRun found nothing and returned nil ("cleanup of run ...: done") with
// the run's model archive still stored. The objects must go before what leads to them.
func TestReview3CleanupRunKilledWhileDeletingObjectsFindsThemWhenRunAgain(t *testing.T) {
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: "run/" + c.RunID() + "/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
	m, e := specs("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name, m.ModelDataURL = c.Name("m"), c.Name("m"), uri
	if _, err := c.Deploy(ctx, m, e); err != nil {
		t.Fatal(err)
	}

	reached := make(chan struct{}, 1)
	killCtx, kill := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- newClient(t, srv, func(o *sagemaker.Options) { o.S3 = blockedDelete{srv.S3Client(), reached} }).CleanupRun(killCtx, c.RunID())
	}()
	select {
	case <-reached:
	case err := <-done:
		t.Fatalf("the first CleanupRun returned %v before deleting any object", err)
	}
	kill()
	if err := <-done; err == nil {
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
// without a journal only the job's description leads to it. CleanupRun deleted the job
// before its artifact; killed in between, it left the artifact for good.
func TestReview3CleanupRunKilledWhileDeletingObjectsFindsAJobsArtifactWhenRunAgain(t *testing.T) {
	srv, _ := newEnv(t, nil)
	c := newClient(t, srv)
	ctx := context.Background()
	uri, err := c.Upload(ctx, sagemaker.UploadInput{Bucket: testBucket, Key: "run/" + c.RunID() + "/model.tar.gz", Body: bytes.NewReader(packTestModel(t))})
	if err != nil {
		t.Fatal(err)
	}
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

	reached := make(chan struct{}, 1)
	killCtx, kill := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- newClient(t, srv, func(o *sagemaker.Options) { o.S3 = blockedDelete{srv.S3Client(), reached} }).CleanupRun(killCtx, c.RunID())
	}()
	select {
	case <-reached:
	case err := <-done:
		t.Fatalf("the first CleanupRun returned %v before deleting any object", err)
	}
	kill()
	<-done

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
