package httpinvoker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"syscall"
)

// bodySink is where h1 puts a response body: the whole body when all is set (for a check),
// else only the first maxErrorBody bytes of an error response (for its message). A 2xx
// body without a check is discarded without being copied anywhere.
type bodySink struct {
	buf *bytes.Buffer
	all bool
}

func (s *bodySink) reset() {
	if s.buf != nil {
		s.buf.Reset()
	}
}

// keepFor says how many bytes of a body with this status to keep.
func (s *bodySink) keepFor(status int) int64 {
	switch {
	case s.all:
		return math.MaxInt64
	case status < 200 || status > 299:
		if s.buf == nil {
			s.buf = new(bytes.Buffer)
		}
		return maxErrorBody
	}
	return 0
}

// errNoResponse is a connection that ended before the first byte of a response.
var errNoResponse = errors.New("connection closed before the response")

// readResponse reads one response from br into sink and reports its status and whether
// the connection may carry another request.
func readResponse(br *bufio.Reader, sink *bodySink) (status int, keepAlive bool, err error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if len(line) == 0 && (err == io.EOF || errors.Is(err, syscall.ECONNRESET)) {
				return 0, false, fmt.Errorf("%w: %w", errNoResponse, err)
			}
			return 0, false, fmt.Errorf("reading the status line: %w", err)
		}
		// "HTTP/1.1 200 OK\r\n"
		if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
			return 0, false, fmt.Errorf("malformed status line %.40q", line)
		}
		status = int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
		if status < 100 || status > 999 || line[10] > '9' || line[11] > '9' {
			return 0, false, fmt.Errorf("malformed status line %.40q", line)
		}
		keepAlive = line[7] == '1' // HTTP/1.0 closes unless it says keep-alive
		length, chunked := int64(-1), false
		for {
			h, err := br.ReadSlice('\n')
			if err != nil {
				if errors.Is(err, bufio.ErrBufferFull) {
					return status, false, fmt.Errorf("response header line longer than %d bytes", br.Size())
				}
				return status, false, fmt.Errorf("reading the response header: %w", err)
			}
			h = trimSpace(h)
			if len(h) == 0 {
				break
			}
			switch {
			case hasFoldPrefix(h, "content-length:"):
				if length, err = parseLength(h[len("content-length:"):]); err != nil {
					return status, false, err
				}
			case hasFoldPrefix(h, "transfer-encoding:"):
				v := trimSpace(h[len("transfer-encoding:"):])
				if !equalFold(v, "chunked") {
					return status, false, fmt.Errorf("unsupported Transfer-Encoding %q", v)
				}
				chunked = true
			case hasFoldPrefix(h, "connection:"):
				switch v := trimSpace(h[len("connection:"):]); {
				case equalFold(v, "close"):
					keepAlive = false
				case equalFold(v, "keep-alive"):
					keepAlive = true
				}
			}
		}
		if status == 101 {
			return status, false, errors.New("unexpected 101 Switching Protocols")
		}
		if status < 200 { // 100 Continue, 103 Early Hints: the real response follows
			continue
		}
		keep := sink.keepFor(status)
		switch {
		case status == 204 || status == 304:
		case chunked:
			err = readChunked(br, sink, keep)
		case length >= 0:
			err = take(br, length, sink, keep)
		default: // the body runs to the end of the connection
			keepAlive = false
			err = takeAll(br, sink, keep)
		}
		return status, keepAlive, err
	}
}

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

func takeAll(br *bufio.Reader, sink *bodySink, keep int64) error {
	var err error
	if sink.buf != nil && keep > 0 {
		_, err = io.CopyN(sink.buf, br, keep)
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

func readChunked(br *bufio.Reader, sink *bodySink, keep int64) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading a chunk size: %w", noEOF(err))
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			for { // trailers, up to the empty line
				t, err := br.ReadSlice('\n')
				if err != nil {
					return fmt.Errorf("reading the trailer: %w", noEOF(err))
				}
				if len(trimSpace(t)) == 0 {
					return nil
				}
			}
		}
		if err := take(br, size, sink, keep); err != nil {
			return err
		}
		if crlf, err := br.ReadSlice('\n'); err != nil || len(trimSpace(crlf)) != 0 {
			return fmt.Errorf("malformed chunk end %.20q: %v", crlf, noEOF(err))
		}
	}
}

func parseChunkSize(line []byte) (int64, error) {
	var n int64
	digits := 0
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			if digits == 0 || (c != ';' && c != '\r' && c != '\n' && c != ' ') {
				return 0, fmt.Errorf("malformed chunk size %.20q", line)
			}
			return n, nil
		}
		if digits++; digits > 15 {
			return 0, fmt.Errorf("chunk size %.20q too large", line)
		}
		n = n<<4 | int64(d)
	}
	return 0, fmt.Errorf("malformed chunk size %.20q", line)
}

func parseLength(b []byte) (int64, error) {
	b = trimSpace(b)
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("malformed Content-Length %.20q", b)
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("malformed Content-Length %.20q", b)
		}
		n = n*10 + int64(d-'0')
	}
	return n, nil
}

// noEOF turns an EOF in the middle of a response into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == '\r' || b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// hasFoldPrefix reports whether b starts with p, a lower-case ASCII string, ignoring case.
func hasFoldPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && equalFold(b[:len(p)], p)
}

// equalFold reports whether b equals s, a lower-case ASCII string, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
