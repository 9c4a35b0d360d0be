package modeltar

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Spec describes the contents of a model.tar.gz in the layout SageMaker's PyTorch and
// Neo containers expect: the model file(s) at the root of the archive and the inference
// code (entry point, its requirements.txt and any other sources) under code/.
type Spec struct {
	// ModelFiles are paths to the model artifacts (e.g. model.pth). Each is stored at the
	// archive root under its base name. A symlink is followed: the user named the file.
	ModelFiles []string
	// CodeDir is a directory whose whole tree is stored under code/. Optional: a model
	// compiled by Neo, or served by a container with built-in handlers, needs no code.
	CodeDir string
	// EntryPoint is the inference script, relative to CodeDir (e.g. "inference.py"). It is
	// required when CodeDir is set. Without CodeDir it may name a single script file,
	// which is then stored as code/<base name>.
	EntryPoint string
}

// Stats is the size report of an archive written or inspected.
type Stats struct {
	Files           int    // regular files
	Bytes           int64  // uncompressed content bytes of all regular files
	CompressedBytes int64  // bytes of the gzip stream
	Largest         string // archive name of the largest file
	LargestBytes    int64
}

// String reports the sizes in a line fit for a log or a progress message.
func (s Stats) String() string {
	out := fmt.Sprintf("%d files, %s (%s gzipped)", s.Files, humanBytes(s.Bytes), humanBytes(s.CompressedBytes))
	if s.Largest != "" {
		out += fmt.Sprintf("; largest %s %s", s.Largest, humanBytes(s.LargestBytes))
	}
	return out
}

func (s *Stats) addFile(name string, size int64) {
	s.Files++
	s.Bytes += size
	if size > s.LargestBytes || s.Largest == "" {
		s.Largest, s.LargestBytes = name, size
	}
}

// codePrefix is where the containers look for inference code inside /opt/ml/model.
const codePrefix = "code/"

// archiveTime is the modification time of every entry. A fixed time is what makes the
// bytes reproducible; 1980-01-01 is the earliest time every archive tool accepts.
var archiveTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Pack writes the archive s describes as a gzipped tar to w and returns its size
// report, e.g. to warn the user before a long upload. The same inputs give the same
// bytes (and so the same S3 ETag): entries are sorted, and times, owners and modes are
// fixed (files 0644, directories 0755, uid/gid 0, no user names, no gzip name or time).
// The bytes can differ between Go releases if compress/flate changes its output.
//
// It refuses, before writing anything, a missing model file, an entry point outside the
// code directory, absolute or ".." paths, symlinks that leave the code directory, and
// special files (devices, FIFOs, sockets).
func Pack(w io.Writer, s Spec) (Stats, error) {
	entries, err := s.collect()
	if err != nil {
		return Stats{}, err
	}
	cw := &countingWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	if err != nil {
		return Stats{}, fmt.Errorf("modeltar: pack: %w", err)
	}
	tw := tar.NewWriter(zw)
	var st Stats
	for _, e := range entries {
		if err := e.write(tw); err != nil {
			return Stats{}, err
		}
		if e.typ == tar.TypeReg {
			st.addFile(e.name, e.size)
		}
	}
	if err := tw.Close(); err != nil {
		return Stats{}, fmt.Errorf("modeltar: pack: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Stats{}, fmt.Errorf("modeltar: pack: %w", err)
	}
	st.CompressedBytes = cw.n
	return st, nil
}

// packEntry is one archive member, with the local file it comes from.
type packEntry struct {
	name string // archive name; directories end in "/"
	typ  byte
	src  string // local path of a regular file's content
	size int64
	link string // symlink target, relative
}

func (e packEntry) header() *tar.Header {
	h := &tar.Header{
		Name:     e.name,
		Typeflag: e.typ,
		ModTime:  archiveTime,
		Mode:     0o644,
	}
	switch e.typ {
	case tar.TypeDir:
		h.Mode = 0o755
	case tar.TypeSymlink:
		h.Mode = 0o777
		h.Linkname = e.link
	case tar.TypeReg:
		h.Size = e.size
	}
	// Format is left to the writer, which picks the first of USTAR, PAX, GNU that can
	// hold the header: a pure function of the header, so still reproducible.
	return h
}

func (e packEntry) write(tw *tar.Writer) error {
	if err := tw.WriteHeader(e.header()); err != nil {
		return fmt.Errorf("modeltar: pack %s: %w", e.name, err)
	}
	if e.typ != tar.TypeReg {
		return nil
	}
	f, err := os.Open(e.src)
	if err != nil {
		return fmt.Errorf("modeltar: pack: %w", err)
	}
	defer f.Close()
	// Copy exactly the size announced in the header: a file that grows or shrinks while
	// being packed is an error, not a corrupt archive.
	n, err := io.Copy(tw, io.LimitReader(f, e.size))
	if err == nil && n != e.size {
		err = fmt.Errorf("file %s changed size while being packed (%d of %d bytes)", e.src, n, e.size)
	}
	if err != nil {
		return fmt.Errorf("modeltar: pack %s: %w", e.name, err)
	}
	return nil
}

// collect validates a and lists every entry, sorted by archive name.
func (a Spec) collect() ([]packEntry, error) {
	if len(a.ModelFiles) == 0 && a.CodeDir == "" && a.EntryPoint == "" {
		return nil, errors.New("modeltar: pack: no model files and no code")
	}
	var entries []packEntry
	seen := map[string]string{}
	for _, p := range a.ModelFiles {
		e, err := modelFileEntry(p)
		if err != nil {
			return nil, err
		}
		if e.name == "code" {
			return nil, fmt.Errorf("modeltar: pack: model file %s would collide with the code/ directory", p)
		}
		if prev, dup := seen[e.name]; dup {
			return nil, fmt.Errorf("modeltar: pack: model files %s and %s have the same name %q", prev, p, e.name)
		}
		seen[e.name] = p
		entries = append(entries, e)
	}
	code, err := a.codeEntries()
	if err != nil {
		return nil, err
	}
	entries = append(entries, code...)
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

func modelFileEntry(p string) (packEntry, error) {
	if p == "" {
		return packEntry{}, errors.New("modeltar: pack: empty model file path")
	}
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return packEntry{}, fmt.Errorf("modeltar: pack: model file %s does not exist", p)
		}
		return packEntry{}, fmt.Errorf("modeltar: pack: model file: %w", err)
	}
	if fi.IsDir() {
		return packEntry{}, fmt.Errorf("modeltar: pack: model file %s is a directory (list the files in it)", p)
	}
	if !fi.Mode().IsRegular() {
		return packEntry{}, fmt.Errorf("modeltar: pack: model file %s is not a regular file (%s)", p, fi.Mode().Type())
	}
	return packEntry{name: filepath.Base(p), typ: tar.TypeReg, src: p, size: fi.Size()}, nil
}

