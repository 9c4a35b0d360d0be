package sagemaker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/internal/resname"
	"github.com/sagebench/sagebench/internal/smtags"
)

// Tags sagebench puts on every model, endpoint configuration, endpoint and
// compilation job it creates. TagRun's value is the run id; CleanupRun finds a run's
// resources by it.
const (
	TagRun       = "sagebench:run"
	TagCreatedBy = "sagebench:created-by"
	// TagCreate's value is random per Deploy (and per neo Compile): a create whose
	// answer was lost is recognized by it, and told apart from a resource of an
	// earlier Deploy of the same run under the same name.
	TagCreate = "sagebench:create"
	createdBy = "sagebench"
)

func newToken() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RunID is the id that tags, and with Name names, what this client creates.
func (c *Client) RunID() string { return c.opts.RunID }

// Name returns base, "-" and the run id: a valid SageMaker name of at most 63
// characters, so that the console shows which run a resource belongs to. The base is
// reduced to ASCII letters, digits and dashes (every other character becomes '-') and
// cut to fit; the run id is kept (its tail, if it is longer than 54 characters). So
// different bases can give the same name: "a.b" and "a-b" both give "a-b-<run id>", and
// two long bases that differ only past the cut give one name. Callers that need
// distinct names within a run choose bases that stay distinct after that (the Study
// numbers its candidates for this reason).
func (c *Client) Name(base string) string {
	return RunName(base, c.opts.RunID)
}

// RunName is Client.Name for a given run id.
func RunName(base, runID string) string {
	return withSuffix(base, resname.Dashed(runID))
}

// RunTags returns the tags of a resource created by run runID.
func RunTags(runID string) []types.Tag {
	return []types.Tag{
		{Key: aws.String(TagRun), Value: aws.String(runID)},
		{Key: aws.String(TagCreatedBy), Value: aws.String(createdBy)},
	}
}

func (c *Client) tags(token string) []types.Tag {
	return append(RunTags(c.opts.RunID), types.Tag{Key: aws.String(TagCreate), Value: aws.String(token)})
}

func (c *Client) journalCreating(kind Kind, name string) error {
	if c.opts.Journal == nil {
		return nil
	}
	return c.opts.Journal.creatingIn(c.opts.Region, kind, name)
}

func (c *Client) journalDeleted(kind Kind, name string) {
	if c.opts.Journal == nil {
		return
	}
	if err := c.opts.Journal.deleted(kind, name); err != nil {
		// Not fatal: a stale "may exist" costs Cleanup one describe, nothing more.
		c.logf("sagemaker: %v", err)
	}
}

// errNotOurs says a resource exists under the name but was not created by the run.
var errNotOurs = errors.New("exists but was not created by this deploy")

// owned reports whether the resource exists and carries run's TagRun (and, unless
// token is empty, the TagCreate token). A resource that does not exist is (false,
// nil); one that exists without the tags is (false, nil) too, and is never deleted: a
// name collision must not delete someone else's endpoint. It asks once (with the SDK's
// attempts): Deploy's check of a create with an unknown outcome has no cleanup deadline
// to retry until, and a failed check there leads to Delete, which retries.
func (c *Client) owned(ctx context.Context, kind Kind, name, run, token string) (bool, error) {
	mine, _, err := c.checkOwner(ctx, kind, name, run, token, once)
	return mine, err
}

// ownedOrTaken is owned for Delete and Cleanup, which run under a cleanup deadline:
// throttled and 5xx answers to the describe and the ListTags are retried with backoff
// until ctx ends, as the deletes are. It also says whether the name is taken at all: a
// resource that exists but is not this Deploy's (another Deploy of the same run, or
// someone else's) must not be journaled as deleted, or the journal forgets a live
// resource.
func (c *Client) ownedOrTaken(ctx context.Context, kind Kind, name, run, token string) (mine, taken bool, err error) {
	return c.checkOwner(ctx, kind, name, run, token, c.retrying)
}

// tries runs call once or several times; c.retrying is one, once the other.
type tries func(ctx context.Context, what string, call func() error) error

func once(_ context.Context, _ string, call func() error) error { return call() }

// triesFor is c.retrying when ctx has a deadline to retry until, once otherwise.
func (c *Client) triesFor(ctx context.Context) tries {
	if _, ok := ctx.Deadline(); ok {
		return c.retrying
	}
	return once
}

func (c *Client) checkOwner(ctx context.Context, kind Kind, name, run, token string, try tries) (mine, taken bool, err error) {
	var arn string
	err = try(ctx, Resource{kind, name}.String(), func() error {
		var err error
		arn, err = c.describeARN(ctx, kind, name)
		return err
	})
	if err != nil || arn == "" {
		return false, false, err
	}
	want := map[string]string{TagRun: run}
	if token != "" {
		want[TagCreate] = token
	}
	err = try(ctx, Resource{kind, name}.String()+": list tags", func() error {
		var err error
		mine, err = c.hasTags(ctx, arn, want)
		return err
	})
	if err != nil {
		return false, true, fmt.Errorf("list tags of %s %s: %w", kind, name, err)
	}
	if !mine {
		c.logf("sagemaker: %s %s %v; leaving it alone", kind, name, errNotOurs)
	}
	return mine, true, nil
}

// hasTags reports whether the resource at arn carries every key = value of want; a
// resource gone meanwhile does not.
func (c *Client) hasTags(ctx context.Context, arn string, want map[string]string) (bool, error) {
	mine, err := smtags.HasAll(ctx, c.opts.SageMaker, arn, want)
	if isNotFound(err) {
		return false, nil
	}
	return mine, err
}

// describeARN returns the ARN of the resource, or "" if it does not exist.
func (c *Client) describeARN(ctx context.Context, kind Kind, name string) (string, error) {
	var arn *string
	var err error
	switch kind {
	case KindModel:
		var out *sm.DescribeModelOutput
		if out, err = c.opts.SageMaker.DescribeModel(ctx, &sm.DescribeModelInput{ModelName: aws.String(name)}); err == nil {
			arn = out.ModelArn
		}
	case KindEndpointConfig:
		var out *sm.DescribeEndpointConfigOutput
		if out, err = c.opts.SageMaker.DescribeEndpointConfig(ctx, &sm.DescribeEndpointConfigInput{EndpointConfigName: aws.String(name)}); err == nil {
			arn = out.EndpointConfigArn
		}
	case KindEndpoint:
		var out *sm.DescribeEndpointOutput
		if out, err = c.opts.SageMaker.DescribeEndpoint(ctx, &sm.DescribeEndpointInput{EndpointName: aws.String(name)}); err == nil {
			arn = out.EndpointArn
		}
	case KindCompilationJob:
		api, ok := c.opts.SageMaker.(CleanupAPI)
		if !ok {
			return "", fmt.Errorf("compilation job %s: the SageMaker client cannot describe compilation jobs", name)
		}
		var out *sm.DescribeCompilationJobOutput
		if out, err = api.DescribeCompilationJob(ctx, &sm.DescribeCompilationJobInput{CompilationJobName: aws.String(name)}); err == nil {
			arn = out.CompilationJobArn
		}
	case KindProcessingJob:
		arn, err = c.describeProcessingARN(ctx, name) // processing.go
	default:
		return "", fmt.Errorf("unknown resource kind %q", kind)
	}
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("describe %s %s: %w", kind, name, err)
	}
	return aws.ToString(arn), nil
}
