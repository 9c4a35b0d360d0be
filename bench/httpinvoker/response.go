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

// Response parsing for h1 (RFC 9112). The rule is never to accept what net/http rejects:
// a load generator that reads a broken response as a success hides the failure it exists
// to count. Where h1 is stricter than net/http (obs-fold, whitespace before a colon,
// Transfer-Encoding on HTTP/1.0, header lines over 16 KiB) the response fails; the
// differential test in conformance_test.go lists each difference and why it is right.

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

// maxHeaderBytes bounds the status lines and header fields of one exchange, 1xx responses
// included (net/http's default limit is 10 MB; a model server's headers are a few hundred
// bytes).
const maxHeaderBytes = 1 << 20

// head is what the header fields of one response say about its framing.
type head struct {
	length       int64 // Content-Length, -1 if none
	lengthDigits int   // how it was spelled, to compare repeated fields as net/http does
	chunked      bool
	te           bool // a Transfer-Encoding field was seen
	close        bool // "close" among the Connection tokens
	keepAlive    bool // "keep-alive" among the Connection tokens
}

// readResponse reads one response from br into sink and reports its status and whether
// the connection may carry another request.
func readResponse(br *bufio.Reader, sink *bodySink) (status int, keepAlive bool, err error) {
	budget := maxHeaderBytes
	for first := true; ; first = false {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if first && len(line) == 0 && (err == io.EOF || errors.Is(err, syscall.ECONNRESET)) {
				return 0, false, fmt.Errorf("%w: %w", errNoResponse, err)
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, false, fmt.Errorf("status line longer than %d bytes", br.Size())
			}
			return 0, false, fmt.Errorf("reading the status line: %w", noEOF(err))
		}
		budget -= len(line)
		status, minor, err := parseStatusLine(line)
		if err != nil {
			return 0, false, err
		}
		h, err := readHead(br, minor, &budget)
		if err != nil {
			return status, false, err
		}
		if status == 101 {
			return status, false, errors.New("unexpected 101 Switching Protocols")
		}
		if status < 200 { // 100 Continue, 103 Early Hints: the real response follows
			continue
		}
		// HTTP/1.0 closes unless it says keep-alive; "close" always wins (RFC 9112 §9.3).
		keepAlive = !h.close && (minor != '0' || h.keepAlive)
		keep := sink.keepFor(status)
		switch {
		case status == 204 || status == 304:
		case h.chunked:
			// Both framings at once "ought to be handled as an error" (RFC 9112 §6.3).
			// net/http reads such a response by Transfer-Encoding, and so does h1 (the
			// result must not differ), but the connection is not trusted with another
			// request.
			keepAlive = keepAlive && h.length < 0
			err = readChunked(br, sink, keep)
		case h.length >= 0:
			err = take(br, h.length, sink, keep)
		default: // the body runs to the end of the connection
			keepAlive = false
			err = takeAll(br, sink, keep)
		}
		return status, keepAlive, err
	}
}

// parseStatusLine accepts "HTTP/1.x ddd[ reason]" with a decimal digit x and a three-digit
// code from 100 to 999, and returns the code and x. net/http also accepts other major
// versions, leading spaces before the code and codes below 100; none is HTTP/1.1.
func parseStatusLine(line []byte) (status int, minor byte, err error) {
	l := trimEOL(line)
	if len(l) < 12 || string(l[:7]) != "HTTP/1." || !isDigit(l[7]) || l[8] != ' ' ||
		l[9] < '1' || l[9] > '9' || !isDigit(l[10]) || !isDigit(l[11]) || (len(l) > 12 && l[12] != ' ') {
		return 0, 0, fmt.Errorf("malformed status line %.40q", line)
	}
	return int(l[9]-'0')*100 + int(l[10]-'0')*10 + int(l[11]-'0'), l[7], nil
}

// readHead reads the header fields up to the empty line. minor is the HTTP/1 minor version.
func readHead(br *bufio.Reader, minor byte, budget *int) (head, error) {
	h := head{length: -1}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return h, fmt.Errorf("response header line longer than %d bytes", br.Size())
			}
			return h, fmt.Errorf("reading the response header: %w", noEOF(err))
		}
		if *budget -= len(line); *budget < 0 {
			return h, fmt.Errorf("response header over %d bytes", maxHeaderBytes)
		}
		name, value, err := parseField(line)
		if err != nil || name == nil {
			return h, err
		}
		switch {
		case equalFold(name, "content-length"):
			n, digits, err := parseLength(value)
			if err != nil {
				return h, err
			}
			if h.length >= 0 && (n != h.length || digits != h.lengthDigits) {
				// Which one frames the body? Either guess puts the rest of this body, or
				// the start of the next response, on the wrong request (RFC 9112 §6.3).
				return h, fmt.Errorf("two different Content-Length fields (%d, then %q)", h.length, value)
			}
			h.length, h.lengthDigits = n, digits
		case equalFold(name, "transfer-encoding"):
			switch {
			case minor == '0':
				return h, fmt.Errorf("Transfer-Encoding %.20q in an HTTP/1.0 response", value)
			case h.te:
				return h, errors.New("more than one Transfer-Encoding field")
			case !equalFold(value, "chunked"):
				return h, fmt.Errorf("unsupported Transfer-Encoding %.20q", value)
			}
			h.te, h.chunked = true, true
		case equalFold(name, "connection"):
			for len(value) > 0 {
				tok := value
				if i := bytes.IndexByte(value, ','); i >= 0 {
					tok, value = value[:i], value[i+1:]
				} else {
					value = nil
				}
				tok = trimOWS(tok)
				h.close = h.close || equalFold(tok, "close")
				h.keepAlive = h.keepAlive || equalFold(tok, "keep-alive")
			}
		}
	}
}

// parseField splits a header (or trailer) line into name and value, both trimmed, with the
// checks of net/textproto: a token name right before the colon, no control bytes but HTAB
// in the value. A nil name with a nil error is the empty line that ends the fields.
func parseField(line []byte) (name, value []byte, err error) {
	l := trimEOL(line)
	if len(l) == 0 {
		return nil, nil, nil
	}
	if l[0] == ' ' || l[0] == '\t' {
		// obs-fold: deprecated (RFC 9112 §5.2) and never sent by a model server.
		return nil, nil, fmt.Errorf("folded header line %.40q", line)
	}
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return nil, nil, fmt.Errorf("malformed header line %.40q", line)
	}
	for _, c := range l[:i] {
		if !isTokenByte(c) {
			return nil, nil, fmt.Errorf("malformed header name in %.40q", line)
		}
	}
	for _, c := range l[i+1:] {
		if c < ' ' && c != '\t' || c == 0x7f {
			return nil, nil, fmt.Errorf("control character in header line %.40q", line)
		}
	}
	return l[:i], trimOWS(l[i+1:]), nil
}

// parseLength parses a Content-Length value and says how many digits spelled it.
func parseLength(b []byte) (n int64, digits int, err error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, 0, fmt.Errorf("malformed Content-Length %.20q", b)
	}
	for _, d := range b {
		if !isDigit(d) {
			return 0, 0, fmt.Errorf("malformed Content-Length %.20q", b)
		}
		n = n*10 + int64(d-'0')
	}
	return n, len(b), nil
}

// trimEOL removes the line's "\n" and a "\r" right before it, as bufio.Reader.ReadLine does.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n > 1 && b[n-2] == '\r' {
			b = b[:n-2]
		}
	}
	return b
}

// trimOWS removes optional whitespace (SP, HTAB) at both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isTokenByte reports whether c may appear in a field name (RFC 9110 tchar).
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c):
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
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
