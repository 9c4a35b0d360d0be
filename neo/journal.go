package neo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/internal/smretry"
	"github.com/sagebench/sagebench/internal/smtags"
)

// Journal is the run journal a Compiler records its jobs in before creating them, so
// that a run that crashes can be cleaned up from it: a *sagemaker.Journal, from
// sagemaker.OpenJournal. Package neo does not import package sagemaker; this interface
// is the part of *sagemaker.Journal it needs to name, and Compile refuses any other
// implementation (it could not write to it).
type Journal interface {
	RunID() string
	Path() string
}

// The tags a Compiler puts on each job, the same keys as package sagemaker's TagRun,
// TagCreatedBy and TagCreate, so that sagemaker.CleanupRun finds compilation jobs too.
const (
	TagRun       = "sagebench:run"
	TagCreatedBy = "sagebench:created-by"
	TagCreate    = "sagebench:create"
)

// journal records, durably, that job name is about to be created in the Compiler's
// region.
func (c *Compiler) journal(name string) error {
	f := journal.Of(c.opts.Journal)
	if f == nil {
		// Another implementation, a nil *sagemaker.Journal or its zero value.
		return fmt.Errorf("Options.Journal (a %T) is not a journal opened by sagemaker.OpenJournal", c.opts.Journal)
	}
	return f.CreatingIn(c.opts.Region, journal.KindCompilationJob, name)
}

// tagLister is the call that tells a job of ours from someone else's of the same
// name; *sagemaker.Client has it. Without it, no job is ever proven ours: a failed
// create is never adopted, and a job it may have made is never stopped.
type tagLister interface {
	ListTags(ctx context.Context, in *sagemaker.ListTagsInput, optFns ...func(*sagemaker.Options)) (*sagemaker.ListTagsOutput, error)
}

// errNoListTags says why a client without ListTags cannot tell whose a job is.
var errNoListTags = errors.New("the client has no ListTags to read the job's tags")

// errNotFoundYet says why not finding a job proves nothing after some creates.
var errNotFoundYet = errors.New("no job of that name was found, but its create was cut off or told the name is taken, so the job may still appear")

// owned reports whether the job exists and carries this run's TagRun and the
// Compile's token. A job that does not exist is not ours, unless the create may yet
// land or the name was reported taken (held): not finding it then proves nothing and
// is errNotFoundYet. A non-nil error means it cannot be told (no ListTags, or a call
// failed); the job may then be anyone's.
func (c *Compiler) owned(ctx context.Context, name, token string, held bool) (bool, error) {
	out, err := c.opts.Client.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String(name)})
	if smretry.NotFound(err) {
		if held {
			return false, errNotFoundYet
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tl, ok := c.opts.Client.(tagLister)
	if !ok {
		return false, errNoListTags
	}
	mine, err := smtags.HasAll(ctx, tl, aws.ToString(out.CompilationJobArn), map[string]string{TagRun: c.opts.RunID, TagCreate: token})
	if smretry.NotFound(err) {
		return false, nil // gone since the describe: nothing of ours to stop
	}
	return mine, err
}

// ownedRetrying is owned, asked again with backoff while the answer is throttling,
// a 5xx or a lost connection, until ctx ends.
func (c *Compiler) ownedRetrying(ctx context.Context, name, token string, held bool) (mine bool, err error) {
	err = smretry.Do(ctx, c.retryBackoff(), "check compilation job "+name, func() error {
		var err error
		mine, err = c.owned(ctx, name, token, held)
		return err
	})
	return mine, err
}

func newToken() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// mayHaveLanded reports whether a failed create leaves "no such job" unproven: the call
// was cut off (cancellation, network) and may still reach SageMaker, or SageMaker said
// the name is taken, so a job of that name existed a moment ago whatever a describe
// answers now.
func mayHaveLanded(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return true
	}
	var inUse *types.ResourceInUse
	return errors.As(err, &inUse) || ae.ErrorCode() == "ResourceInUse"
}
