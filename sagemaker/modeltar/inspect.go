package modeltar

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// EntryKind is the type of an archive entry that Inspect accepts.
type EntryKind string

// The entry kinds a model archive may hold. Devices, FIFOs and other special files are
// refused.
const (
	KindFile     EntryKind = "file"
	KindDir      EntryKind = "dir"
	KindSymlink  EntryKind = "symlink"
	KindHardlink EntryKind = "hardlink"
)

// Entry is one validated member of a model archive.
type Entry struct {
	Name     string // cleaned, relative, slash-separated, without a trailing slash
	Kind     EntryKind
	Size     int64  // content bytes of a file
	Linkname string // target of a symlink (relative to Name's directory) or a hard link
}

// Listing is the validated table of contents of a model archive.
type Listing struct {
	Entries []Entry
	Stats   Stats
}

// ModelFiles returns the names of the files at the archive root, where the containers
// look for the model.
func (l *Listing) ModelFiles() []string {
	var out []string
	for _, e := range l.Entries {
		if e.Kind != KindDir && !strings.Contains(e.Name, "/") {
			out = append(out, e.Name)
		}
	}
	return out
}

// Has reports whether the archive holds an entry with this name.
func (l *Listing) Has(name string) bool {
	name = strings.TrimSuffix(name, "/")
	for _, e := range l.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// ReadLimits bound what an archive may expand to, so that a hostile or corrupt archive
// (a gzip bomb, millions of entries) fails fast instead of running for hours. Content is
// streamed, never held, so memory stays bounded whatever the limits.
type ReadLimits struct {
	MaxEntries   int   // entries of any kind
	MaxEntrySize int64 // content bytes of one file
	MaxTotalSize int64 // content bytes of all files
}

// DefaultReadLimits are generous for real models (a 70B-parameter model in fp16 is about
// 140 GB) and still stop a bomb.
var DefaultReadLimits = ReadLimits{
	MaxEntries:   100_000,
	MaxEntrySize: 256 << 30,
	MaxTotalSize: 512 << 30,
}

// Inspect reads a gzipped tar from r with DefaultReadLimits, validates every
// entry and returns the listing. It refuses absolute names, ".." elements, symlinks or
// hard links that point outside the archive, entries that go through a symlink, and
// special files, naming the offending entry.
func Inspect(r io.Reader) (*Listing, error) {
	return DefaultReadLimits.Inspect(r)
}

// Inspect is the package function Inspect with these limits.
func (lim ReadLimits) Inspect(r io.Reader) (*Listing, error) {
	sc, err := newScanner(r, lim)
	if err != nil {
		return nil, err
	}
	l := &Listing{}
	for {
		e, _, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		n, err := sc.skip()
		if err != nil {
			return nil, err
		}
		e.Size = n
		if e.Kind == KindFile {
			l.Stats.addFile(e.Name, n)
		}
		l.Entries = append(l.Entries, e)
	}
	l.Stats.CompressedBytes = sc.compressed.n
	return l, nil
}

// scanner walks a model archive, validating each entry as it goes.
type scanner struct {
	lim        ReadLimits
	compressed *countingReader
	tr         *tar.Reader
	entries    int
	total      int64
	files      map[string]bool // regular files seen, for hard link targets
	symlinks   map[string]bool
	links      []Entry // the symlinks, checked against each other at the end
	// added are symlinks the archive being written gets besides those read (ReplaceCode's
	// new code): a symlink read must not step back out of them either.
	added map[string]bool
}

func newScanner(r io.Reader, lim ReadLimits) (*scanner, error) {
	if lim.MaxEntries <= 0 || lim.MaxEntrySize <= 0 || lim.MaxTotalSize <= 0 {
		return nil, fmt.Errorf("modeltar: inspect: limits must be positive, got %+v", lim)
	}
	cr := &countingReader{r: r}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return nil, fmt.Errorf("modeltar: inspect: not a gzip stream: %w", err)
	}
	return &scanner{
		lim:        lim,
		compressed: cr,
		tr:         tar.NewReader(zr),
		files:      map[string]bool{},
		symlinks:   map[string]bool{},
	}, nil
}

// next returns the next validated entry and its raw header; io.EOF at the end.
func (s *scanner) next() (Entry, *tar.Header, error) {
	for {
		h, err := s.tr.Next()
		if err == io.EOF {
			if err := s.checkLinks(); err != nil {
				return Entry{}, nil, err
			}
			return Entry{}, nil, io.EOF
		}
		if err != nil {
			return Entry{}, nil, fmt.Errorf("modeltar: inspect: %w", err)
		}
		s.entries++
		if s.entries > s.lim.MaxEntries {
			return Entry{}, nil, fmt.Errorf("modeltar: inspect: more than %d entries", s.lim.MaxEntries)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue // metadata for the whole archive (e.g. git archive's commit id)
		}
		e, skip, err := s.validate(h)
		if err != nil {
			return Entry{}, nil, fmt.Errorf("modeltar: inspect: entry %q: %w", h.Name, err)
		}
		if skip {
			continue
		}
		return e, h, nil
	}
}

