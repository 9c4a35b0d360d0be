package payload

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Option changes how FromFile and FromDir build payloads.
type Option func(*options)

type options struct {
	contentType string
}

// WithContentType sends every payload with ct instead of the sniffed type, for containers
// that expect e.g. "image/jpeg" or "text/csv". The body is still validated. An empty ct
// keeps the sniffed type.
func WithContentType(ct string) Option {
	return func(o *options) { o.contentType = ct }
}

// FromFile reads one payload from path. Its name is the file's base name and its content
// type is sniffed from the bytes (see DetectContentType) unless WithContentType is given.
//
// The size is checked before the file is read, so pointing it at a multi-gigabyte file fails
// at once with ErrTooLarge. The result is validated (see Validate).
func FromFile(path string, opts ...Option) (Payload, error) {
	o := buildOptions(opts)
	f, err := os.Open(path)
	if err != nil {
		return Payload{}, fmt.Errorf("payload: open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Payload{}, fmt.Errorf("payload: stat %s: %w", path, err)
	}
	if info.IsDir() {
		return Payload{}, fmt.Errorf("payload: %s is a directory (use FromDir for a corpus)", path)
	}
	if info.Size() > MaxBytes {
		return Payload{}, tooLarge(path, info.Size())
	}
	// The limit guards a file that grows between Stat and the read: at most one byte past
	// MaxBytes is read, enough for Validate to refuse it.
	body, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return Payload{}, fmt.Errorf("payload: read %s: %w", path, err)
	}
	p := Payload{Name: filepath.Base(path), ContentType: o.contentType, Body: body}
	if p.ContentType == "" {
		p.ContentType = DetectContentType(body)
	}
	if err := Validate(p); err != nil {
		return Payload{}, fmt.Errorf("%w (file %s)", err, path)
	}
	return p, nil
}

// FromDir reads every regular, non-hidden file in dir (not its subdirectories) as a payload,
// sorted by name. A file that fails FromFile fails the whole corpus, so a benchmark never
// silently runs on fewer inputs than intended. A directory with no usable file is an error.
func FromDir(dir string, opts ...Option) ([]Payload, error) {
	entries, err := os.ReadDir(dir) // sorted by file name
	if err != nil {
		return nil, fmt.Errorf("payload: read dir %s: %w", dir, err)
	}
	var out []Payload
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() {
			// A symlink counts if it leads to a regular file; sockets, pipes and devices never.
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
		}
		p, err := FromFile(path, opts...)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("payload: no payload files in %s (hidden files and subdirectories are skipped)", dir)
	}
	return out, nil
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
