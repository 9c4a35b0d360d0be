// Package journal is the file behind sagemaker.Journal: an append-only record, fsynced
// line by line, of what a run is about to create and has deleted, that Cleanup reads
// after a crash.
//
// Users hold a *sagemaker.Journal, which shows only what they need (OpenJournal, Path,
// RunID, Region, Pending, Close). The packages that create resources (sagemaker, neo,
// loadjob and the root package) write through this package: [Of] gives them the
// *Journal behind a user's handle, so the write methods stay out of the public API and
// package neo needs no import of package sagemaker.
package journal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The kinds of resource a run creates, as the journal writes them (package sagemaker's
// Kind constants have these values).
const (
	KindModel          = "model"
	KindEndpointConfig = "endpoint-config"
	KindEndpoint       = "endpoint"
	KindCompilationJob = "compilation-job"
	KindProcessingJob  = "processing-job"
	KindS3Object       = "s3-object" // Name is the s3:// URI
)

// Resource is something a run created, or may have: a kind and its name.
type Resource struct {
	Kind string
	Name string
}

// Journal is an append-only file, one JSON object per line, that survives the
// process: before each create, Deploy, Upload and neo's Compile append what they are
// about to create, and after each delete, that it is gone; every line is fsynced
// before the call it announces is sent. After a crash (kill -9, OOM, a CI timeout)
// sagemaker.Cleanup reads it and deletes what may remain.
//
// A Journal has a run id, written in its first line, that tags and names every
// resource of the run (see sagemaker.TagRun). It is safe for concurrent use.
type Journal struct {
	path   string
	run    string
	mu     sync.Mutex
	f      *os.File
	region string // of the first create; a journal serves one region
}

type journalLine struct {
	Time time.Time `json:"time"`
	Op   string    `json:"op"` // "open", "create", "upload", "uploaded" or "delete"
	Run  string    `json:"run,omitempty"`
	Kind string    `json:"kind,omitempty"`
	Name string    `json:"name,omitempty"`
	// Region is where a create happens, so that Cleanup looks in the right place.
	Region string `json:"region,omitempty"`
	// UploadID is the multipart upload of an "upload" (begun) or "uploaded" (ended) line.
	UploadID string `json:"upload_id,omitempty"`
	// Artifact marks the create of an S3 object that a job of the run wrote (see
	// CreatedArtifact): it carries no Upload mark, and is the run's all the same.
	Artifact bool `json:"artifact,omitempty"`
}

// Open opens the journal at path, creating it (mode 0600) with a new run id
// if it does not exist. An existing journal keeps its run id, so a resumed run
// appends to it and one Cleanup covers both.
func Open(path string) (*Journal, error) {
	// A new journal is written whole, its first line included, and then linked into
	// place, so that Opens of one new path at once (two goroutines, two processes)
	// all read the same run id: if each wrote its own first line, the resources of all
	// but one would be tagged with a run that Cleanup of the file does not delete.
	// Where the link fails for another reason than an existing file, Open creates the
	// file in place, as below.
	created := createWhole(path) == nil
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sagemaker: journal: %w", err)
	}
	j := &Journal{path: path, f: f}
	// A crash mid-append leaves a torn last line; appending after it would glue the
	// next record to it, so cut the file back to its last whole line first.
	if err := truncateTorn(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("sagemaker: journal %s: %w", path, err)
	}
	lines, err := readJournal(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if len(lines) > 0 {
		j.run = lines[0].Run
		if created {
			// The new file's directory entry must survive a crash too.
			syncDir(path)
		}
		for _, l := range lines {
			if l.Region != "" {
				j.region = l.Region
				break
			}
		}
		return j, nil
	}
	j.run = NewRunID()
	if err := j.append(journalLine{Op: "open", Run: j.run}); err != nil {
		f.Close()
		return nil, err
	}
	syncDir(path) // the new file's directory entry must survive a crash too
	return j, nil
}

// createWhole creates the journal at path with its first line, a new run id, unless
// a file is there: it writes a temporary file in path's directory and links it to
// path, which fails if path exists. An error says path was not created (it exists, or
// the directory takes no temporary file or no hard link).
func createWhole(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return os.ErrExist
	}
	b, err := json.Marshal(journalLine{Time: time.Now().UTC(), Op: "open", Run: NewRunID()})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// syncDir syncs the directory of path, so that a file created in it survives a crash.
func syncDir(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// NewRunID returns a fresh run id: the UTC start time to the second and four random
// hex digits, "20261201t210504-9f3a", short enough to append to a resource name and
// valid as a tag value.
func NewRunID() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:])
}

