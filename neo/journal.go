package neo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/smtags"
)

// Journal records, durably, what a Compiler is about to create, so that a run that
// crashes can be cleaned up from it. *sagemaker.Journal satisfies it (package neo
// does not import package sagemaker; the interface is what they share).
type Journal interface {
	RunID() string
	Creating(kind, name string) error
}

// The tags a Compiler puts on each job, the same keys as package sagemaker's TagRun,
// TagCreatedBy and TagCreate, so that sagemaker.CleanupRun finds compilation jobs too.
const (
	TagRun       = "sagebench:run"
	TagCreatedBy = "sagebench:created-by"
	TagCreate    = "sagebench:create"
	// JournalKind is the kind under which jobs are journaled (sagemaker.KindCompilationJob).
	JournalKind = "compilation-job"
)

// regionJournal is a Journal that also records where; *sagemaker.Journal is one.
type regionJournal interface {
	CreatingIn(region, kind, name string) error
}

func (c *Compiler) journal(name string) error {
	if rj, ok := c.opts.Journal.(regionJournal); ok {
		return rj.CreatingIn(c.opts.Region, JournalKind, name)
	}
	return c.opts.Journal.Creating(JournalKind, name)
}

// tagLister is the call that tells a job of ours from someone else's of the same
// name; *sagemaker.Client has it. Without it, a failed create is never adopted.
type tagLister interface {
	ListTags(ctx context.Context, in *sagemaker.ListTagsInput, optFns ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error)
}

// owned reports whether the job exists and carries this run's TagRun and the
// Compile's token; known is false when that cannot be told (no ListTags, or the
// calls failed).
func (c *Compiler) owned(ctx context.Context, name, token string) (mine, known bool) {
	tl, ok := c.opts.Client.(tagLister)
	if !ok {
		return false, false
	}
	out, err := c.opts.Client.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String(name)})
	var rnf *types.ResourceNotFound
	if errors.As(err, &rnf) {
		return false, true
	}
	if err != nil {
		return false, false
	}
	mine, err = smtags.HasAll(ctx, tl, aws.ToString(out.CompilationJobArn), map[string]string{TagRun: c.opts.RunID, TagCreate: token})
	if err != nil {
		return false, false
	}
	return mine, true
}

func newToken() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
