package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/sagebench/sagebench/internal/smretry"
)

// FindRun lists what run runID left in the client's region, found by tag: every
// model, endpoint configuration, endpoint and compilation job whose TagRun is runID,
// and the S3 objects its models and jobs read that Upload marked with the run.
//
// It walks ListModels, ListEndpointConfigs, ListEndpoints and ListCompilationJobs
// (from an hour before the run id's start time, when it parses, and, whatever their
// creation time, those whose name holds the run id as Client.Name puts it) and asks
// ListTags of each.
//
// When ctx has a deadline, throttled and 5xx answers to any of these calls (and to
// the describes and HeadObjects that find the S3 objects) are retried with backoff
// until it, as Cleanup's deletes are; without one, each call gets the SDK's attempts.
//
// A resource whose tags could not be read (a role whose ListTags is scoped to some
// names, or SageMaker failing until the deadline), or an S3 object whose mark could
// not be, may be the run's: FindRun then returns everything else it found together
// with an error that names each of them. A failed listing is an error with no result.
//
// White space around runID is dropped (a copy from a terminal brings a newline), and a
// NewRunID-shaped id in upper case is an error that names the lower-case one: tags
// compare exactly, so either would find nothing and look like a run that left nothing.
func (c *Client) FindRun(ctx context.Context, runID string) ([]Resource, error) {
	if err := c.built(); err != nil {
		return nil, err
	}
	out, unchecked, err := c.findRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	return out, unchecked
}

// findRun is FindRun with the error of what it could not check (resources whose
// tags, objects whose mark it could not read) apart: nil when it checked everything.
//
// Why the SageMaker listings and not the Resource Groups Tagging API, which would find
// tagged resources in one paginated call: it is one more service and client to depend
// on and to emulate, covers compilation jobs only as "sagemaker:compilation-job" ARNs
// that still need the SageMaker names, and is eventually consistent; the SageMaker
// listings are exact.
func (c *Client) findRun(ctx context.Context, runID string) (out []Resource, unchecked, err error) {
	api, err := c.cleanupAPI()
	if err != nil {
		return nil, nil, err
	}
	if runID, err = checkRunID(runID); err != nil {
		return nil, nil, err
	}
	// A listing from an hour before the run id's start time keeps a large account's
	// walk short, but that time is the local clock's and CreationTime is SageMaker's:
	// a machine whose clock ran ahead would have its run filtered out. So the run's
	// names (Client.Name puts the run id in them) are also listed whatever their time.
	filters := []listFilter{{}}
	if t, err := time.Parse("20060102t150405", strings.SplitN(runID, "-", 2)[0]); err == nil {
		filters = []listFilter{{after: aws.Time(t.Add(-time.Hour))}, {nameContains: runNameKey(runID)}}
	}
	try := c.triesFor(ctx)
	var all []listed
	seen := map[Resource]bool{}
	for _, f := range filters {
		found, err := listAll(ctx, api, try, runID, f)
		if err == nil {
			var jobs []listed
			jobs, err = c.listProcessingJobs(ctx, try, runID, f) // processing.go
			found = append(found, jobs...)
		}
		if err != nil {
			return nil, nil, err
		}
		for _, l := range found {
			if r := (Resource{l.kind, l.name}); !seen[r] {
				seen[r] = true
				all = append(all, l)
			}
		}
	}
	var uncheckedErrs []error
	for _, l := range all {
		var ok bool
		err := try(ctx, Resource{l.kind, l.name}.String()+": list tags", func() error {
			var err error
			ok, err = c.hasTags(ctx, l.arn, map[string]string{TagRun: runID})
			return err
		})
		if err != nil {
			// One resource whose tags the role may not read (someone else's, outside a
			// policy scoped to sagebench's names) must not stop the run's own from
			// being found: report it, and go on.
			uncheckedErrs = append(uncheckedErrs, fmt.Errorf("%s %s: cannot tell whether it is the run's: %w", l.kind, l.name, err))
			continue
		}
		if !ok {
			continue
		}
		out = append(out, Resource{l.kind, l.name})
		var objs []string
		err = try(ctx, Resource{l.kind, l.name}.String(), func() error {
			var err error
			objs, err = c.inputsOf(ctx, api, l.kind, l.name)
			return err
		})
		if err != nil {
			uncheckedErrs = append(uncheckedErrs, fmt.Errorf("the S3 objects %s %s reads: %w", l.kind, l.name, err))
			continue
		}
		for _, uri := range objs {
			r := Resource{KindS3Object, uri}
			if slices.Contains(out, r) {
				continue
			}
			mark, exists, err := c.runMark(ctx, try, uri)
			switch {
			case err != nil:
				uncheckedErrs = append(uncheckedErrs, fmt.Errorf("%s, read by %s %s: cannot tell whether it is the run's: %w", uri, l.kind, l.name, err))
			case exists && mark == runID:
				out = append(out, r)
			}
		}
	}
	if len(uncheckedErrs) > 0 {
		unchecked = fmt.Errorf("sagemaker: find run %s: %w", runID, errors.Join(uncheckedErrs...))
	}
	return out, unchecked, nil
}

