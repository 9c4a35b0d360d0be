package sagemaker_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sagebench/sagebench/sagemaker"
)

// Review: a crash mid-write leaves a torn last line, which readJournal ignores. But
// OpenJournal documents that "a resumed run appends to it": the next line is then glued
// onto the torn one, the journal has a corrupt line in the middle, and Pending (so
// Cleanup) refuses it for good.
func TestReviewJournalResumedAfterTornLineStaysReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.journal")
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Creating(sagemaker.KindEndpoint, "a"); err != nil {
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
	if err := again.Creating(sagemaker.KindEndpoint, "b"); err != nil {
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

// Review: CreatingIn checks the journal's region, drops the lock, appends (fsync), and
// only then records the region. Two concurrent creates in different regions both pass
// the check, both are journaled, and Cleanup, which works in one region, misses one.
func TestReviewJournalCreatingInAdmitsOnlyOneRegionUnderConcurrency(t *testing.T) {
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
				errs[k] = j.CreatingIn(region, sagemaker.KindEndpoint, region)
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

// Review: a journal whose file is deleted (or replaced) while the run goes on keeps
// "succeeding": the appends and fsyncs go to the unlinked inode, so every create is
// announced in a record nobody can find, and only Cleanup, after the crash, says
// "no such file". A create whose journal line is not findable should be refused,
// as a failed append is.
func TestReviewJournalDeletedMidRunRefusesCreates(t *testing.T) {
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
