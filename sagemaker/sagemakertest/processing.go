package sagemakertest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// Processing job statuses as SageMaker names them (ProcessingJobStatus in the API
// reference, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeProcessingJob.html).
const (
	ProcessingInProgress = "InProgress"
	ProcessingCompleted  = "Completed"
	ProcessingFailed     = "Failed"
	ProcessingStopping   = "Stopping"
	ProcessingStopped    = "Stopped"
)

var (
	processingInstanceTypes = enumOf(types.ProcessingInstanceType("").Values())
	processingStatuses      = enumOf(types.ProcessingJobStatus("").Values())
	processingSortKeys      = enumOf(types.SortBy("").Values())
	processingListing       = listing{sortKeys: processingSortKeys, statuses: &processingStatuses}
)

func init() {
	apiOps["CreateProcessingJob"] = (*Server).createProcessingJob
	apiOps["DescribeProcessingJob"] = (*Server).describeProcessingJob
	apiOps["StopProcessingJob"] = (*Server).stopProcessingJob
	apiOps["ListProcessingJobs"] = (*Server).listProcessingJobs
	taggedCreates["CreateProcessingJob"] = "ProcessingJobArn"
}

// The members of CreateProcessingJob the emulator reads, echoed by DescribeProcessingJob
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateProcessingJob.html).
type (
	procS3Input struct {
		S3Uri                  string
		LocalPath              string
		S3DataType             string
		S3InputMode            string
		S3DataDistributionType string `json:",omitempty"`
		S3CompressionType      string `json:",omitempty"`
	}
	procInput struct {
		InputName  string
		AppManaged bool         `json:",omitempty"`
		S3Input    *procS3Input `json:",omitempty"`
	}
	procS3Output struct {
		S3Uri        string
		LocalPath    string
		S3UploadMode string
	}
	procOutput struct {
		OutputName string
		AppManaged bool          `json:",omitempty"`
		S3Output   *procS3Output `json:",omitempty"`
	}
	procOutputConfig struct {
		Outputs  []procOutput
		KmsKeyId string `json:",omitempty"`
	}
	procCluster struct {
		InstanceCount  int
		InstanceType   string
		VolumeSizeInGB int
		VolumeKmsKeyId string `json:",omitempty"`
	}
	procResources struct{ ClusterConfig *procCluster }
	procApp       struct {
		ImageUri            string
		ContainerEntrypoint []string `json:",omitempty"`
		ContainerArguments  []string `json:",omitempty"`
	}
	procStopping struct{ MaxRuntimeInSeconds int }
)

type processingJob struct {
	name, arn, role string
	app             procApp
	inputs          []procInput
	outputs         *procOutputConfig
	resources       procResources
	stopping        *procStopping
	env             map[string]string

	status, failure, exitMessage      string
	created, started, ended, modified time.Time

	run *procRun // the local processes, while they run
}

// ProcessingJobInfo describes a processing job for tests.
type ProcessingJobInfo struct {
	Name, Status, FailureReason, ExitMessage string
	InstanceCount                            int
	// Logs holds each instance's standard output and error (the last 64 KiB), as
	// CloudWatch Logs would, in host order.
	Logs []string
}

