package sagebench

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sm "github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/sagebench/sagebench/internal/journal"
	"github.com/sagebench/sagebench/internal/smretry"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
)

// Deletion is what became of one resource when the study ended.
type Deletion struct {
	Resource sagemaker.Resource
	Deleted  bool
	// Kept says why it was left on purpose (Study.KeepArtifacts, or an API without the
	// delete call, such as an emulator without DeleteCompilationJob).
	Kept string
	Err  error // why it could not be deleted
}

// resources is the one place a study creates and deletes through: every create is
// recorded in the ledger before it is made, every delete settles it. The crash-safe
// journal (sagemaker.Journal) is written by the sagemaker and neo clients for what they
// create and delete, and here for what they do not: the artifacts Neo writes, and the
// deletion of those and of the compilation jobs.
type resources struct {
	client   *sagemaker.Client
	compiler *neo.Compiler
	api      *sm.Client
	s3       *s3.Client
	journal  *sagemaker.Journal
	region   string

	mu    sync.Mutex
	order []sagemaker.Resource
	state map[sagemaker.Resource]*Deletion
	live  map[string]*sagemaker.Endpoint // by endpoint name, until deleted
	// uncertain names the endpoints (and their configs and models) whose Deploy failed
	// after a call: what it created is deleted, but a cut-off create may land later.
	uncertain []string
	freed     chan struct{} // closed and replaced whenever an endpoint is deleted
	freedGen  int           // how many times freed was closed
}

func newResources(cfg aws.Config, p *Plan, client *sagemaker.Client, compiler *neo.Compiler, j *sagemaker.Journal) *resources {
	var s3Opts []func(*s3.Options)
	if p.bucketOwner != "" { // every object the study deletes is in its bucket
		s3Opts = append(s3Opts, sagemaker.ExpectBucketOwner(p.bucketOwner))
	}
	return &resources{client: client, compiler: compiler, api: sm.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, s3Opts...),
		journal: j, region: p.Region, state: map[sagemaker.Resource]*Deletion{}, live: map[string]*sagemaker.Endpoint{}, freed: make(chan struct{})}
}

func (rs *resources) record(all ...sagemaker.Resource) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, r := range all {
		if _, ok := rs.state[r]; !ok {
			rs.order = append(rs.order, r)
			rs.state[r] = &Deletion{Resource: r}
		}
	}
}

// settle records the outcome of a deletion. journaled says whether the call that
// deleted went through a journaling client; if not, the journal hears of it here.
func (rs *resources) settle(r sagemaker.Resource, err error, journaled bool) {
	rs.mu.Lock()
	d := rs.state[r]
	if d != nil {
		d.Deleted, d.Err = err == nil, err
	}
	rs.mu.Unlock()
	if err == nil && !journaled && rs.journal != nil {
		_ = journal.Of(rs.journal).Deleted(string(r.Kind), r.Name) // the resource is gone; a stale line costs Cleanup one lookup
	}
}

func (rs *resources) keep(r sagemaker.Resource, why string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if d := rs.state[r]; d != nil {
		d.Kept = why
	}
}

func endpointResources(name string) []sagemaker.Resource {
	return []sagemaker.Resource{{Kind: sagemaker.KindEndpoint, Name: name},
		{Kind: sagemaker.KindEndpointConfig, Name: name}, {Kind: sagemaker.KindModel, Name: name}}
}

// deploy records the endpoint, its config and its model, then deploys them. A failed
// Deploy has deleted what it created (DeployError.Cleanup says if not).
func (rs *resources) deploy(ctx context.Context, m sagemaker.ModelSpec, e sagemaker.EndpointSpec) (*sagemaker.Endpoint, error) {
	names := endpointResources(e.Name)
	rs.record(names...)
	ep, err := rs.client.Deploy(ctx, m, e)
	if err != nil {
		// Deploy has deleted what it knows it created. A create cut off by a cancellation
		// may still be processed after that delete, so teardown deletes the three by name
		// once more at the very end (a missing resource counts as deleted).
		var cleanup error
		var de *sagemaker.DeployError
		if errors.As(err, &de) {
			cleanup = de.Cleanup
		}
		if de == nil || de.Step != sagemaker.StepValidate {
			rs.mu.Lock()
			rs.uncertain = append(rs.uncertain, e.Name)
			rs.mu.Unlock()
		}
		var handle *sagemaker.Endpoint
		if de != nil {
			handle = de.Endpoint
		}
		rs.settleHandle(context.WithoutCancel(ctx), handle, e.Name, cleanup)
		// Only a deleted endpoint frees a slot: waking every waiting candidate on each
		// refused create made them all try again at once, over and over.
		if cleanup == nil && de != nil && de.Step == sagemaker.StepWait {
			rs.signalFreed()
		}
		return nil, err
	}
	rs.mu.Lock()
	rs.live[ep.Name] = ep
	rs.mu.Unlock()
	return ep, nil
}

// deleteEndpoint deletes a deployed endpoint with its config and model.
func (rs *resources) deleteEndpoint(ctx context.Context, ep *sagemaker.Endpoint) error {
	err := ep.Delete(ctx)
	left := rs.settleHandle(ctx, ep, ep.Name, err)
	if len(left) == 0 {
		rs.mu.Lock()
		delete(rs.live, ep.Name)
		rs.mu.Unlock()
	}
	if !slices.Contains(left, sagemaker.Resource{Kind: sagemaker.KindEndpoint, Name: ep.Name}) {
		rs.signalFreed()
	}
	return err
}

