package loadjob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/sagebench/sagebench/bench"
	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/internal/smretry"
	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/sagemaker"
)

// Job is a load to run as a SageMaker Processing job.
type Job struct {
	Endpoint string       // the endpoint to load, in cfg's region
	Load     bench.Config // the whole load; each instance runs its bench.Split share
	Accept   string       // the Accept header of every request (sagemaker.InvokerOptions.Accept); empty sends none

	InstanceType  string // a processing instance type (default ml.c5.xlarge)
	InstanceCount int    // 1 to 100 (default 1)
	RoleARN       string // the job's execution role (see README for its permissions)
	Image         string // the container image the worker runs on (any image with /bin/sh)
	// S3URI is where the worker, the spec, the barrier and the Results go:
	// <S3URI>/<job name>/...; Run deletes them once it has read the Results, unless
	// KeepObjects.
	S3URI       string
	KeepObjects bool

	// Worker is the path of a worker binary built for the instances (linux/amd64). Empty:
	// Run builds one with BuildWorker.
	Worker string

	// Journal, if set, records the job before it is created and when it has ended; its
	// run id tags and names the job. RunID does so when there is no Journal.
	Journal *sagemaker.Journal
	RunID   string

	// MaxRuntime bounds the job (MaxRuntimeInSeconds): default the load's warmup and
	// duration plus the barrier's bounds plus 10 minutes for the instances to start.
	MaxRuntime time.Duration
	// ReadyTimeout and StartDelay bound the start barrier (see Spec).
	ReadyTimeout, StartDelay time.Duration
	// PollInterval is how often the job's status is read (default 15s).
	PollInterval time.Duration
	// StopTimeout bounds stopping the job after ctx ends (default 5 minutes).
	StopTimeout time.Duration
	// Logf, if set, is told what Run does.
	Logf func(format string, args ...any)
	// Progress, if set, receives the shards' live figures while the job runs (see
	// Progress), one call at a time, on a goroutine of Run's that it waits for.
	Progress func(Progress)
}

// Outcome is what a load job did.
type Outcome struct {
	JobName, JobARN string
	// Where says where the load ran: "3 x ml.c5.xlarge in eu-west-1".
	Where string
	// Status is the job's final status; FailureReason and ExitMessage are SageMaker's.
	Status                     string
	FailureReason, ExitMessage string
	// Shards is the exact merge of the shards' Results; nil when none reported.
	Shards *bench.Shards
	// Barrier is shard 0's go: the start time and each shard's clock offset against
	// S3's (nil when it was never written).
	Barrier *Go
}

// Where describes instances of a type in a region as Events and reports say it.
func Where(count int, instanceType, region string) string {
	return fmt.Sprintf("%d x %s in %s", count, instanceType, region)
}

var processingTypes = types.ProcessingInstanceType("").Values()

// ValidateProcessing checks a processing instance type and count as CreateProcessingJob
// would, before anything is created. Its error is an *invalid.Error whose problems name
// the Job field at fault (InstanceType, InstanceCount).
func ValidateProcessing(instanceType string, count int) error {
	e := &invalid.Error{Subject: "processing resources"}
	validateProcessing(e, instanceType, count)
	return e.Err()
}

func validateProcessing(e *invalid.Error, instanceType string, count int) {
	if !slices.Contains(processingTypes, types.ProcessingInstanceType(instanceType)) {
		e.Add("InstanceType", "%q is not a processing instance type (e.g. ml.c5.xlarge, ml.m5.2xlarge)", instanceType)
	}
	if count < 1 || count > 100 {
		e.Add("InstanceCount", "instance count %d is not in [1, 100]", count)
	}
}

