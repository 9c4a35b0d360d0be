package sagemaker

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/sagebench/sagebench/internal/emuhint"
	"github.com/sagebench/sagebench/internal/reqbody"
)

// API is the part of the SageMaker client that Deploy and Delete use. *sagemaker.Client
// satisfies it; a test or a caller with special needs may substitute its own.
type API interface {
	CreateModel(context.Context, *sm.CreateModelInput, ...func(*sm.Options)) (*sm.CreateModelOutput, error)
	CreateEndpointConfig(context.Context, *sm.CreateEndpointConfigInput, ...func(*sm.Options)) (*sm.CreateEndpointConfigOutput, error)
	CreateEndpoint(context.Context, *sm.CreateEndpointInput, ...func(*sm.Options)) (*sm.CreateEndpointOutput, error)
	DescribeEndpoint(context.Context, *sm.DescribeEndpointInput, ...func(*sm.Options)) (*sm.DescribeEndpointOutput, error)
	DeleteEndpoint(context.Context, *sm.DeleteEndpointInput, ...func(*sm.Options)) (*sm.DeleteEndpointOutput, error)
	DeleteEndpointConfig(context.Context, *sm.DeleteEndpointConfigInput, ...func(*sm.Options)) (*sm.DeleteEndpointConfigOutput, error)
	DeleteModel(context.Context, *sm.DeleteModelInput, ...func(*sm.Options)) (*sm.DeleteModelOutput, error)

	// What a create with an unknown outcome, and Cleanup, use to find out whether a
	// resource exists and belongs to the run.
	DescribeModel(context.Context, *sm.DescribeModelInput, ...func(*sm.Options)) (*sm.DescribeModelOutput, error)
	DescribeEndpointConfig(context.Context, *sm.DescribeEndpointConfigInput, ...func(*sm.Options)) (*sm.DescribeEndpointConfigOutput, error)
	ListTags(context.Context, *sm.ListTagsInput, ...func(*sm.Options)) (*sm.ListTagsOutput, error)
}

// CleanupAPI is what Cleanup and CleanupRun use besides API: compilation jobs and
// the listings a search by tag walks. *sagemaker.Client satisfies it.
type CleanupAPI interface {
	API
	DescribeCompilationJob(context.Context, *sm.DescribeCompilationJobInput, ...func(*sm.Options)) (*sm.DescribeCompilationJobOutput, error)
	StopCompilationJob(context.Context, *sm.StopCompilationJobInput, ...func(*sm.Options)) (*sm.StopCompilationJobOutput, error)
	DeleteCompilationJob(context.Context, *sm.DeleteCompilationJobInput, ...func(*sm.Options)) (*sm.DeleteCompilationJobOutput, error)
	ListModels(context.Context, *sm.ListModelsInput, ...func(*sm.Options)) (*sm.ListModelsOutput, error)
	ListEndpointConfigs(context.Context, *sm.ListEndpointConfigsInput, ...func(*sm.Options)) (*sm.ListEndpointConfigsOutput, error)
	ListEndpoints(context.Context, *sm.ListEndpointsInput, ...func(*sm.Options)) (*sm.ListEndpointsOutput, error)
	ListCompilationJobs(context.Context, *sm.ListCompilationJobsInput, ...func(*sm.Options)) (*sm.ListCompilationJobsOutput, error)
}

// RuntimeAPI is the part of the SageMaker runtime client that RuntimeInvoker uses.
type RuntimeAPI interface {
	InvokeEndpoint(context.Context, *sagemakerruntime.InvokeEndpointInput, ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointOutput, error)
}