func (s *scanner) validate(h *tar.Header) (e Entry, skip bool, err error) {
	name, err := cleanName(h.Name)
	if err != nil {
		return Entry{}, false, err
	}
	if name == "." {
		return Entry{}, true, nil // "./", as written by tar -C dir -czf x.tar.gz .
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if s.symlinks[dir] {
			return Entry{}, false, fmt.Errorf("goes through symlink %q", dir)
		}
	}
	e = Entry{Name: name}
	switch h.Typeflag {
	case tar.TypeReg:
		e.Kind = KindFile
		if h.Size > s.lim.MaxEntrySize {
			return Entry{}, false, fmt.Errorf("size %d exceeds the limit of %d bytes", h.Size, s.lim.MaxEntrySize)
		}
		s.files[name] = true
	case tar.TypeDir:
		e.Kind = KindDir
	case tar.TypeSymlink:
		e.Kind, e.Linkname = KindSymlink, h.Linkname
		if h.Linkname == "" || strings.HasPrefix(h.Linkname, "/") || strings.ContainsAny(h.Linkname, "\\\x00") {
			return Entry{}, false, fmt.Errorf("symlink target %q must be relative", h.Linkname)
		}
		if t := path.Join(path.Dir(name), h.Linkname); t == ".." || strings.HasPrefix(t, "../") {
			return Entry{}, false, fmt.Errorf("symlink target %q leaves the archive", h.Linkname)
		}
		s.symlinks[name] = true
		s.links = append(s.links, e)
	case tar.TypeLink:
		e.Kind = KindHardlink
		target, err := cleanName(h.Linkname)
		if err != nil {
			return Entry{}, false, fmt.Errorf("hard link target: %w", err)
		}
		if !s.files[target] {
			return Entry{}, false, fmt.Errorf("hard link target %q is not an earlier file in the archive", h.Linkname)
		}
		e.Linkname = target
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return Entry{}, false, errors.New("is a special file (device or FIFO)")
	default:
		return Entry{}, false, fmt.Errorf("has unsupported type %q", h.Typeflag)
	}
	return e, false, nil
}

// checkLinks refuses a symlink whose target steps back ("..") from inside another
// symlink of the archive, wherever in the archive that one is: the check in validate
// joins the target to the link's directory as text, but once extracted, ".." goes back
// from where the other symlink points, which may be outside the archive (a/b/d -> ../..
// and a/b/e -> d/../x make a/b/e the file x next to the archive's directory).
func (s *scanner) checkLinks() error {
	for _, l := range s.links {
		var at []string // the components walked so far, from the archive's root
		if d := path.Dir(l.Name); d != "." {
			at = strings.Split(d, "/")
		}
		for _, c := range strings.Split(l.Linkname, "/") {
			switch c {
			case "", ".":
				continue
			case "..":
				for i := range at {
					if p := strings.Join(at[:i+1], "/"); s.symlinks[p] || s.added[p] {
						return fmt.Errorf("modeltar: inspect: entry %q: symlink target %q steps back out of symlink %q", l.Name, l.Linkname, p)
					}
				}
				if len(at) > 0 {
					at = at[:len(at)-1]
				}
			default:
				at = append(at, c)
			}
		}
	}
	return nil
}

// skip reads the current entry's content to the end, enforcing the size limits, and
// returns its length.
func (s *scanner) skip() (int64, error) {
	return s.copyTo(io.Discard)
}

func (s *scanner) copyTo(w io.Writer) (int64, error) {
	budget := min(s.lim.MaxEntrySize, s.lim.MaxTotalSize-s.total)
	n, err := io.Copy(w, io.LimitReader(s.tr, budget+1))
	s.total += n
	if err != nil {
		return n, fmt.Errorf("modeltar: inspect: %w", err)
	}
	if n > budget {
		return n, fmt.Errorf("modeltar: inspect: content exceeds the limits (%d bytes per entry, %d in all)", s.lim.MaxEntrySize, s.lim.MaxTotalSize)
	}
	return n, nil
}

// cleanName validates an archive member name and returns it cleaned.
func cleanName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("empty name")
	case strings.HasPrefix(name, "/"):
		return "", errors.New("absolute name")
	case strings.ContainsAny(name, "\\\x00"):
		return "", errors.New("name contains a backslash or NUL")
	case len(name) >= 2 && name[1] == ':':
		return "", errors.New("name has a drive letter")
	case hasDotDot(name):
		return "", errors.New(`name contains ".."`)
	}
	return path.Clean(name), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
