package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/sagebench/sagebench/sagemaker"
)

// openJournal opens the run's journal, at -journal or in -out, and says where it is and
// what to do with it after a crash.
func openJournal(o options, stderr io.Writer) (*sagemaker.Journal, error) {
	path := o.journal
	if path == "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		// Two runs started in the same second with the same -out must not share a
		// journal (and so a run id): claim a fresh file with O_EXCL.
		path = ""
		for range 10 {
			p := filepath.Join(o.out, "journal-"+sagemaker.NewRunID()+".jsonl")
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("journal: %w", err)
			}
			f.Close()
			path = p
			break
		}
		if path == "" {
			return nil, fmt.Errorf("journal: no free journal name in %s", o.out)
		}
	}
	j, err := sagemaker.OpenJournal(path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "journal %s (run %s); if this process dies, delete what it left with:\n  go run ./examples/resnet50 -region %s -cleanup %s\n",
		path, j.RunID(), o.region, path)
	return j, nil
}

// reportJournal says whether the journal still lists anything: after -keep-artifacts, or
// a deletion that failed, -cleanup finishes the job.
func reportJournal(w io.Writer, j *sagemaker.Journal) {
	pending, err := j.Pending()
	switch {
	case err != nil:
		fmt.Fprintf(w, "journal: %v\n", err)
	case len(pending) == 0:
		fmt.Fprintf(w, "journal %s: nothing of run %s remains\n", j.Path(), j.RunID())
	default:
		fmt.Fprintf(w, "journal %s lists %d resources that may remain; delete them with -cleanup %s\n",
			j.Path(), len(pending), j.Path())
	}
}

// cleanupMode is -cleanup JOURNAL and -cleanup-run RUNID: delete what a run left, in
// the journal's region (else -region).
func cleanupMode(ctx context.Context, o options, stdout io.Writer) error {
	var j *sagemaker.Journal
	region := o.region
	if o.cleanupRun == "" {
		if _, err := os.Stat(o.cleanup); err != nil {
			return fmt.Errorf("-cleanup: %w", err) // OpenJournal would create it
		}
		var err error
		if j, err = sagemaker.OpenJournal(o.cleanup); err != nil {
			return err
		}
		defer j.Close()
		if r := j.Region(); r != "" {
			region = r
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return fmt.Errorf("loading AWS credentials: %w", err)
	}
	var opts []func(*sagemaker.Options)
	if o.poll > 0 { // -poll paces the cleanup's waits too, as it does the study's
		opts = append(opts, func(opt *sagemaker.Options) { opt.PollInterval, opt.MaxPollInterval = o.poll, 4*o.poll })
	}
	return cleanupWith(ctx, sagemaker.NewClient(cfg, opts...), j, o.cleanupRun, stdout)
}

// cleanupWith deletes what the journal j lists, or with no journal what run runID
// left, found by its tags.
func cleanupWith(ctx context.Context, c *sagemaker.Client, j *sagemaker.Journal, runID string, stdout io.Writer) error {
	// Cleanup must finish even if the user presses Ctrl-C once; a second one kills.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
	defer cancel()
	if j == nil {
		found, err := c.FindRun(ctx, runID)
		if err != nil && found == nil {
			return err
		}
		fmt.Fprintf(stdout, "run %s left %d resources in %s: %v\n", runID, len(found), c.Region(), found)
		if err != nil {
			// Objects it could not check; CleanupRun deletes the rest and reports them.
			fmt.Fprintf(stdout, "and maybe more: %v\n", err)
		}
		if err := c.CleanupRun(ctx, runID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cleanup of run %s: done\n", runID)
		return nil
	}
	pending, err := j.Pending()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "journal %s (run %s, %s) lists %d resources that may remain: %v\n", j.Path(), j.RunID(), c.Region(), len(pending), pending)
	if err := c.Cleanup(ctx, j); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cleanup of run %s: done\n", j.RunID())
	return nil
}
