package sagemaker

import (
	"github.com/sagebench/sagebench/internal/journal"
)

// Kind is the kind of a resource a run creates, as a Journal records it and FindRun
// reports it.
type Kind string

// The kinds of resource a run creates.
const (
	KindModel          Kind = "model"
	KindEndpointConfig Kind = "endpoint-config"
	KindEndpoint       Kind = "endpoint"
	KindCompilationJob Kind = "compilation-job"
	KindProcessingJob  Kind = "processing-job" // package loadjob's load jobs
	KindS3Object       Kind = "s3-object"      // Name is the s3:// URI
)

// Resource is something a run created, or may have: a kind and its name.
type Resource struct {
	Kind Kind
	Name string
}

// String is the kind and the name, "endpoint resnet50-c5-20261201t210504-9f3a".
func (r Resource) String() string { return string(r.Kind) + " " + r.Name }

// Journal is an append-only file, one JSON object per line, that survives the
// process: before each create, Deploy, Upload, neo's Compile and loadjob's Run append
// what they are about to create, and after each delete, that it is gone; every line is
// fsynced before the call it announces is sent. After a crash (kill -9, OOM, a CI
// timeout) [Cleanup] reads it and deletes what may remain.
//
// Give it to the clients that create (Options.Journal here, neo.Options.Journal,
// loadjob.Job.Journal, sagebench.Study.Journal): they write to it; the caller only
// opens, reads and closes it. A Journal has a run id, written in its first line, that
// tags and names every resource of the run (see [TagRun]). A journal serves one region:
// a create in another is refused, so that one Cleanup finds everything. It is safe for
// concurrent use.
type Journal struct {
	f *journal.Journal
}

func init() {
	// Packages neo, loadjob and the root write through internal/journal; this is how
	// it finds the file behind the handle a user gives them.
	journal.Register(func(h any) *journal.Journal {
		if j, ok := h.(*Journal); ok && j != nil {
			return j.f
		}
		return nil
	})
}

// OpenJournal opens the journal at path, creating it (mode 0600) with a new run id
// if it does not exist. An existing journal keeps its run id, so a resumed run
// appends to it and one Cleanup covers both.
func OpenJournal(path string) (*Journal, error) {
	f, err := journal.Open(path)
	if err != nil {
		return nil, err
	}
	return &Journal{f: f}, nil
}

// NewRunID returns a fresh run id: the UTC start time to the second and four random
// hex digits, "20261201t210504-9f3a", short enough to append to a resource name and
// valid as a tag value.
func NewRunID() string { return journal.NewRunID() }

// file is the journal behind j: nil for a nil Journal and for one that OpenJournal
// did not open (its zero value), whose methods then return "" or an error.
func (j *Journal) file() *journal.Journal {
	if j == nil {
		return nil
	}
	return j.f
}

// RunID is the id of the run this journal records ("" for a Journal that OpenJournal
// did not open).
func (j *Journal) RunID() string { return j.file().RunID() }

// Path is the journal's file.
func (j *Journal) Path() string { return j.file().Path() }

// Region is the region of the journal's creates ("" before the first one that named
// its region).
func (j *Journal) Region() string { return j.file().Region() }

// Pending lists what the journal says may still exist: each resource recorded as
// being created and not recorded as deleted since, and each S3 key with a multipart
// upload begun by Upload and not recorded as ended, in creation order.
func (j *Journal) Pending() ([]Resource, error) {
	out, _, err := j.pending()
	return out, err
}

// Close closes the file. Pending still works on a closed journal.
func (j *Journal) Close() error { return j.file().Close() }

// journaled is what the journal says of its pending resources, beyond their names
// (journal.Info in this package's Resource).
type journaled struct {
	uploads   map[Resource][]string
	artifacts map[Resource]bool
	deleted   map[Resource]bool
}

// pending is Pending with what the journal says of the S3 objects: their multipart
// uploads not recorded as ended, which are jobs' artifacts, and which were recorded
// deleted since they were last created.
func (j *Journal) pending() ([]Resource, journaled, error) {
	rs, info, err := j.file().Pending()
	if err != nil {
		return nil, journaled{}, err
	}
	out := make([]Resource, len(rs))
	for i, r := range rs {
		out[i] = resource(r)
	}
	jd := journaled{uploads: map[Resource][]string{}, artifacts: map[Resource]bool{}, deleted: map[Resource]bool{}}
	for r, ids := range info.Uploads {
		jd.uploads[resource(r)] = ids
	}
	for r := range info.Artifacts {
		jd.artifacts[resource(r)] = true
	}
	for r := range info.Deleted {
		jd.deleted[resource(r)] = true
	}
	return out, jd, nil
}

func resource(r journal.Resource) Resource { return Resource{Kind(r.Kind), r.Name} }

// creatingIn records in j that the resource is about to be created
// in region (a journal serves one region).
func (j *Journal) creatingIn(region string, kind Kind, name string) error {
	return j.file().CreatingIn(region, string(kind), name)
}

// deleted records in j that the resource is gone.
func (j *Journal) deleted(kind Kind, name string) error {
	return j.file().Deleted(string(kind), name)
}
