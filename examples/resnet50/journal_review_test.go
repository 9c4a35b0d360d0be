package main

import (
	"io"
	"testing"
)

// Review: the default journal is <out>/journal-<UTC second>.jsonl, and OpenJournal
// adopts an existing journal's run id. Two studies started in the same second with the
// same -out (a CI matrix, a shell loop with &) therefore share one journal and one run
// id: their resources carry the same TagRun, and -cleanup (or -cleanup-run) of one
// deletes the other's endpoints while it is still measuring.
func TestReviewTwoRunsStartedInOneSecondGetTheirOwnJournal(t *testing.T) {
	o := defaultOptions()
	o.out = t.TempDir()
	for range 5 {
		a, err := openJournal(o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		b, err := openJournal(o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		b.Close()
		if a.Path() != b.Path() {
			continue // the second ticked between them; try again
		}
		if a.RunID() == b.RunID() {
			t.Fatalf("two runs share journal %s and run id %s", a.Path(), a.RunID())
		}
		return
	}
}