// validate fills j's defaults and refuses it, with an *invalid.Error naming each field at
// fault, before anything is created.
func (j Job) validate() (Job, error) {
	if j.InstanceType == "" {
		j.InstanceType = "ml.c5.xlarge"
	}
	if j.InstanceCount == 0 {
		j.InstanceCount = 1
	}
	e := &invalid.Error{Subject: "load job"}
	validateProcessing(e, j.InstanceType, j.InstanceCount)
	for _, f := range []struct{ name, v string }{{"Endpoint", j.Endpoint}, {"RoleARN", j.RoleARN}, {"Image", j.Image}} {
		if f.v == "" {
			e.Add(f.name, "%s is empty", f.name)
		}
	}
	if _, _, ok := parseS3URI(j.S3URI); !ok {
		e.Add("S3URI", "S3URI %q is not an s3://bucket/prefix URI", j.S3URI)
	}
	if _, err := bench.Split(j.Load, j.InstanceCount); err != nil {
		e.Add("Load", "%v", err)
	}
	if j.Journal != nil {
		if err := journal.Of(j.Journal).Writable(); err != nil {
			e.Add("Journal", "the journal cannot record the job: %v", strings.TrimPrefix(err.Error(), "sagemaker: "))
		}
	}
	if err := e.Err(); err != nil {
		return j, fmt.Errorf("loadjob: %w", err)
	}
	if j.PollInterval <= 0 {
		j.PollInterval = 15 * time.Second
	}
	if j.StopTimeout <= 0 {
		j.StopTimeout = 5 * time.Minute
	}
	if j.ReadyTimeout <= 0 {
		j.ReadyTimeout = DefaultReadyTimeout
	}
	if j.StartDelay <= 0 {
		j.StartDelay = DefaultStartDelay
	}
	if j.MaxRuntime <= 0 {
		load := j.Load.Duration
		if load == 0 {
			load = time.Hour // a Requests-bounded load: bounded by this
		}
		j.MaxRuntime = j.Load.Warmup + load + j.ReadyTimeout + j.StartDelay + 10*time.Minute
	}
	j.MaxRuntime = min(max(j.MaxRuntime, time.Minute), 777600*time.Second)
	if j.Journal != nil {
		j.RunID = j.Journal.RunID()
	}
	if j.RunID == "" {
		j.RunID = sagemaker.NewRunID()
	}
	if j.Logf == nil {
		j.Logf = func(string, ...any) {}
	}
	return j, nil
}

