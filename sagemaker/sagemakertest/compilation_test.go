package sagemakertest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func compileInput(name, input, target string) *sagemaker.CreateCompilationJobInput {
	return &sagemaker.CreateCompilationJobInput{
		CompilationJobName: aws.String(name),
		RoleArn:            aws.String(testRole),
		InputConfig: &types.InputConfig{
			S3Uri: aws.String(input), Framework: types.FrameworkPytorch, FrameworkVersion: aws.String("1.8"),
			DataInputConfig: aws.String(`{"input0":[1,3,224,224]}`),
		},
		OutputConfig:      &types.OutputConfig{S3OutputLocation: aws.String("s3://models/compiled/"), TargetDevice: types.TargetDevice(target)},
		StoppingCondition: &types.StoppingCondition{MaxRuntimeInSeconds: aws.Int32(900)},
	}
}

// waitJob polls DescribeCompilationJob until the job leaves STARTING,
// INPROGRESS and STOPPING, as a client would.
func waitJob(t *testing.T, sm *sagemaker.Client, name string) *sagemaker.DescribeCompilationJobOutput {
	t.Helper()
	ctx := ctxT(t)
	seen := map[types.CompilationJobStatus]bool{}
	for ctx.Err() == nil {
		d, err := sm.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		seen[d.CompilationJobStatus] = true
		switch d.CompilationJobStatus {
		case types.CompilationJobStatusCompleted, types.CompilationJobStatusFailed, types.CompilationJobStatusStopped:
			return d
		}
		time.Sleep(5 * time.Millisecond) // polling, as a client would
	}
	t.Fatalf("job %s never finished", name)
	return nil
}

