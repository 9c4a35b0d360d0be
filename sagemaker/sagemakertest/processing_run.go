package sagemakertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How the emulator runs a processing job
//
// SageMaker runs a job's container on each of its InstanceCount instances, with the
// inputs downloaded under /opt/ml/processing/..., /opt/ml/config/resourceconfig.json
// naming the hosts ("algo-1" ... "algo-N") and the instance's own, and uploads the
// outputs from their local paths when the container exits ("Configure Your Processing
// Container", https://docs.aws.amazon.com/sagemaker/latest/dg/build-your-own-processing-container.html).
//
// The emulator cannot run images: it runs ContainerEntrypoint (followed by
// ContainerArguments) as a local process, once per instance, each in a directory of its
// own shaped like /opt/ml. So that a job written for AWS runs unchanged, every
// occurrence of the path /opt/ml in ContainerEntrypoint, ContainerArguments and the
// values of Environment is replaced by that directory, where it is a whole path
// prefix: preceded by the start of the string or a character that cannot be part of a
// path (a space, a quote, "=", ":"), and followed by the end, "/", or such a character.
// "/opt/ml/processing/input" and `sh -c "cat /opt/ml/config/resourceconfig.json"` are
// rewritten; "/opt/mlx" and "/x/opt/ml" are not. Paths inside files the job reads (a
// script among its inputs) are not rewritten: give them to it through Environment or
// ContainerArguments. The process gets the job's Environment
// plus PATH, HOME and TMPDIR from the emulator's own environment, and AWS_ENDPOINT_URL
// (the emulator), AWS_REGION, AWS_DEFAULT_REGION and static test credentials, so that an
// AWS SDK in the process reaches the emulator's S3, SageMaker and runtime; the shared
// config and credentials files are /dev/null, as in a container.
//
// A job whose processes all exit 0 ends Completed; one whose process exits non-zero ends
// Failed with FailureReason "AlgorithmError: See job logs for more information" and the
// first 1 KiB of that instance's /opt/ml/output/message as ExitMessage, as
// DescribeProcessingJob documents ExitMessage
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeProcessingJob.html);
// the other instances run to their end. StopProcessingJob, and a job reaching
// MaxRuntimeInSeconds ("SageMaker ends the job", ProcessingStoppingCondition; default one
// day), send SIGTERM to each process group, SIGKILL after procKillGrace, and the job ends
// Stopped. When an instance's entrypoint exits, what it left running in its process group
// is killed, as its container ends. Outputs are uploaded once every process has exited, whatever the outcome
// (S3UploadMode Continuous is treated as EndOfJob). Inputs of S3DataType S3Prefix are
// every object under the prefix; ShardedByS3Key gives instance i every N-th of them in
// key order, FullyReplicated (the default) all.

// procKillGrace is how long a stopped job's processes have between SIGTERM and SIGKILL.
// SageMaker gives a container 120 seconds; the emulator, meant for tests, 2.
const procKillGrace = 2 * time.Second

const procLogTail = 64 << 10

// procRun is the local processes of one running job.
type procRun struct {
	root  string
	cmds  []*exec.Cmd // nil until started
	out   []*tail
	stop  bool // StopProcessingJob or MaxRuntimeInSeconds: end Stopped
	ended bool
}

func (r *procRun) logs() []string {
	out := make([]string, len(r.out))
	for i, t := range r.out {
		out[i] = t.String()
	}
	return out
}

// tail keeps the last procLogTail bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - procLogTail; over > 0 {
		t.buf = slices.Clone(t.buf[over:])
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func hostName(i int) string { return "algo-" + strconv.Itoa(i+1) }

// startProcessingLocked starts running j. The caller holds s.mu.
func (s *Server) startProcessingLocked(j *processingJob) {
	n := j.resources.ClusterConfig.InstanceCount
	r := &procRun{out: make([]*tail, n)}
	for i := range r.out {
		r.out[i] = &tail{}
	}
	j.run = r
	if s.closed {
		j.status, j.failure, j.ended = ProcessingFailed, "InternalServerError: the emulator is closed", time.Now()
		return
	}
	maxRT := 86400
	if j.stopping != nil {
		maxRT = j.stopping.MaxRuntimeInSeconds
	}
	s.afterLocked(time.Duration(maxRT)*time.Second, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if j.status == ProcessingInProgress {
			s.stopProcessingLocked(j)
		}
	})
	s.procWG.Add(1)
	go s.runProcessing(j, r)
}

