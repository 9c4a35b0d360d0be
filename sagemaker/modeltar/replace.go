package modeltar

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReplaceCode copies the model archive read from r to w with its code/ directory replaced
// by code's CodeDir and EntryPoint (code.ModelFiles must be empty). It is what the Python
// SDK does at deploy time when given an entry point and an existing model.tar.gz.
//
// Entries other than code/ keep their order and content; their headers are normalized as
// Pack's are (fixed time, owner and modes), and the new code/ entries follow
// them, sorted. So the same inputs give the same bytes. The existing archive is validated
// entry by entry with DefaultReadLimits, as Inspect does; the new code is
// validated before anything is written.
func ReplaceCode(w io.Writer, r io.Reader, code Spec) (Stats, error) {
	if len(code.ModelFiles) > 0 {
		return Stats{}, errors.New("modeltar: replace code: ModelFiles must be empty (the model comes from the existing archive)")
	}
	if code.CodeDir == "" && code.EntryPoint == "" {
		return Stats{}, errors.New("modeltar: replace code: no CodeDir or EntryPoint given")
	}
	newCode, err := code.codeEntries()
	if err != nil {
		return Stats{}, err
	}
	sc, err := newScanner(r, DefaultReadLimits)
	if err != nil {
		return Stats{}, err
	}
	sc.added = map[string]bool{}
	for _, e := range newCode {
		if e.typ == tar.TypeSymlink {
			sc.added[e.name] = true
		}
	}
	cw := &countingWriter{w: w}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	if err != nil {
		return Stats{}, fmt.Errorf("modeltar: replace code: %w", err)
	}
	tw := tar.NewWriter(zw)
	var st Stats
	dropped := map[string]bool{}
	for {
		e, h, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Stats{}, err
		}
		if e.Name == "code" || strings.HasPrefix(e.Name, codePrefix) {
			dropped[e.Name] = true
			if _, err := sc.skip(); err != nil {
				return Stats{}, err
			}
			continue
		}
		if e.Kind == KindHardlink && dropped[e.Linkname] {
			return Stats{}, fmt.Errorf("modeltar: replace code: %s is a hard link to %s, which is being replaced", e.Name, e.Linkname)
		}
		if err := copyEntry(tw, sc, e, h.Size, &st); err != nil {
			return Stats{}, err
		}
	}
	for _, e := range newCode {
		if err := e.write(tw); err != nil {
			return Stats{}, err
		}
		if e.typ == tar.TypeReg {
			st.addFile(e.name, e.size)
		}
	}
	if err := tw.Close(); err != nil {
		return Stats{}, fmt.Errorf("modeltar: replace code: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Stats{}, fmt.Errorf("modeltar: replace code: %w", err)
	}
	st.CompressedBytes = cw.n
	return st, nil
}

// copyEntry writes the scanner's current entry to tw with a normalized header.
func copyEntry(tw *tar.Writer, sc *scanner, e Entry, size int64, st *Stats) error {
	h := &tar.Header{Name: e.Name, ModTime: archiveTime, Mode: 0o644}
	switch e.Kind {
	case KindDir:
		h.Typeflag, h.Name, h.Mode = tar.TypeDir, e.Name+"/", 0o755
	case KindSymlink:
		h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, e.Linkname, 0o777
	case KindHardlink:
		h.Typeflag, h.Linkname = tar.TypeLink, e.Linkname
	case KindFile:
		h.Typeflag, h.Size = tar.TypeReg, size
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("modeltar: replace code: %s: %w", e.Name, err)
	}
	if e.Kind != KindFile {
		return nil
	}
	// tar.Writer refuses a body longer than the header said; a shorter one fails at the
	// next header or Close, so a truncated source cannot produce a corrupt archive.
	n, err := sc.copyTo(tw)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("modeltar: replace code: %s: read %d bytes, header says %d", e.Name, n, size)
	}
	st.addFile(e.Name, n)
	return nil
}
