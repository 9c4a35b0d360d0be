package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/sagebench/sagebench/neo"
)

// dryRun stands in for every AWS client the study uses. Each call prints one line (the
// operation and the resources it names, never credentials) and answers with a plausible
// success, so the study's real code paths run: Deploy's waiter sees InService, the
// Compiler sees COMPLETED with an artifact, the transfer manager gets its ETags.
type dryRun struct {
	w      io.Writer
	region string

	mu      sync.Mutex
	outputs map[string]string // compilation job -> S3 output location
	invoked map[string]bool   // endpoints whose first InvokeEndpoint was printed
}

func newDryRun(w io.Writer, region string) *dryRun {
	return &dryRun{w: w, region: region, outputs: map[string]string{}, invoked: map[string]bool{}}
}

func (d *dryRun) printf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "dry-run: "+format+"\n", args...)
}

// config is an aws.Config that cannot reach AWS: dummy static credentials, and an HTTP
// client that refuses every request, so a call that escaped the stand-ins fails loudly.
func (d *dryRun) config() aws.Config {
	return aws.Config{
		Region:      d.region,
		Credentials: credentials.NewStaticCredentialsProvider("DRYRUN", "DRYRUN", ""),
		HTTPClient:  noNetwork{},
	}
}

type noNetwork struct{}

func (noNetwork) Do(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("dry-run: refusing a real request to %s", r.URL.Host)
}

// SageMaker: models, endpoint configs, endpoints.

func (d *dryRun) CreateModel(_ context.Context, in *sm.CreateModelInput, _ ...func(*sm.Options)) (*sm.CreateModelOutput, error) {
	c := in.PrimaryContainer
	d.printf("sagemaker CreateModel name=%s image=%s data=%s role=%s env=%s", aws.ToString(in.ModelName),
		aws.ToString(c.Image), aws.ToString(c.ModelDataUrl), aws.ToString(in.ExecutionRoleArn), envKeys(c.Environment))
	return &sm.CreateModelOutput{ModelArn: aws.String(d.arn("model", aws.ToString(in.ModelName)))}, nil
}

func (d *dryRun) CreateEndpointConfig(_ context.Context, in *sm.CreateEndpointConfigInput, _ ...func(*sm.Options)) (*sm.CreateEndpointConfigOutput, error) {
	v := in.ProductionVariants[0]
	d.printf("sagemaker CreateEndpointConfig name=%s model=%s instance=%s count=%d", aws.ToString(in.EndpointConfigName),
		aws.ToString(v.ModelName), v.InstanceType, aws.ToInt32(v.InitialInstanceCount))
	return &sm.CreateEndpointConfigOutput{EndpointConfigArn: aws.String(d.arn("endpoint-config", aws.ToString(in.EndpointConfigName)))}, nil
}

func (d *dryRun) CreateEndpoint(_ context.Context, in *sm.CreateEndpointInput, _ ...func(*sm.Options)) (*sm.CreateEndpointOutput, error) {
	d.printf("sagemaker CreateEndpoint name=%s config=%s", aws.ToString(in.EndpointName), aws.ToString(in.EndpointConfigName))
	return &sm.CreateEndpointOutput{EndpointArn: aws.String(d.arn("endpoint", aws.ToString(in.EndpointName)))}, nil
}

func (d *dryRun) DescribeEndpoint(_ context.Context, in *sm.DescribeEndpointInput, _ ...func(*sm.Options)) (*sm.DescribeEndpointOutput, error) {
	d.printf("sagemaker DescribeEndpoint name=%s (answering InService)", aws.ToString(in.EndpointName))
	return &sm.DescribeEndpointOutput{EndpointName: in.EndpointName, EndpointStatus: smtypes.EndpointStatusInService}, nil
}

// DescribeModel, DescribeEndpointConfig and ListTags are how a failed create is
// checked; a dry run's creates never fail, so they only print.
func (d *dryRun) DescribeModel(_ context.Context, in *sm.DescribeModelInput, _ ...func(*sm.Options)) (*sm.DescribeModelOutput, error) {
	d.printf("sagemaker DescribeModel name=%s", aws.ToString(in.ModelName))
	return &sm.DescribeModelOutput{ModelName: in.ModelName, ModelArn: aws.String(d.arn("model", aws.ToString(in.ModelName)))}, nil
}