type listed struct {
	kind      Kind
	name, arn string
}

// generatedRunID is the shape of NewRunID's ids.
var generatedRunID = regexp.MustCompile(`^[0-9]{8}t[0-9]{6}-[0-9a-f]{4}$`)

// checkRunID returns the run id a person gave FindRun or CleanupRun without the white
// space around it (a copy from a terminal brings a newline), and refuses one that is
// NewRunID's shape in the wrong case. Tags compare exactly, so either would find
// nothing, and "nothing found" reads as "nothing left" while the run's endpoint bills.
func checkRunID(runID string) (string, error) {
	id := strings.TrimSpace(runID)
	if id == "" {
		return "", fmt.Errorf("sagemaker: find run: empty run id")
	}
	if lower := strings.ToLower(id); lower != id && generatedRunID.MatchString(lower) {
		return "", fmt.Errorf("sagemaker: find run: run id %q: run ids are lower case, and tags compare exactly (did you mean %q?)", runID, lower)
	}
	return id, nil
}

// listFilter narrows FindRun's listings: by creation time, or by a part of the name.
type listFilter struct {
	after        *time.Time
	nameContains *string
}

// runNameKey is the part of runID that Client.Name puts in every name, as a
// NameContains filter; nil when there is none.
func runNameKey(runID string) *string {
	name := RunName("x", runID)
	if key := strings.TrimPrefix(name, "x-"); key != name && key != "" {
		return aws.String(key)
	}
	return nil
}

// listAll lists the endpoints, endpoint configurations, models and compilation jobs
// that pass f.
func listAll(ctx context.Context, api CleanupAPI, try tries, runID string, f listFilter) ([]listed, error) {
	var all []listed
	for p := sm.NewListEndpointsPaginator(api, &sm.ListEndpointsInput{CreationTimeAfter: f.after, NameContains: f.nameContains}); p.HasMorePages(); {
		page, err := nextPage(ctx, try, "find run "+runID, p.NextPage)
		if err != nil {
			return nil, fmt.Errorf("sagemaker: find run %s: list endpoints: %w", runID, err)
		}
		for _, e := range page.Endpoints {
			all = append(all, listed{KindEndpoint, aws.ToString(e.EndpointName), aws.ToString(e.EndpointArn)})
		}
	}
	for p := sm.NewListEndpointConfigsPaginator(api, &sm.ListEndpointConfigsInput{CreationTimeAfter: f.after, NameContains: f.nameContains}); p.HasMorePages(); {
		page, err := nextPage(ctx, try, "find run "+runID, p.NextPage)
		if err != nil {
			return nil, fmt.Errorf("sagemaker: find run %s: list endpoint configs: %w", runID, err)
		}
		for _, e := range page.EndpointConfigs {
			all = append(all, listed{KindEndpointConfig, aws.ToString(e.EndpointConfigName), aws.ToString(e.EndpointConfigArn)})
		}
	}
	for p := sm.NewListModelsPaginator(api, &sm.ListModelsInput{CreationTimeAfter: f.after, NameContains: f.nameContains}); p.HasMorePages(); {
		page, err := nextPage(ctx, try, "find run "+runID, p.NextPage)
		if err != nil {
			return nil, fmt.Errorf("sagemaker: find run %s: list models: %w", runID, err)
		}
		for _, m := range page.Models {
			all = append(all, listed{KindModel, aws.ToString(m.ModelName), aws.ToString(m.ModelArn)})
		}
	}
	for p := sm.NewListCompilationJobsPaginator(api, &sm.ListCompilationJobsInput{CreationTimeAfter: f.after, NameContains: f.nameContains}); p.HasMorePages(); {
		page, err := nextPage(ctx, try, "find run "+runID, p.NextPage)
		if err != nil {
			return nil, fmt.Errorf("sagemaker: find run %s: list compilation jobs: %w", runID, err)
		}
		for _, j := range page.CompilationJobSummaries {
			all = append(all, listed{KindCompilationJob, aws.ToString(j.CompilationJobName), aws.ToString(j.CompilationJobArn)})
		}
	}
	return all, nil
}