// stopProcessingLocked moves j to Stopping and signals its processes. The caller holds s.mu.
func (s *Server) stopProcessingLocked(j *processingJob) {
	j.status, j.modified = ProcessingStopping, time.Now()
	r := j.run
	r.stop = true
	for _, c := range r.cmds {
		signalGroup(c, false)
	}
	s.afterLocked(procKillGrace, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !r.ended {
			for _, c := range r.cmds {
				signalGroup(c, true)
			}
		}
	})
}

// KillProcessingInstance kills (SIGKILL) the process of instance i (0-based: host
// algo-i+1) of a running processing job, as if that instance had died. Tests use it to
// lose one shard of a job.
func (s *Server) KillProcessingInstance(job string, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.procJobs[job]
	if !ok || j.run == nil {
		return fmt.Errorf("sagemakertest: no processing job %q", job)
	}
	if i < 0 || i >= len(j.run.cmds) || j.run.ended {
		return fmt.Errorf("sagemakertest: processing job %q has no running instance %d", job, i)
	}
	signalGroup(j.run.cmds[i], true)
	return nil
}

// killProcessing kills every running job's processes and waits for them, for Close.
func (s *Server) killProcessing() {
	s.mu.Lock()
	for _, j := range s.procJobs {
		if r := j.run; r != nil && !r.ended {
			r.stop = true
			for _, c := range r.cmds {
				signalGroup(c, true)
			}
		}
	}
	s.mu.Unlock()
	s.procWG.Wait()
}

func (s *Server) runProcessing(j *processingJob, r *procRun) {
	defer s.procWG.Done()
	n := j.resources.ClusterConfig.InstanceCount
	failure := ""
	root, err := os.MkdirTemp("", "sagemakertest-processing-")
	if err != nil {
		failure = "InternalServerError: " + err.Error()
	} else {
		r.root = root
		defer os.RemoveAll(root)
		failure = s.layOutInstances(j, root, n)
	}

	s.mu.Lock()
	if failure == "" && !r.stop {
		for i := range n {
			c, err := s.command(j, filepath.Join(root, hostName(i)), r.out[i])
			if err == nil {
				err = c.Start()
			}
			if err != nil {
				fmt.Fprintf(r.out[i], "sagemakertest: cannot start the entrypoint: %v\n", err)
				failure = "ClientError: cannot start ContainerEntrypoint: " + err.Error()
				break
			}
			r.cmds = append(r.cmds, c)
		}
		if failure != "" {
			for _, c := range r.cmds {
				signalGroup(c, true)
			}
		}
		if failure == "" && s.closed {
			r.stop = true
			for _, c := range r.cmds {
				signalGroup(c, true)
			}
		}
		if j.started.IsZero() {
			j.started = time.Now()
		}
	}
	cmds := r.cmds
	s.mu.Unlock()

	exitMsg := ""
	failedExit := false
	for i, c := range cmds {
		err := c.Wait()
		// The instance's container ends with its entrypoint: what that left running in
		// the background (its process group) ends too.
		signalGroup(c, true)
		if err != nil && failure == "" {
			if !failedExit {
				exitMsg = readMessage(filepath.Join(root, hostName(i), "output", "message"))
			}
			failedExit = true
			fmt.Fprintf(r.out[i], "sagemakertest: %v\n", err)
		}
	}
	if root != "" && len(cmds) > 0 {
		if f := s.uploadOutputs(j, root, n); f != "" && failure == "" && !failedExit {
			failure = f
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	r.ended = true
	now := time.Now()
	j.ended, j.modified = now, now
	switch {
	case r.stop:
		j.status = ProcessingStopped
	case failure != "":
		j.status, j.failure = ProcessingFailed, failure
	case failedExit:
		j.status, j.failure, j.exitMessage = ProcessingFailed, "AlgorithmError: See job logs for more information", exitMsg
	default:
		j.status = ProcessingCompleted
	}
}

// readMessage returns the first KiB of an instance's /opt/ml/output/message.
func readMessage(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b[:min(len(b), 1024)])
}

// layOutInstances makes each instance's /opt/ml and downloads its inputs; it returns a
// failure reason, or "".
func (s *Server) layOutInstances(j *processingJob, root string, n int) string {
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = hostName(i)
	}
	for i, host := range hosts {
		ml := filepath.Join(root, host)
		for _, d := range []string{"config", "output", "processing"} {
			if err := os.MkdirAll(filepath.Join(ml, d), 0o755); err != nil {
				return "InternalServerError: " + err.Error()
			}
		}
		cfg, _ := json.Marshal(struct {
			CurrentHost string   `json:"current_host"`
			Hosts       []string `json:"hosts"`
		}{host, hosts})
		if err := os.WriteFile(filepath.Join(ml, "config", "resourceconfig.json"), cfg, 0o644); err != nil {
			return "InternalServerError: " + err.Error()
		}
		for _, in := range j.inputs {
			if in.S3Input == nil {
				continue
			}
			if f := s.download(in, ml, i, n); f != "" {
				return f
			}
		}
	}
	for _, o := range j.outputsList() {
		for _, host := range hosts {
			if err := os.MkdirAll(mlPath(filepath.Join(root, host), o.S3Output.LocalPath), 0o755); err != nil {
				return "InternalServerError: " + err.Error()
			}
		}
	}
	return ""
}