func (d *dryRun) DescribeEndpointConfig(_ context.Context, in *sm.DescribeEndpointConfigInput, _ ...func(*sm.Options)) (*sm.DescribeEndpointConfigOutput, error) {
	d.printf("sagemaker DescribeEndpointConfig name=%s", aws.ToString(in.EndpointConfigName))
	return &sm.DescribeEndpointConfigOutput{EndpointConfigName: in.EndpointConfigName,
		EndpointConfigArn: aws.String(d.arn("endpoint-config", aws.ToString(in.EndpointConfigName)))}, nil
}

func (d *dryRun) ListTags(_ context.Context, in *sm.ListTagsInput, _ ...func(*sm.Options)) (*sm.ListTagsOutput, error) {
	d.printf("sagemaker ListTags arn=%s (answering no tags)", aws.ToString(in.ResourceArn))
	return &sm.ListTagsOutput{}, nil
}

func (d *dryRun) DeleteEndpoint(_ context.Context, in *sm.DeleteEndpointInput, _ ...func(*sm.Options)) (*sm.DeleteEndpointOutput, error) {
	d.printf("sagemaker DeleteEndpoint name=%s", aws.ToString(in.EndpointName))
	return &sm.DeleteEndpointOutput{}, nil
}

func (d *dryRun) DeleteEndpointConfig(_ context.Context, in *sm.DeleteEndpointConfigInput, _ ...func(*sm.Options)) (*sm.DeleteEndpointConfigOutput, error) {
	d.printf("sagemaker DeleteEndpointConfig name=%s", aws.ToString(in.EndpointConfigName))
	return &sm.DeleteEndpointConfigOutput{}, nil
}

func (d *dryRun) DeleteModel(_ context.Context, in *sm.DeleteModelInput, _ ...func(*sm.Options)) (*sm.DeleteModelOutput, error) {
	d.printf("sagemaker DeleteModel name=%s", aws.ToString(in.ModelName))
	return &sm.DeleteModelOutput{}, nil
}

// SageMaker: Neo compilation jobs.

func (d *dryRun) CreateCompilationJob(_ context.Context, in *sm.CreateCompilationJobInput, _ ...func(*sm.Options)) (*sm.CreateCompilationJobOutput, error) {
	name, out := aws.ToString(in.CompilationJobName), in.OutputConfig
	d.printf("sagemaker CreateCompilationJob name=%s target=%s framework=%s input=%s shapes=%s output=%s role=%s",
		name, out.TargetDevice, in.InputConfig.Framework, aws.ToString(in.InputConfig.S3Uri),
		aws.ToString(in.InputConfig.DataInputConfig), aws.ToString(out.S3OutputLocation), aws.ToString(in.RoleArn))
	d.mu.Lock()
	d.outputs[name] = aws.ToString(out.S3OutputLocation) + "|" + string(out.TargetDevice) + "|" + aws.ToString(in.InputConfig.FrameworkVersion)
	d.mu.Unlock()
	return &sm.CreateCompilationJobOutput{CompilationJobArn: aws.String(d.arn("compilation-job", name))}, nil
}

func (d *dryRun) DescribeCompilationJob(_ context.Context, in *sm.DescribeCompilationJobInput, _ ...func(*sm.Options)) (*sm.DescribeCompilationJobOutput, error) {
	name := aws.ToString(in.CompilationJobName)
	d.mu.Lock()
	rec, ok := d.outputs[name]
	d.mu.Unlock()
	if !ok {
		return nil, &smtypes.ResourceNotFound{Message: aws.String("dry-run: no compilation job " + name)}
	}
	parts := strings.SplitN(rec, "|", 3)
	output, target, version := parts[0], neo.Target(parts[1]), parts[2]
	// Neo names the artifact after the input archive and the target.
	artifact := strings.TrimSuffix(output, "/") + "/model-" + string(target) + ".tar.gz"
	image, _ := neo.ImageURI(d.region, target, neo.PyTorch, version)
	d.printf("sagemaker DescribeCompilationJob name=%s (answering COMPLETED, artifact %s)", name, artifact)
	return &sm.DescribeCompilationJobOutput{
		CompilationJobName:   in.CompilationJobName,
		CompilationJobStatus: smtypes.CompilationJobStatusCompleted,
		ModelArtifacts:       &smtypes.ModelArtifacts{S3ModelArtifacts: aws.String(artifact)},
		InferenceImage:       aws.String(image),
	}, nil
}

func (d *dryRun) StopCompilationJob(_ context.Context, in *sm.StopCompilationJobInput, _ ...func(*sm.Options)) (*sm.StopCompilationJobOutput, error) {
	d.printf("sagemaker StopCompilationJob name=%s", aws.ToString(in.CompilationJobName))
	return &sm.StopCompilationJobOutput{}, nil
}