// Run runs job as a Processing job in cfg's account and region and returns the merged
// Results of its shards. An Outcome whose Shards are incomplete (a shard failed or never
// reported) comes with a nil error: its Result warns and names the missing shards. An
// error comes when nothing was measured. When ctx ends, the job is stopped before Run
// returns (StopProcessingJob, retried for up to StopTimeout).
func Run(ctx context.Context, cfg aws.Config, job Job) (*Outcome, error) {
	j, err := job.validate()
	if err != nil {
		return nil, err
	}
	name := sagemaker.RunName("load-"+token(), j.RunID)
	out := &Outcome{JobName: name, Where: Where(j.InstanceCount, j.InstanceType, cfg.Region)}
	bucket, prefix, _ := parseS3URI(j.S3URI)
	prefix += name + "/"
	base := "s3://" + bucket + "/" + prefix
	s3c := s3.NewFromConfig(cfg)
	smc := sm.NewFromConfig(cfg)
	if !j.KeepObjects {
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			if err := deletePrefix(dctx, s3c, bucket, prefix); err != nil {
				j.Logf("loadjob: %v", err)
			}
		}()
	}

	workerPath := j.Worker
	if workerPath == "" {
		dir, err := os.MkdirTemp("", "sagebench-worker-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		j.Logf("loadjob: building the worker for linux/amd64")
		if workerPath, err = BuildWorker(ctx, dir, "linux", "amd64"); err != nil {
			return nil, err
		}
	}
	spec := Spec{Endpoint: j.Endpoint, Region: cfg.Region, Accept: j.Accept, Shards: j.InstanceCount, Load: LoadOf(j.Load),
		Barrier: base + "barrier/", ReadyTimeout: j.ReadyTimeout, StartDelay: j.StartDelay}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("loadjob: encoding the spec: %w", err)
	}
	if err := putFile(ctx, s3c, bucket, prefix+"worker/"+WorkerName, workerPath); err != nil {
		return nil, err
	}
	if err := put(ctx, s3c, bucket, prefix+"spec/"+SpecName, specJSON); err != nil {
		return nil, err
	}

	if j.Journal != nil {
		if err := journal.Of(j.Journal).CreatingIn(cfg.Region, journal.KindProcessingJob, name); err != nil {
			return nil, err
		}
	}
	j.Logf("loadjob: load starting on %s: job %s", out.Where, name)
	created, err := smc.CreateProcessingJob(ctx, createInput(j, name, base))
	if err != nil {
		// Unless SageMaker refused it, the job may exist all the same (a lost answer, a
		// timeout): stop it if it does. ResourceInUse refuses only a retry of a create
		// whose answer was lost: the name is this run's own, so the job is ours.
		var api smithy.APIError
		var inUse *types.ResourceInUse
		if errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient && !smretry.Retryable(err) && !errors.As(err, &inUse) {
			j.forget(name)
		} else if serr := stop(ctx, smc, j, name); serr != nil && !smretry.NotFound(serr) {
			err = errors.Join(err, serr)
		} else {
			j.forget(name)
		}
		return nil, fmt.Errorf("loadjob: creating processing job %s: %w", name, err)
	}
	out.JobARN = aws.ToString(created.ProcessingJobArn)

	var watching sync.WaitGroup
	wctx, stopWatching := context.WithCancel(ctx)
	if j.Progress != nil {
		pb := &barrier{s3: s3c, bucket: bucket, prefix: prefix + "barrier/"}
		watching.Go(func() { pb.watchProgress(wctx, j.InstanceCount, j.PollInterval, j.Progress) })
	}
	desc, werr := wait(ctx, smc, name, j.PollInterval, j.MaxRuntime+j.StopTimeout)
	if werr != nil {
		// Canceled, or the wait gave up: the job must not outlive Run. It is stopped
		// before the progress watcher is waited for: a Progress that blocks must not
		// keep the job running.
		serr := stop(ctx, smc, j, name)
		stopWatching()
		watching.Wait()
		if serr != nil {
			return out, errors.Join(werr, fmt.Errorf("loadjob: stopping %s: %w (it ends by itself after %v)", name, serr, j.MaxRuntime))
		}
		j.forget(name)
		return out, werr
	}
	stopWatching()
	watching.Wait()
	j.forget(name)
	out.Status = string(desc.ProcessingJobStatus)
	out.FailureReason, out.ExitMessage = aws.ToString(desc.FailureReason), aws.ToString(desc.ExitMessage)
	j.Logf("loadjob: job %s %s", name, out.Status)

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var g Go
	b := &barrier{s3: s3c, bucket: bucket, prefix: prefix + "barrier/"}
	if found, err := b.get(rctx, "go", &g); err == nil && found {
		out.Barrier = &g
	}
	results := make([]*bench.Result, j.InstanceCount)
	rb := &barrier{s3: s3c, bucket: bucket, prefix: prefix + "results/"}
	for i := range results {
		var r bench.Result
		found, err := rb.get(rctx, ResultName(i), &r)
		if err != nil {
			j.Logf("loadjob: shard %d: %v", i, err)
			continue
		}
		if found {
			results[i] = &r
		}
	}
	shards, err := bench.MergeShards(results)
	if err != nil {
		return out, fmt.Errorf("loadjob: job %s (%s %s): %w", name, out.Status, out.FailureReason, err)
	}
	out.Shards = shards
	return out, nil
}

// forget journals the job as ended: a finished Processing job costs nothing and
// SageMaker has no call to delete one.
func (j Job) forget(name string) {
	if j.Journal == nil {
		return
	}
	if err := journal.Of(j.Journal).Deleted(journal.KindProcessingJob, name); err != nil {
		j.Logf("loadjob: %v", err)
	}
}

func token() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// workerCommand is the container's entrypoint and arguments: sh makes the delivered
// binary executable (S3 keeps no mode bits), then execs it with the arguments ("$@"),
// so that SIGTERM reaches the worker. Every path is spelled out, so that sagemakertest's
// /opt/ml substitution reaches them; each element stays under the API's 256 characters.
func workerCommand() (entrypoint, args []string) {
	bin := WorkerDir + "/" + WorkerName
	return []string{"/bin/sh", "-c", "chmod +x " + bin + ` && exec ` + bin + ` "$@"`, "sh"},
		[]string{"-spec", SpecDir + "/" + SpecName, "-out", OutputDir,
			"-resource-config", ResourceConfigPath, "-message", MessagePath}
}

