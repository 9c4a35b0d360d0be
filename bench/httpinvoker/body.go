package httpinvoker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Response bodies for h1: Content-Length, chunked (RFC 9112 §7.1) and close-delimited.

// maxCheckBody bounds a body held in memory for a check: a wrong Content-Length must fail
// the request, not exhaust memory.
const maxCheckBody = 256 << 20

// take reads n body bytes, keeping up to keep of them (counting what sink holds already).
func take(br *bufio.Reader, n int64, sink *bodySink, keep int64) error {
	if sink.buf != nil && keep > maxCheckBody && int64(sink.buf.Len())+n > maxCheckBody {
		return fmt.Errorf("response body over %d MiB: too large to hand to a check", maxCheckBody>>20)
	}
	if sink.buf != nil {
		if k := min(n, keep-int64(sink.buf.Len())); k > 0 {
			sink.buf.Grow(int(k))
			b := sink.buf.AvailableBuffer()[:k]
			if _, err := io.ReadFull(br, b); err != nil {
				return fmt.Errorf("reading the response body: %w", noEOF(err))
			}
			sink.buf.Write(b)
			n -= k
		}
	}
	if n > 0 {
		if _, err := br.Discard(int(n)); err != nil {
			return fmt.Errorf("reading the response body: %w", noEOF(err))
		}
	}
	return nil
}

// takeAll reads a body that ends with the connection.
func takeAll(br *bufio.Reader, sink *bodySink, keep int64) error {
	var err error
	if sink.buf != nil && keep > 0 {
		limit := min(keep, maxCheckBody+1)
		var n int64
		n, err = io.CopyN(sink.buf, br, limit)
		if err == nil && n > maxCheckBody {
			return fmt.Errorf("response body over %d MiB: too large to hand to a check", maxCheckBody>>20)
		}
	}
	if err == nil {
		_, err = io.Copy(io.Discard, br)
	}
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("reading the response body: %w", err)
	}
	return nil
}

// Limits that net/http's chunked reader applies, so that h1 never accepts what it rejects:
// a chunk-size line shorter than maxChunkLine, a trailer that fits its 4 KiB read buffer,
// and no more than maxChunkOverhead bytes of framing beyond what the data justifies.
const (
	maxChunkLine     = 4096
	maxTrailer       = 4000
	maxChunkOverhead = 16 << 10
)

func readChunked(br *bufio.Reader, sink *bodySink, keep int64) error {
	var excess int64
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errors.New("chunk size line too long")
			}
			return fmt.Errorf("reading a chunk size: %w", noEOF(err))
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		// Many tiny chunks make the client parse far more framing than data; net/http
		// rejects the stream past 16 KiB of such excess, and so must h1.
		excess += int64(len(line)) - 16 - 2*size
		if excess = max(excess, 0); excess > maxChunkOverhead {
			return errors.New("chunked encoding contains too much non-data")
		}
		if size == 0 {
			return readTrailer(br)
		}
		if err := take(br, size, sink, keep); err != nil {
			return err
		}
		crlf, err := br.Peek(2)
		if err != nil && len(crlf) < 2 {
			return fmt.Errorf("reading a chunk end: %w", noEOF(err))
		}
		if crlf[0] != '\r' || crlf[1] != '\n' {
			return fmt.Errorf("malformed chunk end %.20q", crlf)
		}
		br.Discard(2)
	}
}

// parseChunkSize parses "hex[ OWS][;extensions]\r\n". The line must end in CRLF with no
// other CR; whitespace may follow the size only if no extension does (net/http's rules).
func parseChunkSize(line []byte) (int64, error) {
	n := len(line)
	if n < 2 || line[n-2] != '\r' || n >= maxChunkLine+2 {
		return 0, fmt.Errorf("malformed chunk size line %.20q", line)
	}
	l := line[:n-2]
	var size int64
	i := 0
	for ; i < len(l); i++ {
		c := l[i]
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto rest
		}
		if i == 15 {
			return 0, fmt.Errorf("chunk size %.20q too large", line)
		}
		size = size<<4 | int64(d)
	}
rest:
	if i == 0 {
		return 0, fmt.Errorf("malformed chunk size %.20q", line)
	}
	switch r := l[i:]; {
	case len(r) > 0 && r[0] == ';':
		if hasCR(r) {
			return 0, fmt.Errorf("malformed chunk extension %.20q", line)
		}
	case len(trimOWS(r)) != 0:
		return 0, fmt.Errorf("malformed chunk size %.20q", line)
	}
	return size, nil
}

func hasCR(b []byte) bool {
	for _, c := range b {
		if c == '\r' {
			return true
		}
	}
	return false
}

// readTrailer reads the trailer fields after the last chunk, up to the empty line. Every
// line must end in CRLF and the whole trailer must fit in maxTrailer bytes: net/http
// looks for the closing CRLF CRLF within its 4 KiB buffer before parsing a trailer.
func readTrailer(br *bufio.Reader) error {
	for total := 0; ; {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errors.New("trailer too long")
			}
			return fmt.Errorf("reading the trailer: %w", noEOF(err))
		}
		if total += len(line); total > maxTrailer {
			return errors.New("trailer too long")
		}
		if len(line) < 2 || line[len(line)-2] != '\r' {
			return fmt.Errorf("trailer line %.20q does not end in CRLF", line)
		}
		name, _, err := parseField(line)
		if err != nil {
			return fmt.Errorf("trailer: %w", err)
		}
		if name == nil {
			return nil
		}
	}
}

// noEOF turns an EOF in the middle of a response into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