// ProcessingJobs lists every processing job, sorted by name. SageMaker has no
// DeleteProcessingJob: finished jobs stay listed.
func (s *Server) ProcessingJobs() []ProcessingJobInfo {
	s.mu.Lock()
	jobs := slices.Collect(maps.Values(s.procJobs))
	s.mu.Unlock()
	out := make([]ProcessingJobInfo, 0, len(jobs))
	for _, j := range jobs {
		s.mu.Lock()
		info := ProcessingJobInfo{j.name, j.status, j.failure, j.exitMessage, j.resources.ClusterConfig.InstanceCount, nil}
		r := j.run
		s.mu.Unlock()
		if r != nil {
			info.Logs = r.logs()
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b ProcessingJobInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// processingLeftoversLocked lists the processing jobs still running, for Leftovers.
func (s *Server) processingLeftoversLocked() []string {
	var out []string
	for name, j := range s.procJobs {
		if j.status == ProcessingInProgress || j.status == ProcessingStopping {
			out = append(out, "processing-job "+name+" ("+j.status+")")
		}
	}
	return out
}

// processingARNLocked reports whether arn names a processing job, for the tag operations.
func (s *Server) processingARNLocked(arn string) bool {
	for _, j := range s.procJobs {
		if j.arn == arn {
			return true
		}
	}
	return false
}

var (
	localPathRule = newRule(256, `.*`)
	envKeyRule    = newRule(256, `[a-zA-Z_][a-zA-Z0-9_]*`)
	envValueRule  = newRule(256, `[\S\s]*`)
	entryRule     = newRule(256, `.*`)
)

func (s *Server) createProcessingJob(body []byte) (any, *APIError) {
	var in struct {
		ProcessingJobName      string
		RoleArn                string
		AppSpecification       *procApp
		ProcessingInputs       []procInput
		ProcessingOutputConfig *procOutputConfig
		ProcessingResources    *procResources
		StoppingCondition      *procStopping
		Environment            map[string]string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := checkProcessingJob(in.ProcessingJobName, in.RoleArn, in.AppSpecification, in.ProcessingInputs,
		in.ProcessingOutputConfig, in.ProcessingResources, in.StoppingCondition, in.Environment); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.procJobs == nil {
		s.procJobs = map[string]*processingJob{}
	}
	arn := s.arn("processing-job", in.ProcessingJobName)
	if _, dup := s.procJobs[in.ProcessingJobName]; dup {
		return nil, inUse("Job name must be unique within an AWS account and region, and a job with this name already exists (%s)", arn)
	}
	now := time.Now()
	j := &processingJob{
		name: in.ProcessingJobName, arn: arn, role: in.RoleArn, app: *in.AppSpecification,
		inputs: in.ProcessingInputs, outputs: in.ProcessingOutputConfig, resources: *in.ProcessingResources,
		stopping: in.StoppingCondition, env: in.Environment,
		status: ProcessingInProgress, created: now, modified: now,
	}
	s.procJobs[j.name] = j
	s.startProcessingLocked(j)
	return map[string]string{"ProcessingJobArn": arn}, nil
}

// checkProcessingJob validates CreateProcessingJob's input against the API reference's
// constraints (CreateProcessingJob, AppSpecification, ProcessingInput, ProcessingS3Input,
// ProcessingS3Output, ProcessingClusterConfig, ProcessingStoppingCondition).
func checkProcessingJob(name, role string, app *procApp, inputs []procInput, outputs *procOutputConfig,
	res *procResources, stop *procStopping, env map[string]string) *APIError {
	var vs violations
	vs.str("processingJobName", name, nameRule.must())
	vs.str("roleArn", role, roleRule.must())
	if vs.required("appSpecification", app != nil) {
		vs.str("appSpecification.imageUri", app.ImageUri, imageRule.must())
		if len(app.ContainerEntrypoint) > 100 || len(app.ContainerArguments) > 100 {
			vs.add("Value at 'appSpecification' failed to satisfy constraint: ContainerEntrypoint and ContainerArguments must have length less than or equal to 100")
		}
		for i, e := range app.ContainerEntrypoint {
			vs.str("appSpecification.containerEntrypoint."+strconv.Itoa(i+1)+".member", e, entryRule)
		}
		for i, a := range app.ContainerArguments {
			vs.str("appSpecification.containerArguments."+strconv.Itoa(i+1)+".member", a, entryRule)
		}
	}
	if vs.required("processingResources", res != nil) && vs.required("processingResources.clusterConfig", res.ClusterConfig != nil) {
		c := res.ClusterConfig
		vs.between("processingResources.clusterConfig.instanceCount", c.InstanceCount, 1, 100)
		if vs.required("processingResources.clusterConfig.instanceType", c.InstanceType != "") {
			vs.enum("processingResources.clusterConfig.instanceType", c.InstanceType, processingInstanceTypes)
		}
		vs.between("processingResources.clusterConfig.volumeSizeInGB", c.VolumeSizeInGB, 1, 16384)
	}
	if stop != nil {
		vs.between("stoppingCondition.maxRuntimeInSeconds", stop.MaxRuntimeInSeconds, 1, 777600)
	}
	if len(inputs) > 10 {
		vs.add("Value at 'processingInputs' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for i, in := range inputs {
		vs.str(member("processingInputs", i, "inputName"), in.InputName, newRule(256, `.*`).must())
		if in.S3Input == nil {
			continue
		}
		vs.str(member("processingInputs", i, "s3Input.s3Uri"), in.S3Input.S3Uri, s3OutputRule.must())
		vs.str(member("processingInputs", i, "s3Input.localPath"), in.S3Input.LocalPath, localPathRule)
	}
	if outputs != nil {
		if len(outputs.Outputs) > 10 {
			vs.add("Value at 'processingOutputConfig.outputs' failed to satisfy constraint: Member must have length less than or equal to 10")
		}
		for i, o := range outputs.Outputs {
			if o.S3Output != nil {
				vs.str(member("processingOutputConfig.outputs", i, "s3Output.s3Uri"), o.S3Output.S3Uri, s3OutputRule.must())
				vs.str(member("processingOutputConfig.outputs", i, "s3Output.localPath"), o.S3Output.LocalPath, localPathRule)
			}
		}
	}
	if len(env) > 100 {
		vs.add("Value at 'environment' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		vs.str("environment", k, envKeyRule.must())
		vs.str("environment", env[k], envValueRule)
	}
	if e := vs.err(); e != nil {
		return e
	}
	// A local path in a container lives under /opt/ml/processing ("How Amazon SageMaker
	// Processing Configures Input and Output": "LocalPath ... must begin with
	// /opt/ml/processing/").
	for _, in := range inputs {
		if in.S3Input != nil && !strings.HasPrefix(in.S3Input.LocalPath, "/opt/ml/processing/") {
			return validation("LocalPath %s of input %s must begin with /opt/ml/processing/", in.S3Input.LocalPath, in.InputName)
		}
		if in.S3Input != nil && in.S3Input.S3DataType == "ManifestFile" {
			return validation("sagemakertest: S3DataType ManifestFile is not emulated")
		}
	}
	if outputs != nil {
		for _, o := range outputs.Outputs {
			if o.S3Output != nil && !strings.HasPrefix(o.S3Output.LocalPath, "/opt/ml/processing/") {
				return validation("LocalPath %s of output %s must begin with /opt/ml/processing/", o.S3Output.LocalPath, o.OutputName)
			}
		}
	}
	return nil
}

func (s *Server) procJobLocked(name string) (*processingJob, *APIError) {
	if e := checkName("processingJobName", name); e != nil {
		return nil, e
	}
	j, ok := s.procJobs[name]
	if !ok {
		return nil, notFound("Could not find requested job with name %s", name)
	}
	return j, nil
}

func (s *Server) describeProcessingJob(body []byte) (any, *APIError) {
	var in struct{ ProcessingJobName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.procJobLocked(in.ProcessingJobName)
	if e != nil {
		return nil, e
	}
	return struct {
		ProcessingJobName      string
		ProcessingJobArn       string
		ProcessingJobStatus    string
		ExitMessage            string            `json:",omitempty"`
		FailureReason          string            `json:",omitempty"`
		ProcessingInputs       []procInput       `json:",omitempty"`
		ProcessingOutputConfig *procOutputConfig `json:",omitempty"`
		ProcessingResources    procResources
		StoppingCondition      *procStopping `json:",omitempty"`
		AppSpecification       procApp
		Environment            map[string]string `json:",omitempty"`
		RoleArn                string
		ProcessingStartTime    float64 `json:",omitempty"`
		ProcessingEndTime      float64 `json:",omitempty"`
		CreationTime           float64
		LastModifiedTime       float64
	}{j.name, j.arn, j.status, j.exitMessage, j.failure, j.inputs, j.outputs, j.resources, j.stopping,
		j.app, j.env, j.role, epoch(j.started), epoch(j.ended), epoch(j.created), epoch(j.modified)}, nil
}

// stopProcessingJob stops a running job as AWS documents for StopProcessingJob
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopProcessingJob.html):
// the job goes to Stopping, its containers get SIGTERM and, after a grace period, SIGKILL,
// and it ends Stopped. Stopping a job that already ended is a ValidationException; a job
// already Stopping stays so.
func (s *Server) stopProcessingJob(body []byte) (any, *APIError) {
	var in struct{ ProcessingJobName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.procJobLocked(in.ProcessingJobName)
	if e != nil {
		return nil, e
	}
	switch j.status {
	case ProcessingInProgress:
	case ProcessingStopping:
		return struct{}{}, nil
	default:
		return nil, validation("The request was rejected because the processing job is in status %s.", j.status)
	}
	s.stopProcessingLocked(j)
	return struct{}{}, nil
}

func (s *Server) listProcessingJobs(body []byte) (any, *APIError) {
	var in listQuery
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		ProcessingJobName   string
		ProcessingJobArn    string
		CreationTime        float64
		ProcessingEndTime   float64 `json:",omitempty"`
		LastModifiedTime    float64
		ProcessingJobStatus string
		FailureReason       string `json:",omitempty"`
		ExitMessage         string `json:",omitempty"`
	}
	s.mu.Lock()
	var all []summary
	for _, j := range s.procJobs {
		all = append(all, summary{j.name, j.arn, epoch(j.created), epoch(j.ended), epoch(j.modified),
			j.status, j.failure, j.exitMessage})
	}
	s.mu.Unlock()
	pg, next, e := list(processingListing, &in, all, func(j summary) row {
		return row{j.ProcessingJobName, j.ProcessingJobStatus, j.CreationTime, j.LastModifiedTime}
	})
	if e != nil {
		return nil, e
	}
	return struct {
		ProcessingJobSummaries []summary
		NextToken              string `json:",omitempty"`
	}{pg, next}, nil
}