// S3API is the part of the S3 client that Upload, EnsureBucket and Cleanup use: what
// the transfer manager needs, plus HeadBucket and CreateBucket, and for Cleanup
// DeleteObject and AbortMultipartUpload (the parts of an upload a killed run left).
// *s3.Client satisfies it.
type S3API interface {
	transfermanager.S3APIClient
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateBucket(context.Context, *s3.CreateBucketInput, ...func(*s3.Options)) (*s3.CreateBucketOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// Options configure a Client. Zero values take the defaults in brackets.
type Options struct {
	// SageMaker, Runtime and S3 replace the clients built from the aws.Config.
	SageMaker API
	Runtime   RuntimeAPI
	S3        S3API

	// Journal, if set, records every model, endpoint configuration, endpoint and S3
	// object before it is created and after it is deleted, so that Cleanup can finish
	// the job after a crash. Its run id tags the resources.
	Journal *Journal
	// RunID tags every resource the client creates (see TagRun) when there is no
	// Journal [a NewRunID per Client].
	RunID string

	// Region overrides the aws.Config's region: the SageMaker, runtime and S3 clients
	// NewClient builds call it, and it is SAGEMAKER_REGION's and the bucket's region.
	// Clients given in SageMaker, Runtime and S3 are used as they are.
	Region string

	// BucketOwner, if set, is the account expected to own every bucket the S3 client
	// NewClient builds calls (see ExpectBucketOwner): set it when that is the default
	// bucket, sagemaker-{region}-{account}, a name another account may have taken.
	BucketOwner string

	// PollInterval is the shortest wait between DescribeEndpoint calls while an endpoint
	// is being created or deleted [15s]; the SDK waiter backs off from there up to
	// MaxPollInterval [60s, and never below PollInterval]. The aws.Config of an emulator
	// (sagemakertest's Server.Config) carries its own, shorter defaults.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// MaxWait bounds the wait for an endpoint to be InService [30m].
	MaxWait time.Duration
	// CleanupTimeout bounds the deletion of what a failed or cancelled Deploy created,
	// and the abort of a failed multipart Upload. Both run on a context that survives the
	// caller's cancellation [20m: an endpoint cancelled while Creating cannot be deleted
	// until it settles].
	CleanupTimeout time.Duration
	// WaitDeleted makes Endpoint.Delete wait until DescribeEndpoint no longer finds the
	// endpoint, bounded by MaxWait. By default Delete returns once deletion is accepted.
	WaitDeleted bool

	// RuntimeMaxAttempts is how many times the runtime client tries one InvokeEndpoint
	// [1: no retries]. While benchmarking, a retried request hides a failure and adds its
	// latency to a success, so retries are off unless asked for. When on, they use the
	// SDK's standard backoff without its client-side retry quota.
	RuntimeMaxAttempts int
	// MaxIdleConnsPerHost of the runtime client's HTTP transport [256], so that a benchmark
	// with many workers reuses connections instead of opening new ones. Applies only when
	// the aws.Config's HTTPClient is the SDK's default (nil or *awshttp.BuildableClient).
	MaxIdleConnsPerHost int

	// UploadPartSize and UploadConcurrency tune multipart uploads [8 MiB, 5]. Archives
	// above 16 MiB are uploaded in parts.
	UploadPartSize    int64
	UploadConcurrency int

	// Logf, if set, receives one line per step (creating, waiting, deleting), naming
	// resources only: never credentials, signed headers or presigned URLs.
	Logf func(format string, args ...any)
}

// Client uploads, deploys and invokes models and deletes what its run created. It is
// safe for concurrent use.
type Client struct {
	opts Options
}

// NewClient returns a Client for the account of cfg in the region of cfg, or
// Options.Region when set. Functional options may
// replace the SDK clients or tune waiting and retries.
func NewClient(cfg aws.Config, optFns ...func(*Options)) *Client {
	o := Options{}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = cfg.Region
	}
	if p, ok := emuhint.Of(cfg); ok && o.PollInterval <= 0 && o.MaxPollInterval <= 0 {
		o.PollInterval, o.MaxPollInterval = p.PollInterval, p.MaxPollInterval // an emulator's pace
	}
	// One region for every call: the clients built here sign for and reach Region, the
	// region the images, the bucket and SAGEMAKER_REGION are resolved for.
	cfg.Region = o.Region
	if o.PollInterval <= 0 {
		o.PollInterval = 15 * time.Second
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = 60 * time.Second
	}
	o.MaxPollInterval = max(o.MaxPollInterval, o.PollInterval)
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Minute
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = 20 * time.Minute
	}
	if o.RuntimeMaxAttempts <= 0 {
		o.RuntimeMaxAttempts = 1
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 256
	}
	if o.Journal != nil {
		o.RunID = o.Journal.RunID()
	} else if o.RunID == "" {
		o.RunID = NewRunID()
	}
	if o.SageMaker == nil {
		o.SageMaker = sm.NewFromConfig(cfg)
	}
	if o.S3 == nil {
		var s3Opts []func(*s3.Options)
		if o.BucketOwner != "" {
			s3Opts = append(s3Opts, ExpectBucketOwner(o.BucketOwner))
		}
		o.S3 = s3.NewFromConfig(cfg, s3Opts...)
	}
	if o.Runtime == nil {
		o.Runtime = newRuntimeClient(cfg, o)
	}
	return &Client{opts: o}
}

// errNotBuilt is what a Client that NewClient did not return (nil, or the zero value)
// answers instead of a call: it has no SDK clients to call with.
var errNotBuilt = errors.New("sagemaker: the Client was not made by NewClient")

// built reports errNotBuilt unless c has its SDK clients.
func (c *Client) built() error {
	if c == nil || c.opts.SageMaker == nil || c.opts.S3 == nil || c.opts.Runtime == nil {
		return errNotBuilt
	}
	return nil
}

func newRuntimeClient(cfg aws.Config, o Options) *sagemakerruntime.Client {
	return sagemakerruntime.NewFromConfig(cfg, func(ro *sagemakerruntime.Options) {
		// aws.Config.RetryMaxAttempts would otherwise re-wrap the retryer after this
		// function and override the choice below.
		ro.RetryMaxAttempts = 0
		if o.RuntimeMaxAttempts == 1 {
			ro.Retryer = aws.NopRetryer{}
		} else {
			// No client-side retry quota: under load it would fail requests with a
			// "retry quota exceeded" of the client's own making.
			ro.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(func(so *retry.StandardOptions) {
				so.RateLimiter = ratelimit.None
			}), o.RuntimeMaxAttempts)
		}
		switch hc := ro.HTTPClient.(type) {
		case nil:
			ro.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(idleConns(o.MaxIdleConnsPerHost))
		case *awshttp.BuildableClient:
			ro.HTTPClient = hc.WithTransportOptions(idleConns(o.MaxIdleConnsPerHost))
		}
		ro.HTTPClient = reqbody.ReadOnly(ro.HTTPClient) // a 200 must not fail while its answer is read
	})
}

func idleConns(n int) func(*http.Transport) {
	return func(t *http.Transport) {
		t.MaxIdleConnsPerHost = n
		t.MaxIdleConns = max(t.MaxIdleConns, n)
	}
}

// Region is the region the client works in.
func (c *Client) Region() string { return c.opts.Region }

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}
