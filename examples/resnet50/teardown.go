package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/sagemaker"
)

// ledger remembers every resource the run created (or may have: a create cut off by
// Ctrl-C) and what became of it, so the run can say at the end what it deleted and what
// it could not.
type ledger struct {
	dryRun  bool
	mu      sync.Mutex
	order   []string
	outcome map[string]string // "" while live, "deleted", "kept", or the deletion error
}

func (l *ledger) create(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.outcome == nil {
		l.outcome = map[string]string{}
	}
	if _, ok := l.outcome[name]; !ok {
		l.order = append(l.order, name)
	}
	l.outcome[name] = ""
}

func (l *ledger) settle(name string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.outcome[name] = "NOT deleted: " + err.Error()
	} else {
		l.outcome[name] = "deleted"
	}
}

// forget drops a resource that turned out never to exist.
func (l *ledger) forget(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.outcome, name)
	l.order = slices.DeleteFunc(l.order, func(n string) bool { return n == name })
}

func (l *ledger) keep(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outcome[name] = "kept (-keep-artifacts)"
}

func (l *ledger) failed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, o := range l.outcome {
		if o != "deleted" && o != "kept (-keep-artifacts)" {
			n++
		}
	}
	return n
}

func (l *ledger) print(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.order) == 0 {
		fmt.Fprintln(w, "teardown: nothing was created")
		return
	}
	if l.dryRun {
		fmt.Fprintln(w, "teardown (dry-run: what a real run would delete):")
	} else {
		fmt.Fprintln(w, "teardown:")
	}
	for _, name := range l.order {
		o := l.outcome[name]
		if o == "" {
			o = "NOT deleted: still live"
		}
		fmt.Fprintf(w, "  %-15s %s\n", o, name)
	}
}

// teardown deletes the run's S3 objects and compilation jobs (the endpoints are deleted
// as each is measured). Neither costs much, but a study should leave the account as it
// found it. A compilation job still stopping cannot be deleted; it is reported.
func (s *session) teardown(ctx context.Context) {
	for _, uri := range s.objects {
		name := "S3 object " + uri
		if s.o.keepArtifacts {
			s.ledger.keep(name)
			continue
		}
		bucket, key, err := sagemaker.ParseS3URI(uri)
		if err == nil {
			_, err = s.api.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		}
		s.journaled(sagemaker.KindS3Object, uri, err)
		s.ledger.settle(name, err)
	}
	for _, job := range s.jobs {
		name := "compilation job " + job
		if s.o.keepArtifacts {
			s.ledger.keep(name)
			continue
		}
		_, err := s.api.sm.DeleteCompilationJob(ctx, &sm.DeleteCompilationJobInput{CompilationJobName: aws.String(job)})
		if err != nil && isNotFound(err) {
			s.journaled(sagemaker.KindCompilationJob, job, nil)
			s.ledger.forget(name) // never created: refused or canceled before its turn
			continue
		}
		s.journaled(sagemaker.KindCompilationJob, job, err)
		s.ledger.settle(name, err)
	}
}

// isNotFound reports whether SageMaker says the resource does not exist.
func isNotFound(err error) bool {
	var rnf *smtypes.ResourceNotFound
	if errors.As(err, &rnf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.ErrorMessage()), "could not find")
}