// settleHandle settles the endpoint, configuration and model of name after a delete
// that returned err: all deleted when err is nil; else only those ep.Left still finds
// (or, without a handle, all three) are not deleted, with err. It returns those.
func (rs *resources) settleHandle(ctx context.Context, ep *sagemaker.Endpoint, name string, err error) []sagemaker.Resource {
	all := endpointResources(name)
	if err == nil {
		for _, r := range all {
			rs.settle(r, nil, true)
		}
		return nil
	}
	left := all
	if ep != nil {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		left = ep.Left(lctx)
		cancel()
	}
	for _, r := range all {
		if slices.Contains(left, r) {
			rs.settle(r, err, true)
		} else {
			// Deleted (the client journaled it), or found gone: the journal keeps what it
			// has, as a create cut off on the wire may still land (Cleanup judges by tags).
			rs.settle(r, nil, true)
		}
	}
	return left
}

func (rs *resources) signalFreed() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	close(rs.freed)
	rs.freed = make(chan struct{})
	rs.freedGen++
}

// slotFreed returns a channel closed the next time an endpoint of this study is
// deleted, and how many were deleted so far.
func (rs *resources) slotFreed() (<-chan struct{}, int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.freed, rs.freedGen
}

func (rs *resources) upload(ctx context.Context, in sagemaker.UploadInput) (string, error) {
	rs.record(sagemaker.Resource{Kind: sagemaker.KindS3Object, Name: "s3://" + in.Bucket + "/" + in.Key})
	return rs.client.Upload(ctx, in)
}

// compile runs the jobs in parallel. The jobs are recorded (and journaled by the
// compiler) before they are created; the artifacts Neo writes as their jobs report them.
func (rs *resources) compile(ctx context.Context, jobs []neo.Job) ([]*neo.CompiledModel, error) {
	for _, j := range jobs {
		rs.record(sagemaker.Resource{Kind: sagemaker.KindCompilationJob, Name: j.Name})
	}
	models, err := rs.compiler.CompileAll(ctx, jobs, len(jobs))
	for _, m := range models {
		if m == nil {
			continue
		}
		r := sagemaker.Resource{Kind: sagemaker.KindS3Object, Name: m.ArtifactURL}
		rs.record(r)
		if rs.journal != nil {
			if jerr := journal.Of(rs.journal).CreatedArtifact(rs.region, r.Name); jerr != nil && err == nil {
				err = jerr // an artifact the journal does not know would survive a crash
			}
		}
	}
	return models, err
}

// teardown deletes whatever is still recorded and not deleted: endpoints a worker could
// not delete, then objects and compilation jobs (unless kept), and returns the ledger.
func (rs *resources) teardown(ctx context.Context, keepArtifacts bool) []Deletion {
	rs.mu.Lock()
	live := make([]*sagemaker.Endpoint, 0, len(rs.live))
	for _, ep := range rs.live {
		live = append(live, ep)
	}
	order := append([]sagemaker.Resource(nil), rs.order...)
	rs.mu.Unlock()
	// S3 objects before the compilation jobs that read and wrote them: without the
	// journal, CleanupRun finds a run's objects only through its jobs and models, so a
	// process killed between the two deletes must leave the job, not the orphaned object.
	slices.SortStableFunc(order, func(a, b sagemaker.Resource) int {
		return cmp.Compare(objectRank(a), objectRank(b))
	})
	for _, ep := range live {
		_ = rs.deleteEndpoint(ctx, ep)
	}
	rs.mu.Lock()
	uncertain := append([]string(nil), rs.uncertain...)
	rs.mu.Unlock()
	for _, name := range uncertain {
		h := rs.client.Attach(name, name, name)
		rs.settleHandle(ctx, h, name, h.Delete(ctx))
	}
	for _, r := range order {
		rs.mu.Lock()
		done := rs.state[r].Deleted
		rs.mu.Unlock()
		if done {
			continue
		}
		switch r.Kind {
		case sagemaker.KindS3Object:
			if keepArtifacts {
				rs.keep(r, "Study.KeepArtifacts")
				continue
			}
			bucket, key, err := sagemaker.ParseS3URI(r.Name)
			if err == nil {
				_, err = rs.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			}
			rs.settle(r, err, false)
		case sagemaker.KindCompilationJob:
			if keepArtifacts {
				rs.keep(r, "Study.KeepArtifacts")
				continue
			}
			_, err := rs.api.DeleteCompilationJob(ctx, &sm.DeleteCompilationJobInput{CompilationJobName: aws.String(r.Name)})
			switch {
			case smretry.NotFound(err):
				err = nil // refused or canceled before it was created, or already gone
			case smretry.Code(err) == "UnknownOperationException":
				rs.keep(r, "the API has no DeleteCompilationJob; a finished job costs nothing")
				continue
			}
			rs.settle(r, err, false)
		case sagemaker.KindEndpoint, sagemaker.KindEndpointConfig, sagemaker.KindModel:
			// Recorded but neither live nor settled: a Deploy that never returned. Attach
			// and delete by name; a missing resource counts as deleted.
			if r.Kind == sagemaker.KindEndpoint {
				_ = rs.deleteEndpoint(ctx, rs.client.Attach(r.Name, r.Name, r.Name))
			}
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([]Deletion, 0, len(rs.order))
	for _, r := range rs.order {
		out = append(out, *rs.state[r])
	}
	return out
}

// objectRank orders teardown: S3 objects (0) before everything else (1).
func objectRank(r sagemaker.Resource) int {
	if r.Kind == sagemaker.KindS3Object {
		return 0
	}
	return 1
}