func TestCompilationJobWritesNeoNamedArtifact(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	if err := srv.PutObject("models", "resnet50/model.tar.gz", []byte("weights")); err != nil {
		t.Fatal(err)
	}
	out, err := sm.CreateCompilationJob(ctx, compileInput("neo-c5", "s3://models/resnet50/model.tar.gz", "ml_c5"))
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.CompilationJobArn); got != "arn:aws:sagemaker:eu-west-1:123456789012:compilation-job/neo-c5" {
		t.Errorf("arn = %s", got)
	}
	if d, _ := sm.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String("neo-c5")}); d.CompilationJobStatus != types.CompilationJobStatusStarting {
		t.Errorf("status right after create = %s, want STARTING", d.CompilationJobStatus)
	}
	if left := srv.Leftovers(); len(left) != 1 || !strings.HasPrefix(left[0], "compilation-job neo-c5") {
		t.Errorf("Leftovers() while running = %v", left)
	}
	d := waitJob(t, sm, "neo-c5")
	const want = "s3://models/compiled/model-ml_c5.tar.gz"
	if d.CompilationJobStatus != types.CompilationJobStatusCompleted || aws.ToString(d.ModelArtifacts.S3ModelArtifacts) != want {
		t.Fatalf("job ended %s with artifact %v, want COMPLETED %s", d.CompilationJobStatus, d.ModelArtifacts, want)
	}
	if d.CompilationStartTime == nil || d.CompilationEndTime == nil || d.CompilationEndTime.Before(*d.CompilationStartTime) {
		t.Errorf("start %v end %v", d.CompilationStartTime, d.CompilationEndTime)
	}
	if aws.ToString(d.InputConfig.S3Uri) != "s3://models/resnet50/model.tar.gz" || d.OutputConfig.TargetDevice != "ml_c5" {
		t.Errorf("configs not echoed: %+v %+v", d.InputConfig, d.OutputConfig)
	}
	found := false
	for _, o := range srv.Objects() {
		found = found || o.URL() == want
	}
	if !found {
		t.Errorf("artifact %s not in S3: %v", want, srv.Objects())
	}
	if left := srv.Leftovers(); len(left) != 0 {
		t.Errorf("Leftovers() after completion = %v", left)
	}

	// A model made from the artifact counts as compiled.
	if _, err := sm.CreateModel(ctx, &sagemaker.CreateModelInput{ModelName: aws.String("m"), ExecutionRoleArn: aws.String(testRole),
		PrimaryContainer: &types.ContainerDefinition{Image: aws.String(testImage), ModelDataUrl: aws.String(want)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpointConfig(ctx, &sagemaker.CreateEndpointConfigInput{EndpointConfigName: aws.String("m"),
		ProductionVariants: []types.ProductionVariant{{VariantName: aws.String("v"), ModelName: aws.String("m"),
			InstanceType: types.ProductionVariantInstanceTypeMlC5Xlarge, InitialInstanceCount: aws.Int32(1)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateEndpoint(ctx, &sagemaker.CreateEndpointInput{EndpointName: aws.String("m"), EndpointConfigName: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	waitInService(t, srv, "m")
	if eps := srv.Endpoints(); !eps[0].Compiled || eps[0].DeviceTime != 310*time.Millisecond {
		t.Errorf("endpoint on the Neo artifact: %+v, want compiled with the c5+neo profile", eps[0])
	}
}

func TestCompilationJobFailures(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	if _, err := sm.CreateCompilationJob(ctx, compileInput("missing", "s3://models/nothing.tar.gz", "ml_inf1")); err != nil {
		t.Fatal(err)
	}
	_ = srv.PutObject("models", "ok.tar.gz", []byte("x"))
	srv.FailCompilation("injected", "ClientError: unsupported operator aten::foo")
	if _, err := sm.CreateCompilationJob(ctx, compileInput("injected", "s3://models/ok.tar.gz", "ml_g4dn")); err != nil {
		t.Fatal(err)
	}
	for name, reason := range map[string]string{"missing": "s3://models/nothing.tar.gz", "injected": "aten::foo"} {
		d := waitJob(t, sm, name)
		if d.CompilationJobStatus != types.CompilationJobStatusFailed || !strings.Contains(aws.ToString(d.FailureReason), reason) {
			t.Errorf("%s: %s %q, want FAILED mentioning %q", name, d.CompilationJobStatus, aws.ToString(d.FailureReason), reason)
		}
		if d.ModelArtifacts == nil || !strings.HasPrefix(aws.ToString(d.ModelArtifacts.S3ModelArtifacts), "s3://models/compiled/") {
			t.Errorf("%s: ModelArtifacts %+v, want (a required member) where Neo would have written", name, d.ModelArtifacts)
		}
	}
	if objs := srv.Objects(); len(objs) != 1 {
		t.Errorf("objects %+v, want only the input: failed jobs write no artifact", objs)
	}
	jobs := srv.CompilationJobs()
	if len(jobs) != 2 || jobs[0].Status != "FAILED" || jobs[1].Status != "FAILED" {
		t.Errorf("CompilationJobs() = %+v", jobs)
	}
}

func TestStopCompilationJob(t *testing.T) {
	srv := newServer(t, sagemakertest.WithCompilationDelay(time.Hour))
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	srv2 := newServer(t, sagemakertest.WithCompilationDelay(40*time.Millisecond))
	_ = srv.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := sm.CreateCompilationJob(ctx, compileInput("long", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.StopCompilationJob(ctx, &sagemaker.StopCompilationJobInput{CompilationJobName: aws.String("long")}); err != nil {
		t.Fatal(err)
	}
	d, _ := sm.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String("long")})
	if d.CompilationJobStatus != types.CompilationJobStatusStopping {
		t.Errorf("status after stop = %s, want STOPPING", d.CompilationJobStatus)
	}
	// STOPPING lasts a quarter of the compilation delay: an hour here, so
	// check the transition on a fast server.
	sm2 := srv2.SageMakerClient()
	_ = srv2.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := sm2.CreateCompilationJob(ctx, compileInput("short", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	if _, err := sm2.StopCompilationJob(ctx, &sagemaker.StopCompilationJobInput{CompilationJobName: aws.String("short")}); err != nil {
		t.Fatal(err)
	}
	if d := waitJob(t, sm2, "short"); d.CompilationJobStatus != types.CompilationJobStatusStopped || d.FailureReason == nil {
		t.Errorf("stopped job: %s, FailureReason %v; want STOPPED with the (required) FailureReason member", d.CompilationJobStatus, d.FailureReason)
	}
	if objs := srv2.Objects(); len(objs) != 1 {
		t.Errorf("objects %+v, want only the input: a stopped job writes no artifact", objs)
	}
	_, err := sm2.StopCompilationJob(ctx, &sagemaker.StopCompilationJobInput{CompilationJobName: aws.String("short")})
	if errorCode(err) != "ValidationException" {
		t.Errorf("stopping a STOPPED job: %v, want ValidationException", err)
	}
	_, err = sm2.StopCompilationJob(ctx, &sagemaker.StopCompilationJobInput{CompilationJobName: aws.String("ghost")})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Errorf("stopping a missing job: %v, want *types.ResourceNotFound", err)
	}
}

func TestCompilationJobValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	_ = srv.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := sm.CreateCompilationJob(ctx, compileInput("dup", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	_, err := sm.CreateCompilationJob(ctx, compileInput("dup", "s3://models/m.tar.gz", "ml_c5"))
	var riu *types.ResourceInUse
	if !errors.As(err, &riu) {
		t.Errorf("duplicate job: %v, want *types.ResourceInUse", err)
	}
	bad := compileInput("badtarget", "s3://models/m.tar.gz", "ml_z9")
	if _, err := sm.CreateCompilationJob(ctx, bad); errorCode(err) != "ValidationException" || !strings.Contains(err.Error(), "ml_z9") {
		t.Errorf("unknown target: %v", err)
	}
	bad = compileInput("badfw", "s3://models/m.tar.gz", "ml_c5")
	bad.InputConfig.Framework = "CAFFE"
	if _, err := sm.CreateCompilationJob(ctx, bad); errorCode(err) != "ValidationException" {
		t.Errorf("unknown framework: %v", err)
	}
	_, err = sm.DescribeCompilationJob(ctx, &sagemaker.DescribeCompilationJobInput{CompilationJobName: aws.String("ghost")})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Errorf("describe missing job: %v, want *types.ResourceNotFound", err)
	}
	plat := compileInput("plat", "s3://models/m.tar.gz", "")
	plat.OutputConfig.TargetPlatform = &types.TargetPlatform{Os: types.TargetPlatformOsLinux, Arch: types.TargetPlatformArchX8664}
	if _, err := sm.CreateCompilationJob(ctx, plat); err != nil {
		t.Fatal(err)
	}
	if d := waitJob(t, sm, "plat"); aws.ToString(d.ModelArtifacts.S3ModelArtifacts) != "s3://models/compiled/m-linux_x86_64.tar.gz" {
		t.Errorf("platform artifact = %s", aws.ToString(d.ModelArtifacts.S3ModelArtifacts))
	}
}

func TestListCompilationJobs(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	sm := srv.SageMakerClient()
	ctx := ctxT(t)
	_ = srv.PutObject("models", "m.tar.gz", []byte("x"))
	for _, n := range []string{"job-a", "job-b", "other"} {
		if _, err := sm.CreateCompilationJob(ctx, compileInput(n, "s3://models/m.tar.gz", "ml_c5")); err != nil {
			t.Fatal(err)
		}
		waitJob(t, sm, n)
	}
	out, err := sm.ListCompilationJobs(ctx, &sagemaker.ListCompilationJobsInput{
		NameContains: aws.String("job-"), StatusEquals: types.CompilationJobStatusCompleted,
		SortBy: types.ListCompilationJobsSortByName, SortOrder: types.SortOrderAscending,
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.CompilationJobSummaries {
		names = append(names, aws.ToString(s.CompilationJobName))
		if s.CompilationTargetDevice != "ml_c5" {
			t.Errorf("%s target = %s", aws.ToString(s.CompilationJobName), s.CompilationTargetDevice)
		}
	}
	if strings.Join(names, ",") != "job-a,job-b" {
		t.Errorf("listed %v, want job-a,job-b", names)
	}
}

// TestDescribeCompilationJobSendsRequiredMembersInEveryState: the service
// model marks FailureReason, ModelArtifacts and StoppingCondition required
// in DescribeCompilationJob's output, so they are sent while the job runs
// too (a client that checks the model, or reads ModelArtifacts early, finds
// them). Before, FailureReason and ModelArtifacts were left out until the
// job failed or completed.
func TestDescribeCompilationJobSendsRequiredMembersInEveryState(t *testing.T) {
	srv := newServer(t, sagemakertest.WithCompilationDelay(time.Hour))
	_ = srv.PutObject("models", "m.tar.gz", []byte("x"))
	if _, err := srv.SageMakerClient().CreateCompilationJob(ctxT(t), compileInput("running", "s3://models/m.tar.gz", "ml_c5")); err != nil {
		t.Fatal(err)
	}
	a := rawCall(t, srv, "DescribeCompilationJob", rawJSON(`{"CompilationJobName":"running"}`))
	for _, m := range []string{"CompilationJobName", "CompilationJobArn", "CompilationJobStatus", "StoppingCondition", "CreationTime", "LastModifiedTime", "FailureReason", "ModelArtifacts", "RoleArn", "InputConfig", "OutputConfig"} {
		if _, ok := a.Body[m]; !ok {
			t.Errorf("DescribeCompilationJob of a running job lacks %s: %v", m, a.Body)
		}
	}
	if art, _ := a.Body["ModelArtifacts"].(map[string]any); art["S3ModelArtifacts"] != "s3://models/compiled/m-ml_c5.tar.gz" {
		t.Errorf("ModelArtifacts %v, want where the job will write", a.Body["ModelArtifacts"])
	}
}
