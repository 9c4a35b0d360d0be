package sagemaker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// CleanupRun finds the whole run when the run has more resources than one page of each
// listing, and the account more than one page of other resources, and deletes only the
// run's.
func TestCleanupRunPagesThroughManyResources(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	api := srv.SageMakerClient()
	ctx := context.Background()
	run := sagemaker.NewRunID()
	for i := range 230 {
		tags := sagemaker.RunTags(run)
		if i%2 == 1 {
			tags = sagemaker.RunTags("someone-else")
		}
		_, err := api.CreateModel(ctx, &sm.CreateModelInput{
			ModelName:        aws.String(fmt.Sprintf("m-%03d", i)),
			ExecutionRoleArn: aws.String(testRole),
			PrimaryContainer: &smtypes.ContainerDefinition{Image: aws.String("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3"), ModelDataUrl: aws.String("s3://" + testBucket + "/" + testKey)},
			Tags:             tags,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := sagemaker.CleanupRun(ctx, srv.Config(), run); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Models()); n != 115 {
		t.Fatalf("%d models left; want the other run's 115", n)
	}
}

// FindRun lists resources created after the run id's start time minus an hour, but that
// time is the local clock's at NewRunID and CreationTime is SageMaker's: on a machine
// whose clock ran more than an hour ahead (the SDK corrects the signing skew itself, so
// such a machine deploys fine) the time filter alone would miss every resource. FindRun
// also lists, whatever their time, the names that hold the run id. Here the run id says
// two hours from now, as such a machine's NewRunID would.
func TestCleanupRunFindsTheRunWhenTheLocalClockWasAhead(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, testKey, packTestModel(t)); err != nil {
		t.Fatal(err)
	}
	run := time.Now().UTC().Add(2*time.Hour).Format("20060102t150405") + "-abcd"
	c := newClient(t, srv, func(o *sagemaker.Options) { o.RunID = run })
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("m"), c.Name("m")
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	if err := sagemaker.CleanupRun(context.Background(), srv.Config(), run); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, srv)
}

// deniedHead is an S3 client whose role may not read objects (no s3:GetObject).
type deniedHead struct{ sagemaker.S3API }

func (deniedHead) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
}

// FindRun reads each referenced object's mark with HeadObject; when that fails (a
// cleanup role without s3:GetObject, S3 failing until the deadline) the object is not
// passed over in silence: CleanupRun deletes the rest of the run and returns an error
// that names the object it could not check.
func TestCleanupRunReportsAnObjectItCouldNotCheck(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, "seed", []byte("x")); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	uri := deployRunModel(t, c)
	err := sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) {
		o.S3 = deniedHead{srv.S3Client()}
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	var keys []string
	for _, o := range srv.Objects() {
		if strings.Contains(o.Key, c.RunID()) {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) > 0 && (err == nil || !strings.Contains(err.Error(), uri)) {
		t.Fatalf("CleanupRun = %v with the run's %v left; want an error naming %s", err, keys, uri)
	}
	assertNothingLeft(t, srv) // the endpoint, its configuration and model still go
}

// scopedTags is a SageMaker client whose role may read the tags only of resources
// named like the run's, as an IAM policy scoped by resource name allows.
type scopedTags struct {
	*sm.Client
	allow string
}

func (s scopedTags) ListTags(ctx context.Context, in *sm.ListTagsInput, o ...func(*sm.Options)) (*sm.ListTagsOutput, error) {
	if !strings.Contains(aws.ToString(in.ResourceArn), s.allow) {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: sagemaker:ListTags on resource " + aws.ToString(in.ResourceArn)}
	}
	return s.Client.ListTags(ctx, in, o...)
}

// One resource in the region whose tags the role may not read (a colleague's endpoint,
// outside a policy scoped to sagebench's names) does not stop CleanupRun: the run's
// resources are deleted all the same, and the error names what could not be checked.
func TestCleanupRunDeletesTheRunDespiteAForeignResourceItCannotCheck(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.PutObject(testBucket, testKey, packTestModel(t)); err != nil {
		t.Fatal(err)
	}
	colleague := newClient(t, srv)
	m, e := specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = "colleague-model", "colleague-endpoint"
	theirs, err := colleague.Deploy(context.Background(), m, e)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	m, e = specs("pytorch-inference:1.8.1-cpu-py3")
	m.Name, e.Name = c.Name("m"), c.Name("m")
	if _, err := c.Deploy(context.Background(), m, e); err != nil {
		t.Fatal(err)
	}
	err = sagemaker.CleanupRun(context.Background(), srv.Config(), c.RunID(), func(o *sagemaker.Options) {
		o.SageMaker = scopedTags{srv.SageMakerClient(), c.RunID()}
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 5*time.Millisecond
	})
	if err == nil || !strings.Contains(err.Error(), "colleague-endpoint") {
		t.Errorf("CleanupRun = %v; want an error naming the endpoint it could not check", err)
	}
	for _, l := range srv.Leftovers() {
		if strings.Contains(l, c.RunID()) {
			t.Fatalf("the run's %s is left; leftovers %v", l, srv.Leftovers())
		}
	}
	if err := theirs.Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The run id reaches CleanupRun from a human: copied out of a terminal or the console
// with a trailing newline or space, or typed in upper case (a run id is
// case-insensitive in SageMaker's names: NameContains matches it). CleanupRun never
// reports a clean run while the run's endpoint is up: white space around an id is no
// part of it, so the run is found and cleaned up; an id that differs from the run's only
// by case gives an error that names the run's real id.
func TestCleanupRunOfASloppyRunIDCleansTheRunOrNamesIt(t *testing.T) {
	t.Parallel()
	for name, sloppy := range map[string]func(string) string{
		"trailing space":   func(id string) string { return id + " " },
		"trailing newline": func(id string) string { return id + "\n" },
		"leading space":    func(id string) string { return " " + id },
		"upper case":       strings.ToUpper,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newEnv(t, nil)
			c, j := newJournaledClient(t, srv)
			m, e := specs("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:1.8.1-cpu-py3")
			m.Name, e.Name = c.Name("resnet50"), c.Name("resnet50")
			if _, err := c.Deploy(context.Background(), m, e); err != nil {
				t.Fatal(err)
			}
			id := sloppy(j.RunID())
			err := newClient(t, srv).CleanupRun(context.Background(), id)
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
