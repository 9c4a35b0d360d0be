package sagemakertest

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// Compilation job statuses as SageMaker names them.
const (
	CompilationStarting   = "STARTING"
	CompilationInProgress = "INPROGRESS"
	CompilationCompleted  = "COMPLETED"
	CompilationFailed     = "FAILED"
	CompilationStopping   = "STOPPING"
	CompilationStopped    = "STOPPED"
)

type compInput struct {
	S3Uri            string
	DataInputConfig  string `json:",omitempty"`
	Framework        string
	FrameworkVersion string `json:",omitempty"`
}

type targetPlatform struct {
	Os, Arch    string
	Accelerator string `json:",omitempty"`
}

type compOutput struct {
	S3OutputLocation string
	TargetDevice     string          `json:",omitempty"`
	TargetPlatform   *targetPlatform `json:",omitempty"`
	CompilerOptions  string          `json:",omitempty"`
	KmsKeyId         string          `json:",omitempty"`
}

type stoppingCondition struct {
	MaxRuntimeInSeconds  int `json:",omitempty"`
	MaxWaitTimeInSeconds int `json:",omitempty"`
}

type compilationJob struct {
	name, arn, role  string
	input            compInput
	output           compOutput
	stop             *stoppingCondition
	status, failure  string
	artifact         string
	created, started time.Time
	ended, modified  time.Time
	gen              int
}

// target is the suffix Neo gives the compiled artifact: the target device
// (ml_c5) or the platform triple.
func (j *compilationJob) target() string {
	if j.output.TargetDevice != "" {
		return j.output.TargetDevice
	}
	p := j.output.TargetPlatform
	parts := []string{p.Os, p.Arch}
	if p.Accelerator != "" {
		parts = append(parts, p.Accelerator)
	}
	return strings.ToLower(strings.Join(parts, "_"))
}

// artifactURL names the output as Neo does: the input archive's base name
// without .tar.gz, a dash, the target, .tar.gz, under S3OutputLocation.
func (j *compilationJob) artifactURL() string {
	base := path.Base(j.input.S3Uri)
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".tar")
	base = strings.TrimSuffix(base, ".tgz")
	return strings.TrimRight(j.output.S3OutputLocation, "/") + "/" + base + "-" + j.target() + ".tar.gz"
}