// ErrNotOpened is what every write and Pending return on a nil *Journal: the one
// behind a nil or zero sagemaker.Journal, which no OpenJournal opened. Nothing may be
// created with it, since no Cleanup could find what it recorded.
var ErrNotOpened = errors.New("sagemaker: journal: not opened (a Journal comes from sagemaker.OpenJournal)")

// RunID is the id of the run this journal records ("" for a nil Journal).
func (j *Journal) RunID() string {
	if j == nil {
		return ""
	}
	return j.run
}

// Path is the journal's file ("" for a nil Journal).
func (j *Journal) Path() string {
	if j == nil {
		return ""
	}
	return j.path
}

// Region is the region of the journal's creates ("" before the first one that named
// its region, and for a nil Journal).
func (j *Journal) Region() string {
	if j == nil {
		return ""
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.learnRegionLocked()
	return j.region
}

// learnRegionLocked reads the region from the file while j has none: another handle of
// the file (another Open of its path, in this process or another) may have recorded
// the first create since j was opened. A caller holds j.mu.
func (j *Journal) learnRegionLocked() {
	if j.region != "" {
		return
	}
	lines, err := readJournal(j.path)
	if err != nil {
		return // the create's own checks report an unreadable or replaced file
	}
	for _, l := range lines {
		if l.Region != "" {
			j.region = l.Region
			return
		}
	}
}

// Creating records, durably, that the resource is about to be created. Call it
// before the create call: if it fails, do not create. Prefer CreatingIn, which also
// records where.
func (j *Journal) Creating(kind, name string) error {
	return j.append(journalLine{Op: "create", Kind: kind, Name: name})
}

// CreatingIn is Creating in a region. A journal serves one region: a create in
// another is refused, so that one Cleanup finds everything.
func (j *Journal) CreatingIn(region, kind, name string) error {
	if j == nil {
		return ErrNotOpened
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.learnRegionLocked()
	if j.region != "" && region != "" && region != j.region {
		return fmt.Errorf("sagemaker: journal %s records region %s; use another journal for %s %s in %s", j.path, j.region, kind, name, region)
	}
	// A journal whose file was deleted or replaced would take the record into an
	// unlinked inode that no Cleanup can read: refuse the create instead.
	if err := j.sameFileLocked(); err != nil {
		return err
	}
	// Check and append under one lock, so that concurrent creates in two regions
	// cannot both pass the check.
	if err := j.appendLocked(journalLine{Op: "create", Kind: kind, Name: name, Region: region}); err != nil {
		return err
	}
	if j.region == "" {
		j.region = region
	}
	return nil
}

// CreatedArtifact records, durably, that a compilation job of the run wrote the S3
// object at uri (an s3:// URI) in region: Neo's output, which carries no Upload mark
// of the run's. sagemaker.Cleanup deletes such an object without looking for the mark, even
// once the job itself is deleted and can no longer vouch for it. Record only what a
// job of the run reported writing, never a key the caller chose.
func (j *Journal) CreatedArtifact(region, uri string) error {
	if j == nil {
		return ErrNotOpened
	}
	if _, _, err := ParseS3URI(uri); err != nil {
		return fmt.Errorf("sagemaker: journal %s: artifact: %w", j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.learnRegionLocked()
	if j.region != "" && region != "" && region != j.region {
		return fmt.Errorf("sagemaker: journal %s records region %s; use another journal for artifact %s in %s", j.path, j.region, uri, region)
	}
	if err := j.sameFileLocked(); err != nil {
		return err
	}
	if err := j.appendLocked(journalLine{Op: "create", Kind: KindS3Object, Name: uri, Region: region, Artifact: true}); err != nil {
		return err
	}
	if j.region == "" {
		j.region = region
	}
	return nil
}

// Uploading records, durably, that multipart upload uploadID of the S3 object at uri
// (an s3:// URI recorded with Creating first) has begun. Upload calls it as soon as
// CreateMultipartUpload answers, before the first part is sent; if it fails, abort the
// upload. sagemaker.Cleanup aborts exactly the uploads recorded so and not recorded ended
// (see Uploaded), and no other upload at the key: the key is the caller's choice, and
// another process may be writing it too.
func (j *Journal) Uploading(uri, uploadID string) error {
	if j == nil {
		return ErrNotOpened
	}
	if _, _, err := ParseS3URI(uri); err != nil || uploadID == "" {
		return fmt.Errorf("sagemaker: journal %s: an upload needs an s3:// object URI and an upload id (got %q, %q)", j.path, uri, uploadID)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// As for CreatingIn: a record into a deleted journal file is a record no Cleanup reads.
	if err := j.sameFileLocked(); err != nil {
		return err
	}
	return j.appendLocked(journalLine{Op: "upload", Kind: KindS3Object, Name: uri, UploadID: uploadID})
}

// Uploaded records that multipart upload uploadID of the S3 object at uri ended:
// completed, or aborted. Upload calls it when CompleteMultipartUpload or
// AbortMultipartUpload answers, and Cleanup when it has aborted an upload. An upload
// recorded with Uploading and not so is one that Cleanup aborts, even after the object
// at uri is recorded deleted: deleting an object does not end an upload of its key.
func (j *Journal) Uploaded(uri, uploadID string) error {
	return j.append(journalLine{Op: "uploaded", Kind: KindS3Object, Name: uri, UploadID: uploadID})
}

// Deleted records that the resource is gone (or is being deleted and no longer
// bills, like an endpoint in Deleting).
func (j *Journal) Deleted(kind, name string) error {
	return j.append(journalLine{Op: "delete", Kind: kind, Name: name})
}

func (j *Journal) append(l journalLine) error {
	if j == nil {
		return ErrNotOpened
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLocked(l)
}

// appendLocked is append for a caller that holds j.mu.
func (j *Journal) appendLocked(l journalLine) error {
	l.Time = time.Now().UTC()
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("sagemaker: journal %s: %w", j.path, err)
	}
	if j.f == nil {
		return fmt.Errorf("sagemaker: journal %s is closed", j.path)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("sagemaker: journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sagemaker: journal %s: fsync: %w", j.path, err)
	}
	return nil
}

// Info is what the journal says of its pending resources, beyond their names.
type Info struct {
	// Uploads holds, for each S3 object, the multipart uploads of it the journal
	// recorded (see Uploading) and not as ended (see Uploaded).
	Uploads map[Resource][]string
	// Artifacts holds the S3 objects recorded as written by a job of the run (see
	// CreatedArtifact).
	Artifacts map[Resource]bool
	// Deleted holds the S3 objects pending only for their uploads: the object was
	// recorded deleted since its last create, so Cleanup aborts, and deletes nothing.
	Deleted map[Resource]bool
}

// Pending lists what the journal says may still exist: each resource recorded as
// being created and not recorded as deleted since, and each S3 key with a multipart
// upload recorded as begun (Uploading) and not as ended (Uploaded), in creation order.
// Info says, for each S3 object, which multipart uploads of it the journal recorded
// and not as ended, whether it is a job's artifact, and whether the object itself was
// recorded deleted since it was last created.
func (j *Journal) Pending() ([]Resource, Info, error) {
	info := Info{Uploads: map[Resource][]string{}, Artifacts: map[Resource]bool{}, Deleted: map[Resource]bool{}}
	if j == nil {
		return nil, info, ErrNotOpened
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	lines, err := readJournal(j.path)
	if err != nil {
		return nil, info, err
	}
	var out []Resource
	for _, l := range lines {
		r := Resource{l.Kind, l.Name}
		switch l.Op {
		case "create", "upload":
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
			delete(info.Deleted, r)
			if l.Op == "upload" && l.UploadID != "" && !slices.Contains(info.Uploads[r], l.UploadID) {
				info.Uploads[r] = append(info.Uploads[r], l.UploadID)
			}
			if l.Artifact {
				info.Artifacts[r] = true
			}
		case "uploaded":
			info.Uploads[r] = slices.DeleteFunc(info.Uploads[r], func(id string) bool { return id == l.UploadID })
			if len(info.Uploads[r]) == 0 {
				delete(info.Uploads, r)
				if info.Deleted[r] {
					delete(info.Deleted, r)
					out = slices.DeleteFunc(out, func(o Resource) bool { return o == r })
				}
			}
		case "delete":
			delete(info.Artifacts, r)
			if len(info.Uploads[r]) > 0 {
				// The object is gone, an upload of its key may not be: a run killed
				// during Upload, then resumed, uploaded and deleted the key again.
				info.Deleted[r] = true
				continue
			}
			out = slices.DeleteFunc(out, func(o Resource) bool { return o == r })
		}
	}
	return out, info, nil
}

// Writable reports why j cannot record a create: nil (ErrNotOpened) or closed.
func (j *Journal) Writable() error {
	if j == nil {
		return ErrNotOpened
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("sagemaker: journal %s is closed", j.path)
	}
	return nil
}

// Close closes the file. Pending still works on a closed journal.
func (j *Journal) Close() error {
	if j == nil {
		return ErrNotOpened
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// readJournal parses the journal. A last line without its newline was cut off by a
// crash mid-write, before the fsync that the create waits for, so that create was
// never sent: it is ignored. Any other malformed line is an error, since guessing
// could lose a resource.
func readJournal(path string) ([]journalLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sagemaker: journal: %w", err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		data = data[:i+1]
	}
	var out []journalLine
	for n, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(data) == 0 {
			break
		}
		var l journalLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("sagemaker: journal %s: line %d: %w", path, n+1, err)
		}
		if n == 0 && (l.Op != "open" || l.Run == "") {
			return nil, fmt.Errorf("sagemaker: %s is not a sagebench journal (its first line names no run)", path)
		}
		out = append(out, l)
	}
	return out, nil
}

// truncateTorn cuts f back to just after its last newline (to empty if it has
// none) and syncs, so the next append starts a line of its own.
func truncateTorn(f *os.File) error {
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return err
	}
	keep := int64(bytes.LastIndexByte(data, '\n') + 1)
	if keep == int64(len(data)) {
		return nil
	}
	if err := f.Truncate(keep); err != nil {
		return err
	}
	return f.Sync()
}

// sameFileLocked reports an error unless j.path still names the file j writes to.
func (j *Journal) sameFileLocked() error {
	if j.f == nil {
		return fmt.Errorf("sagemaker: journal %s is closed", j.path)
	}
	open, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("sagemaker: journal %s: %w", j.path, err)
	}
	named, err := os.Stat(j.path)
	if err != nil || !os.SameFile(open, named) {
		return fmt.Errorf("sagemaker: journal %s was deleted or replaced during the run; refusing to create what no cleanup could find", j.path)
	}
	return nil
}

// unwrap is the function package sagemaker registers (see Register) to open its handle.
var unwrap func(handle any) *Journal

// Register sets the function that returns the *Journal behind a handle of the package
// that registers it, or nil for anything else. Package sagemaker calls it from an init
// function, so it is set before any handle exists.
func Register(f func(handle any) *Journal) { unwrap = f }

// Of returns the journal behind handle, a *sagemaker.Journal, or nil if handle is nil or
// not one.
func Of(handle any) *Journal {
	if handle == nil || unwrap == nil {
		return nil
	}
	return unwrap(handle)
}

// ParseS3URI splits s3://bucket/key into bucket and key: the URIs the journal records
// for S3 objects. It is package sagemaker's ParseS3URI.
func ParseS3URI(uri string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("sagemaker: %q is not an s3:// URI", uri)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" || key == "" {
		return "", "", fmt.Errorf("sagemaker: %q has no bucket or no key", uri)
	}
	return bucket, key, nil
}