// inputsOf returns the S3 URIs a model or compilation job reads.
func (c *Client) inputsOf(ctx context.Context, api CleanupAPI, kind Kind, name string) ([]string, error) {
	switch kind {
	case KindModel:
		out, err := api.DescribeModel(ctx, &sm.DescribeModelInput{ModelName: aws.String(name)})
		if isNotFound(err) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("describe model %s: %w", name, err)
		}
		var uris []string
		if pc := out.PrimaryContainer; pc != nil && aws.ToString(pc.ModelDataUrl) != "" {
			uris = append(uris, aws.ToString(pc.ModelDataUrl))
		}
		for _, ct := range out.Containers {
			if u := aws.ToString(ct.ModelDataUrl); u != "" {
				uris = append(uris, u)
			}
		}
		return uris, nil
	case KindCompilationJob:
		out, err := api.DescribeCompilationJob(ctx, &sm.DescribeCompilationJobInput{CompilationJobName: aws.String(name)})
		if isNotFound(err) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("describe compilation job %s: %w", name, err)
		}
		if in := out.InputConfig; in != nil && aws.ToString(in.S3Uri) != "" {
			return []string{aws.ToString(in.S3Uri)}, nil
		}
	}
	return nil, nil
}

// markedOrGone is for Cleanup: true when Upload marked the object with run or
// when it is already gone (deleting it again is harmless), false when it exists without
// the mark, and an error when S3 would not say (Cleanup then keeps it pending).
func (c *Client) markedOrGone(ctx context.Context, try tries, uri, run string) (bool, error) {
	mark, exists, err := c.runMark(ctx, try, uri)
	if err != nil {
		return false, err
	}
	return !exists || mark == run, nil
}

// runMark reads the run id Upload wrote into the object's metadata ("" if none);
// exists is false when S3 says there is no such object.
func (c *Client) runMark(ctx context.Context, try tries, uri string) (mark string, exists bool, err error) {
	bucket, key, err := ParseS3URI(uri)
	if err != nil {
		return "", false, err
	}
	var out *s3.HeadObjectOutput
	err = try(ctx, uri, func() error {
		var err error
		out, err = c.opts.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		return err
	})
	if err != nil {
		if code := smretry.Code(err); code == "NotFound" || code == "NoSuchKey" {
			return "", false, nil
		}
		return "", false, err
	}
	for k, v := range out.Metadata {
		if strings.EqualFold(k, runMetadata) {
			return v, true, nil
		}
	}
	return "", true, nil
}

// nextPage is a paginator's NextPage under try; a failed call leaves the paginator
// where it was, so trying again asks for the same page.
func nextPage[T any](ctx context.Context, try tries, what string, next func(context.Context, ...func(*sm.Options)) (T, error)) (T, error) {
	var page T
	err := try(ctx, what, func() error {
		var err error
		page, err = next(ctx)
		return err
	})
	return page, err
}
