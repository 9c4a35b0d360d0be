package sagemaker_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestJournalIgnoresATornLastLineAndRefusesGarbage(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []sagemaker.Resource{{sagemaker.KindModel, "a"}, {sagemaker.KindEndpoint, "b"}} {
		if err := journal.Of(j).Creating(string(r.Kind), r.Name); err != nil {
			t.Fatal(err)
		}
	}
	if err := journal.Of(j).Deleted(journal.KindModel, "a"); err != nil {
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

func TestJournalServesOneRegion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(j).CreatingIn("eu-west-1", journal.KindModel, "a"); err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(j).CreatingIn("us-east-1", journal.KindModel, "b"); err == nil {
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

// Two handles of one journal (a program that opens it for its Client and again for a
// loadjob, or a resumed run beside the first) serve its one region too: the second may
// have been opened before the first create named the region.
func TestJournalServesOneRegionAcrossHandlesOfTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.journal")
	first, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := journal.Of(first).CreatingIn("eu-west-1", journal.KindModel, "a"); err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(second).CreatingIn("us-east-1", journal.KindModel, "b"); err == nil {
		t.Error("a create in a second region was journaled through the second handle")
	}
	if err := journal.Of(second).CreatedArtifact("us-east-1", "s3://b/k"); err == nil {
		t.Error("an artifact in a second region was journaled through the second handle")
	}
	if second.Region() != "eu-west-1" {
		t.Errorf("second handle's region %q, want the file's eu-west-1", second.Region())
	}
}

// A crash mid-write leaves a torn last line, and OpenJournal documents that "a resumed
// run appends to it": the resumed run's lines are not glued onto the torn one, so the
// journal stays readable and Pending lists both runs' resources.
func TestJournalResumedAfterATornLineStaysReadable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(j).Creating(journal.KindEndpoint, "a"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"create","kind":"model","na`) // killed mid-write
	f.Close()

	again, err := sagemaker.OpenJournal(path) // the resumed run
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := journal.Of(again).Creating(journal.KindEndpoint, "b"); err != nil {
		t.Fatal(err)
	}
	got, err := again.Pending()
	if err != nil {
		t.Fatalf("Pending after a resumed run appended to a torn journal: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("Pending = %v; want endpoints a and b", got)
	}
}

// Two concurrent CreatingIn calls in different regions never both succeed: Cleanup works
// in one region, so a journal that admitted two would lose one of them.
func TestJournalCreatingInAdmitsOnlyOneRegionUnderConcurrency(t *testing.T) {
	t.Parallel()
	for i := range 20 {
		j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for k, region := range []string{"eu-west-1", "us-east-1"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[k] = journal.Of(j).CreatingIn(region, journal.KindEndpoint, region)
			}()
		}
		close(start)
		wg.Wait()
		j.Close()
		if errs[0] == nil && errs[1] == nil {
			t.Fatalf("attempt %d: creates in two regions were both journaled in one journal", i)
		}
	}
}

// A journal whose file is deleted (or replaced) while the run goes on would append to
// the unlinked inode, a record nobody can find. A create whose journal line is not
// findable is refused, as a failed append is; if the Deploy succeeds all the same, its
// resources must be listed by Pending.
func TestJournalDeletedMidRunLosesNoCreate(t *testing.T) {
	t.Parallel()
	srv, _ := newEnv(t, nil)
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	c := newClient(t, srv, func(o *sagemaker.Options) { o.Journal = j })
	if err := os.Remove(path); err != nil { // a tidy-up script, a tmp cleaner
		t.Fatal(err)
	}
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	ep, err := c.Deploy(context.Background(), m, e)
	if err != nil {
		return // refused: fine
	}
	defer ep.Delete(context.Background())
	if p, err := j.Pending(); err != nil || len(p) != 3 {
		t.Fatalf("Deploy succeeded journaled in a deleted file: Pending = %v, %v", p, err)
	}
}

// A run killed during Upload leaves a multipart upload whose parts S3 stores and bills
// until it is aborted; its id is journaled for Cleanup. The user resumes the run with
// the same journal (OpenJournal of the same path, as -journal does); the resumed run
// uploads the same key, completes, deletes the object at its teardown and journals that.
// Deleting the object does not abort an upload at its key, so the killed run's upload
// id stays pending until Cleanup aborts it: only an upload that ended (completed or
// aborted) leaves the journal. (CleanupRun aborts no upload, so the journal is the
// only way to it.)
func TestCleanupAbortsAKilledRunsUploadAfterTheResumedRunDeletedTheObject(t *testing.T) {
	t.Parallel()
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
	if err := journal.Of(killed).CreatingIn(srv.Region(), journal.KindS3Object, uri); err != nil {
		t.Fatal(err)
	}
	s3c := srv.S3Client()
	mu, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.Of(killed).Uploading(uri, aws.ToString(mu.UploadId)); err != nil {
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
	if err := journal.Of(j).Deleted(journal.KindS3Object, uri); err != nil {
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
	_ = journal.Of(j).Deleted(journal.KindS3Object, uri)
	if p, _ := j.Pending(); len(p) != 0 {
		t.Errorf("after a completed Upload and its delete, Pending = %v; want nothing", p)
	}
}

func openJournal(t testing.TB) *sagemaker.Journal {
	t.Helper()
	j, err := sagemaker.OpenJournal(filepath.Join(t.TempDir(), "run.journal"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// newJournaledClient returns a client for srv that journals in a fresh journal, and
// the journal.
func newJournaledClient(t testing.TB, srv *sagemakertest.Server, optFns ...func(*sagemaker.Options)) (*sagemaker.Client, *sagemaker.Journal) {
	t.Helper()
	j := openJournal(t)
	return newClient(t, srv, append(optFns, func(o *sagemaker.Options) { o.Journal = j })...), j
}

// cleanupFromJournal runs Cleanup from j, as a new process after a crash would, and
// fails the test on its error.
func cleanupFromJournal(t testing.TB, srv *sagemakertest.Server, j *sagemaker.Journal) {
	t.Helper()
	err := sagemaker.Cleanup(context.Background(), srv.Config(), j, func(o *sagemaker.Options) {
		o.PollInterval, o.MaxPollInterval = 5*time.Millisecond, 20*time.Millisecond
	})
	if err != nil {
		t.Fatalf("Cleanup from the journal: %v", err)
	}
}

// A Journal that OpenJournal did not open (a nil *Journal, or the zero value a caller
// wrote by hand) is refused with an error by every method and by every client given it,
// before anything is created; never a panic.
func TestJournalNotOpenedIsRefusedWithoutAPanic(t *testing.T) {
	t.Parallel()
	for name, j := range map[string]*sagemaker.Journal{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			if id, p, r := j.RunID(), j.Path(), j.Region(); id != "" || p != "" || r != "" {
				t.Errorf("RunID, Path, Region = %q, %q, %q; want empty", id, p, r)
			}
			if _, err := j.Pending(); err == nil || !strings.Contains(err.Error(), "OpenJournal") {
				t.Errorf("Pending: %v; want an error naming OpenJournal", err)
			}
			if err := j.Close(); err == nil {
				t.Error("Close = nil; want an error")
			}
			srv, c := newEnv(t, nil, func(o *sagemaker.Options) { o.Journal = j })
			if err := sagemaker.Cleanup(context.Background(), srv.Config(), j); err == nil {
				t.Error("Cleanup = nil; want an error")
			}
			if j == nil {
				return // Options.Journal nil: no journal at all, which is allowed
			}
			m, e := specs("pytorch-inference:1.8.1-cpu-py3")
			if _, err := c.Deploy(context.Background(), m, e); err == nil || !strings.Contains(err.Error(), "OpenJournal") {
				t.Errorf("Deploy: %v; want a refusal naming OpenJournal", err)
			}
			before := len(srv.Objects())
			if _, err := c.Upload(context.Background(), sagemaker.UploadInput{
				Bucket: "sagemaker-eu-west-1-123456789012", Key: "x/model.tar.gz", Body: strings.NewReader("x"),
			}); err == nil {
				t.Error("Upload = nil; want a refusal")
			}
			if left := srv.Leftovers(); len(left) > 0 || len(srv.Objects()) != before {
				t.Errorf("created with an unopened journal: %v, %d objects (was %d)", left, len(srv.Objects()), before)
			}
		})
	}
}

// Opens of one new journal at once (goroutines of a program that composes the clients,
// or processes started together) all get the run id its first line records: a handle
// with another would tag its resources with a run that Cleanup of the file leaves alone.
func TestOpenJournalAtOnceAgreesOnTheFilesRunID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for round := range 50 {
		path := filepath.Join(dir, fmt.Sprintf("run%d.journal", round))
		js := make([]*sagemaker.Journal, 4)
		errs := make([]error, len(js))
		var wg sync.WaitGroup
		for i := range js {
			wg.Go(func() { js[i], errs[i] = sagemaker.OpenJournal(path) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		later, err := sagemaker.OpenJournal(path) // as Cleanup's process opens it
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range append(js, later) {
			if j.RunID() != later.RunID() {
				t.Fatalf("round %d: handle %d has run %s; the file records %s", round, i, j.RunID(), later.RunID())
			}
			j.Close()
		}
	}
}
