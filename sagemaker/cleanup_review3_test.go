package sagemaker_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