func createInput(j Job, name, base string) *sm.CreateProcessingJobInput {
	input := func(n, dir, local string) types.ProcessingInput {
		return types.ProcessingInput{InputName: aws.String(n), S3Input: &types.ProcessingS3Input{
			S3Uri: aws.String(base + dir + "/"), LocalPath: aws.String(local),
			S3DataType: types.ProcessingS3DataTypeS3Prefix, S3InputMode: types.ProcessingS3InputModeFile,
			S3DataDistributionType: types.ProcessingS3DataDistributionTypeFullyreplicated,
		}}
	}
	entrypoint, args := workerCommand()
	return &sm.CreateProcessingJobInput{
		ProcessingJobName: aws.String(name),
		RoleArn:           aws.String(j.RoleARN),
		AppSpecification: &types.AppSpecification{ImageUri: aws.String(j.Image),
			ContainerEntrypoint: entrypoint, ContainerArguments: args},
		ProcessingResources: &types.ProcessingResources{ClusterConfig: &types.ProcessingClusterConfig{
			InstanceCount: aws.Int32(int32(j.InstanceCount)), InstanceType: types.ProcessingInstanceType(j.InstanceType),
			VolumeSizeInGB: aws.Int32(1),
		}},
		ProcessingInputs: []types.ProcessingInput{input("worker", "worker", WorkerDir), input("spec", "spec", SpecDir)},
		ProcessingOutputConfig: &types.ProcessingOutputConfig{Outputs: []types.ProcessingOutput{{
			OutputName: aws.String("results"),
			S3Output: &types.ProcessingS3Output{S3Uri: aws.String(base + "results"), LocalPath: aws.String(OutputDir),
				S3UploadMode: types.ProcessingS3UploadModeEndOfJob},
		}}},
		StoppingCondition: &types.ProcessingStoppingCondition{MaxRuntimeInSeconds: aws.Int32(int32(j.MaxRuntime / time.Second))},
		Tags:              sagemaker.RunTags(j.RunID),
	}
}

// wait waits for the job to end; it returns ctx's error if ctx ends first.
func wait(ctx context.Context, smc *sm.Client, name string, poll, maxWait time.Duration) (*sm.DescribeProcessingJobOutput, error) {
	w := sm.NewProcessingJobCompletedOrStoppedWaiter(smc, func(o *sm.ProcessingJobCompletedOrStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = poll, max(poll, 4*poll)
	})
	in := &sm.DescribeProcessingJobInput{ProcessingJobName: aws.String(name)}
	out, err := w.WaitForOutput(ctx, in, maxWait)
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// The waiter ends in error on Failed: read what failed.
	d, derr := smc.DescribeProcessingJob(ctx, in)
	if derr != nil {
		return nil, errors.Join(err, derr)
	}
	if d.ProcessingJobStatus == types.ProcessingJobStatusFailed {
		return d, nil
	}
	return nil, fmt.Errorf("loadjob: waiting for job %s: %w", name, err)
}

// stop stops the job and waits for it to end, retrying as sagemaker's deletes do, under a
// context that outlives ctx's cancellation.
func stop(ctx context.Context, smc *sm.Client, j Job, name string) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.StopTimeout)
	defer cancel()
	j.Logf("loadjob: stopping job %s", name)
	err := smretry.Do(sctx, smretry.Backoff{Min: time.Second, Max: 30 * time.Second, Logf: j.Logf}, "stop processing job "+name, func() error {
		_, err := smc.StopProcessingJob(sctx, &sm.StopProcessingJobInput{ProcessingJobName: aws.String(name)})
		return err
	})
	if err != nil && !alreadyEnded(err) {
		return err
	}
	_, err = wait(sctx, smc, name, j.PollInterval, j.StopTimeout)
	return err
}

// alreadyEnded reports whether StopProcessingJob refused because the job had ended: the
// API answers a ValidationException naming its status (a missing job is ResourceNotFound).
func alreadyEnded(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException"
}