func (s *Server) createCompilationJob(body []byte) (any, *APIError) {
	var in struct {
		CompilationJobName string
		RoleArn            string
		InputConfig        *compInput
		OutputConfig       *compOutput
		StoppingCondition  *stoppingCondition
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	var vs violations
	vs.str("compilationJobName", in.CompilationJobName, nameRule.must())
	vs.str("roleArn", in.RoleArn, roleRule.must())
	if vs.required("inputConfig", in.InputConfig != nil) {
		vs.str("inputConfig.s3Uri", in.InputConfig.S3Uri, s3URIRule.must())
		if vs.required("inputConfig.framework", in.InputConfig.Framework != "") {
			vs.enum("inputConfig.framework", in.InputConfig.Framework, frameworks)
		}
	}
	if vs.required("outputConfig", in.OutputConfig != nil) {
		vs.str("outputConfig.s3OutputLocation", in.OutputConfig.S3OutputLocation, s3OutputRule.must())
		vs.enum("outputConfig.targetDevice", in.OutputConfig.TargetDevice, targetDevices)
	}
	if e := vs.err(); e != nil {
		return nil, e
	}
	out := in.OutputConfig
	switch {
	case out.TargetDevice == "" && out.TargetPlatform == nil:
		return nil, validation("Either TargetDevice or TargetPlatform must be provided in OutputConfig.")
	case out.TargetDevice != "" && out.TargetPlatform != nil:
		return nil, validation("Only one of TargetDevice or TargetPlatform can be provided in OutputConfig.")
	case out.TargetPlatform != nil && (out.TargetPlatform.Os == "" || out.TargetPlatform.Arch == ""):
		return nil, validation("TargetPlatform requires Os and Arch.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn("compilation-job", in.CompilationJobName)
	if _, dup := s.jobs[in.CompilationJobName]; dup {
		return nil, inUse("Compilation job name must be unique within an AWS account and region, and a job with this name already exists (%s)", arn)
	}
	now := time.Now()
	j := &compilationJob{
		name: in.CompilationJobName, arn: arn, role: in.RoleArn,
		input: *in.InputConfig, output: *out, stop: in.StoppingCondition,
		status: CompilationStarting, created: now, modified: now,
	}
	s.jobs[j.name] = j
	gen := j.gen
	s.afterLocked(s.opts.compileDelay/4, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if j.gen == gen && j.status == CompilationStarting {
			j.status, j.started, j.modified = CompilationInProgress, time.Now(), time.Now()
		}
	})
	s.afterLocked(s.opts.compileDelay, func() { s.finishCompilation(j, gen) })
	return map[string]string{"CompilationJobArn": arn}, nil
}

// finishCompilation completes a job by writing its artifact, or fails it when
// the input model is missing, the output bucket does not exist or a failure
// was injected.
func (s *Server) finishCompilation(j *compilationJob, gen int) {
	s.mu.Lock()
	if j.gen != gen || (j.status != CompilationStarting && j.status != CompilationInProgress) {
		s.mu.Unlock()
		return
	}
	reason, injected := s.failJob[j.name]
	delete(s.failJob, j.name)
	input, artifact := j.input.S3Uri, j.artifactURL()
	s.mu.Unlock()

	if !injected {
		reason = s.writeArtifact(input, artifact)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if j.gen != gen || (j.status != CompilationStarting && j.status != CompilationInProgress) {
		return
	}
	now := time.Now()
	if j.started.IsZero() {
		j.started = now
	}
	j.ended, j.modified = now, now
	if reason != "" {
		j.status, j.failure = CompilationFailed, reason
		return
	}
	j.status, j.artifact = CompilationCompleted, artifact
	s.artifacts[artifact] = true
}

// writeArtifact copies the input archive to the artifact URL and returns a
// failure reason, or "" on success. The emulator does not compile: the
// "compiled" archive holds the input's bytes.
func (s *Server) writeArtifact(input, artifact string) string {
	ib, ik, ok := parseS3URL(input)
	if !ok || !s.objectExists(ib, ik) {
		return fmt.Sprintf("ClientError: InputConfiguration: Unable to download model artifact from %s. Please make sure the object exists and the role has s3:GetObject permission on it.", input)
	}
	data, err := s.readObject(ib, ik)
	if err != nil {
		return fmt.Sprintf("ClientError: InputConfiguration: Unable to download model artifact from %s: %v", input, err)
	}
	ob, ok2, _ := parseS3URL(artifact)
	if exists, _ := s.backend.BucketExists(ob); !exists {
		return fmt.Sprintf("ClientError: OutputConfiguration: Unable to upload the compiled model to %s: bucket %q does not exist.", artifact, ob)
	}
	if err := s.PutObject(ob, ok2, data); err != nil {
		return "InternalError: " + err.Error()
	}
	return ""
}

func (s *Server) jobLocked(name string) (*compilationJob, *APIError) {
	if e := checkName("compilationJobName", name); e != nil {
		return nil, e
	}
	j, ok := s.jobs[name]
	if !ok {
		return nil, notFound("Could not find compilation job with name %s", name)
	}
	return j, nil
}

func (s *Server) describeCompilationJob(body []byte) (any, *APIError) {
	var in struct{ CompilationJobName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.jobLocked(in.CompilationJobName)
	if e != nil {
		return nil, e
	}
	// FailureReason and ModelArtifacts are required members of the output
	// (DescribeCompilationJobResponse in the service model), so they are sent
	// in every state: the reason empty unless the job failed, the artifacts
	// naming where Neo writes (or wrote) the compiled model.
	type artifacts struct{ S3ModelArtifacts string }
	art := artifacts{j.artifact}
	if art.S3ModelArtifacts == "" {
		art.S3ModelArtifacts = j.artifactURL()
	}
	return struct {
		CompilationJobName   string
		CompilationJobArn    string
		CompilationJobStatus string
		CompilationStartTime float64 `json:",omitempty"`
		CompilationEndTime   float64 `json:",omitempty"`
		StoppingCondition    *stoppingCondition
		FailureReason        string
		ModelArtifacts       artifacts
		RoleArn              string
		InputConfig          compInput
		OutputConfig         compOutput
		CreationTime         float64
		LastModifiedTime     float64
	}{j.name, j.arn, j.status, epoch(j.started), epoch(j.ended), j.stop, j.failure, art,
		j.role, j.input, j.output, epoch(j.created), epoch(j.modified)}, nil
}

func (s *Server) stopCompilationJob(body []byte) (any, *APIError) {
	var in struct{ CompilationJobName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.jobLocked(in.CompilationJobName)
	if e != nil {
		return nil, e
	}
	switch j.status {
	case CompilationStarting, CompilationInProgress:
	case CompilationStopping:
		return struct{}{}, nil
	default:
		return nil, validation("Compilation job %s is in status %s and cannot be stopped.", j.name, j.status)
	}
	j.gen++
	j.status, j.modified = CompilationStopping, time.Now()
	gen := j.gen
	s.afterLocked(s.opts.compileDelay/4, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if j.gen == gen && j.status == CompilationStopping {
			j.status, j.ended, j.modified = CompilationStopped, time.Now(), time.Now()
		}
	})
	return struct{}{}, nil
}

var jobListing = listing{sortKeys: jobSortKeys, statuses: &jobStatuses}

func (s *Server) listCompilationJobs(body []byte) (any, *APIError) {
	var in listQuery
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type summary struct {
		CompilationJobName      string
		CompilationJobArn       string
		CreationTime            float64
		CompilationStartTime    float64 `json:",omitempty"`
		CompilationEndTime      float64 `json:",omitempty"`
		CompilationTargetDevice string  `json:",omitempty"`
		LastModifiedTime        float64
		CompilationJobStatus    string
	}
	s.mu.Lock()
	var all []summary
	for _, j := range s.jobs {
		all = append(all, summary{j.name, j.arn, epoch(j.created), epoch(j.started), epoch(j.ended),
			j.output.TargetDevice, epoch(j.modified), j.status})
	}
	s.mu.Unlock()
	pg, next, e := list(jobListing, &in, all, func(j summary) row {
		return row{j.CompilationJobName, j.CompilationJobStatus, j.CreationTime, j.LastModifiedTime}
	})
	if e != nil {
		return nil, e
	}
	return struct {
		CompilationJobSummaries []summary
		NextToken               string `json:",omitempty"`
	}{pg, next}, nil
}