func (d *dryRun) DeleteCompilationJob(_ context.Context, in *sm.DeleteCompilationJobInput, _ ...func(*sm.Options)) (*sm.DeleteCompilationJobOutput, error) {
	d.printf("sagemaker DeleteCompilationJob name=%s", aws.ToString(in.CompilationJobName))
	return &sm.DeleteCompilationJobOutput{}, nil
}

// SageMaker runtime: the load. Only each endpoint's first request is printed.

func (d *dryRun) InvokeEndpoint(ctx context.Context, in *sagemakerruntime.InvokeEndpointInput, _ ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointOutput, error) {
	name := aws.ToString(in.EndpointName)
	d.mu.Lock()
	first := !d.invoked[name]
	d.invoked[name] = true
	d.mu.Unlock()
	if first {
		d.printf("sagemaker-runtime InvokeEndpoint endpoint=%s content-type=%s bytes=%d (and the rest of the load, not printed)",
			name, aws.ToString(in.ContentType), len(in.Body))
	}
	// A little service time keeps the load generator's own figures sane.
	t := time.NewTimer(time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &sagemakerruntime.InvokeEndpointOutput{Body: []byte(`{"top5":[281,282,285,287,728]}`),
		ContentType: aws.String("application/json")}, nil
}

// S3: the model archive.

func (d *dryRun) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	d.printf("s3 HeadBucket bucket=%s (answering: exists; a real run creates it if missing)", aws.ToString(in.Bucket))
	return &s3.HeadBucketOutput{}, nil
}

func (d *dryRun) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	d.printf("s3 CreateBucket bucket=%s", aws.ToString(in.Bucket))
	return &s3.CreateBucketOutput{}, nil
}

func (d *dryRun) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	n, err := drain(in.Body)
	d.printf("s3 PutObject s3://%s/%s bytes=%d", aws.ToString(in.Bucket), aws.ToString(in.Key), n)
	return &s3.PutObjectOutput{ETag: aws.String(`"dry-run"`)}, err
}

func (d *dryRun) CreateMultipartUpload(_ context.Context, in *s3.CreateMultipartUploadInput, _ ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	d.printf("s3 CreateMultipartUpload s3://%s/%s", aws.ToString(in.Bucket), aws.ToString(in.Key))
	return &s3.CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: aws.String("dry-run-upload")}, nil
}

func (d *dryRun) UploadPart(_ context.Context, in *s3.UploadPartInput, _ ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	n, err := drain(in.Body)
	d.printf("s3 UploadPart s3://%s/%s part=%d bytes=%d", aws.ToString(in.Bucket), aws.ToString(in.Key), aws.ToInt32(in.PartNumber), n)
	return &s3.UploadPartOutput{ETag: aws.String(fmt.Sprintf(`"dry-run-%d"`, aws.ToInt32(in.PartNumber)))}, err
}

func (d *dryRun) CompleteMultipartUpload(_ context.Context, in *s3.CompleteMultipartUploadInput, _ ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	parts := 0
	if in.MultipartUpload != nil {
		parts = len(in.MultipartUpload.Parts)
	}
	d.printf("s3 CompleteMultipartUpload s3://%s/%s parts=%d", aws.ToString(in.Bucket), aws.ToString(in.Key), parts)
	return &s3.CompleteMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, ETag: aws.String(`"dry-run"`)}, nil
}

func (d *dryRun) AbortMultipartUpload(_ context.Context, in *s3.AbortMultipartUploadInput, _ ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	d.printf("s3 AbortMultipartUpload s3://%s/%s", aws.ToString(in.Bucket), aws.ToString(in.Key))
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (d *dryRun) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	d.printf("s3 DeleteObject s3://%s/%s", aws.ToString(in.Bucket), aws.ToString(in.Key))
	return &s3.DeleteObjectOutput{}, nil
}

// The transfer manager's download side; the study never downloads.

var errNoDownloads = errors.New("dry-run: the study does not read from S3")

func (d *dryRun) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errNoDownloads
}

func (d *dryRun) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, errNoDownloads
}

func (d *dryRun) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, errNoDownloads
}

func (d *dryRun) arn(kind, name string) string {
	return "arn:aws:sagemaker:" + d.region + ":123456789012:" + kind + "/" + strings.ToLower(name)
}

func drain(r io.Reader) (int64, error) {
	if r == nil {
		return 0, nil
	}
	return io.Copy(io.Discard, r)
}

// envKeys lists the container environment's keys: values are the user's and may be secret.
func envKeys(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "[" + strings.Join(keys, ",") + "]"
}