func (j *processingJob) outputsList() []procOutput {
	if j.outputs == nil {
		return nil
	}
	var out []procOutput
	for _, o := range j.outputs.Outputs {
		if o.S3Output != nil {
			out = append(out, o)
		}
	}
	return out
}

// mlPath maps an absolute container path under /opt/ml into an instance's directory.
func mlPath(ml, p string) string {
	p = path.Clean("/" + p)
	if rest, ok := strings.CutPrefix(p, "/opt/ml"); ok && (rest == "" || rest[0] == '/') {
		p = rest // a whole path prefix only: "/opt/ml../x" would climb out of ml
	}
	return filepath.Join(ml, filepath.FromSlash(p))
}

// download writes the objects of one input into instance i's directory.
func (s *Server) download(in procInput, ml string, i, n int) string {
	bucket, prefix, _ := parseS3URL(in.S3Input.S3Uri)
	var keys []string
	for _, o := range s.Objects() {
		if o.Bucket == bucket && strings.HasPrefix(o.Key, prefix) {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) == 0 {
		return fmt.Sprintf("ClientError: No S3 objects found under S3 URL %q given in input data source. Please ensure that the bucket exists in the selected region (%s), that objects exist under that S3 prefix, and that the role has permission to read objects.", in.S3Input.S3Uri, s.opts.region)
	}
	dir := mlPath(ml, in.S3Input.LocalPath)
	for k, key := range keys {
		if in.S3Input.S3DataDistributionType == "ShardedByS3Key" && k%n != i {
			continue
		}
		rel := strings.TrimLeft(strings.TrimPrefix(key, prefix), "/")
		if rel == "" {
			rel = path.Base(key)
		}
		data, err := s.readObject(bucket, key)
		if err != nil {
			return fmt.Sprintf("ClientError: cannot download s3://%s/%s: %v", bucket, key, err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+rel)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "InternalServerError: " + err.Error()
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "InternalServerError: " + err.Error()
		}
	}
	return ""
}

// uploadOutputs uploads every instance's output files; it returns a failure reason, or "".
func (s *Server) uploadOutputs(j *processingJob, root string, n int) string {
	for _, o := range j.outputsList() {
		bucket, prefix, _ := parseS3URL(o.S3Output.S3Uri)
		if ok, _ := s.backend.BucketExists(bucket); !ok {
			return fmt.Sprintf("ClientError: cannot upload output %s to %s: bucket %q does not exist", o.OutputName, o.S3Output.S3Uri, bucket)
		}
		for i := range n {
			dir := mlPath(filepath.Join(root, hostName(i)), o.S3Output.LocalPath)
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() {
					return err
				}
				rel, err := filepath.Rel(dir, p)
				if err != nil {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				key := strings.TrimSuffix(prefix, "/") + "/" + filepath.ToSlash(rel)
				return s.PutObject(bucket, strings.TrimPrefix(key, "/"), data)
			})
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "InternalServerError: uploading output " + o.OutputName + ": " + err.Error()
			}
		}
	}
	return ""
}