// codeEntries lists code/ and everything under it.
func (a Spec) codeEntries() ([]packEntry, error) {
	if a.CodeDir == "" {
		if a.EntryPoint == "" {
			return nil, nil
		}
		fi, err := os.Stat(a.EntryPoint)
		if err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("modeltar: pack: entry point %s is not a file (and no CodeDir is set)", a.EntryPoint)
		}
		e := packEntry{name: codePrefix + filepath.Base(a.EntryPoint), typ: tar.TypeReg, src: a.EntryPoint, size: fi.Size()}
		return []packEntry{{name: codePrefix, typ: tar.TypeDir}, e}, nil
	}
	if err := checkEntryPoint(a.EntryPoint); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(a.CodeDir)
	if err != nil {
		return nil, fmt.Errorf("modeltar: pack: code dir: %w", err)
	}
	// Symlinks are judged against the real location of the tree, so a CodeDir that is
	// itself reached through a symlink works.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("modeltar: pack: code dir %s: %w", a.CodeDir, unwrapPathError(err))
	}
	if fi, err := os.Stat(realRoot); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("modeltar: pack: code dir %s is not a directory", a.CodeDir)
	}
	entries := []packEntry{{name: codePrefix, typ: tar.TypeDir}}
	foundEntry := false
	err = filepath.WalkDir(realRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == realRoot {
			return nil
		}
		rel, err := filepath.Rel(realRoot, p)
		if err != nil {
			return err
		}
		name := codePrefix + filepath.ToSlash(rel)
		e, err := codeEntry(realRoot, p, name, d)
		if err != nil {
			return err
		}
		if e.typ != tar.TypeDir && filepath.ToSlash(rel) == path.Clean(a.EntryPoint) {
			foundEntry = true
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("modeltar: pack: code dir %s: %w", a.CodeDir, unwrapPathError(err))
	}
	if !foundEntry {
		return nil, fmt.Errorf("modeltar: pack: entry point %s is not a file in code dir %s", a.EntryPoint, a.CodeDir)
	}
	return entries, nil
}

func codeEntry(root, p, name string, d fs.DirEntry) (packEntry, error) {
	switch t := d.Type(); {
	case t.IsDir():
		return packEntry{name: name + "/", typ: tar.TypeDir}, nil
	case t&fs.ModeSymlink != 0:
		return symlinkEntry(root, p, name)
	case t.IsRegular():
		fi, err := d.Info()
		if err != nil {
			return packEntry{}, err
		}
		return packEntry{name: name, typ: tar.TypeReg, src: p, size: fi.Size()}, nil
	default:
		return packEntry{}, fmt.Errorf("%s is a special file (%s), which a model archive cannot hold", p, t)
	}
}

// symlinkEntry keeps a symlink as a symlink (as Python's tarfile does) after checking
// that it, and every link it leads through, stays inside the code directory.
func symlinkEntry(root, p, name string) (packEntry, error) {
	target, err := os.Readlink(p)
	if err != nil {
		return packEntry{}, err
	}
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		return packEntry{}, fmt.Errorf("symlink %s -> %s is broken", p, target)
	}
	if !within(root, resolved) {
		return packEntry{}, fmt.Errorf("symlink %s -> %s leaves the code directory", p, target)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return packEntry{}, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return packEntry{}, fmt.Errorf("symlink %s -> %s points to a special file", p, target)
	}
	// Store the link relative to its own directory, so it resolves the same wherever the
	// archive is extracted.
	rel, err := filepath.Rel(filepath.Dir(p), resolved)
	if err != nil {
		return packEntry{}, err
	}
	return packEntry{name: name, typ: tar.TypeSymlink, link: filepath.ToSlash(rel)}, nil
}

func checkEntryPoint(ep string) error {
	switch {
	case ep == "":
		return errors.New("modeltar: pack: CodeDir is set but EntryPoint is empty")
	case filepath.IsAbs(ep) || strings.HasPrefix(ep, "/"):
		return fmt.Errorf("modeltar: pack: entry point %s must be relative to the code dir", ep)
	case hasDotDot(filepath.ToSlash(ep)):
		return fmt.Errorf("modeltar: pack: entry point %s must not contain \"..\"", ep)
	}
	return nil
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func hasDotDot(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
