// Package loopserver is a deliberately minimal HTTP/1.1 server for measuring load
// generators: it answers every request with one canned response and does almost no work
// (no allocation, no routing, no header map per request), so that on a shared machine the
// load generator, not the server, is what limits the request rate.
//
// It understands exactly what the load generators send: requests with a Content-Length
// body (or none) on keep-alive connections, possibly pipelined. A chunked request body is
// refused with 411 and the connection closed. GET /__served answers the number of requests
// served so far, for cross-checking what a load generator reports.
package loopserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// Server is a running loopserver.
type Server struct {
	ln     net.Listener
	resp   []byte
	served atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start listens on addr (e.g. "127.0.0.1:0") and answers every request with status 200,
// the given content type and body.
func Start(addr, contentType string, body []byte) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("loopserver: %w", err)
	}
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(body))
	s := &Server{ln: ln, resp: append([]byte(head), body...), conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:40123".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Served returns the number of requests answered so far.
func (s *Server) Served() int64 { return s.served.Load() }

// Close stops accepting, closes every connection and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

var (
	errChunked = errors.New("chunked request body")
	lengthRsp  = []byte("HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	statsPath  = []byte("GET /__served ")
)

func (s *Server) serve(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
		s.wg.Done()
	}()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(line) <= 2 { // a stray CRLF between requests is allowed
			continue
		}
		stats := hasPrefix(line, statsPath)
		length, closeAfter, err := readHeader(br)
		if errors.Is(err, errChunked) {
			c.Write(lengthRsp)
			return
		}
		if err != nil {
			return
		}
		if _, err := br.Discard(int(length)); err != nil {
			return
		}
		if stats {
			n := strconv.FormatInt(s.served.Load(), 10)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(n), n)
		} else {
			s.served.Add(1)
			if _, err := c.Write(s.resp); err != nil {
				return
			}
		}
		if closeAfter {
			return
		}
	}
}

// readHeader reads header lines up to the blank line and returns the body length and
// whether the client asked to close the connection.
func readHeader(br *bufio.Reader) (length int64, closeAfter bool, err error) {
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		switch {
		case len(h) <= 2:
			return length, closeAfter, nil
		case hasFoldPrefix(h, "content-length:"):
			length, err = parseLength(h[len("content-length:"):])
			if err != nil {
				return 0, false, err
			}
		case hasFoldPrefix(h, "transfer-encoding:"):
			return 0, false, errChunked
		case hasFoldPrefix(h, "connection:"):
			closeAfter = hasFoldPrefix(trimSpace(h[len("connection:"):]), "close")
		}
	}
}

func parseLength(b []byte) (int64, error) {
	b = trimSpace(b)
	if len(b) == 0 || len(b) > 12 {
		return 0, errors.New("bad content-length")
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, errors.New("bad content-length")
		}
		n = n*10 + int64(d-'0')
	}
	return n, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == '\r' || b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

func hasPrefix(b, p []byte) bool { return len(b) >= len(p) && string(b[:len(p)]) == string(p) }

// hasFoldPrefix reports whether b starts with the lower-case ASCII prefix p, ignoring case.
func hasFoldPrefix(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b[i]|0x20 != p[i] && b[i] != p[i] {
			return false
		}
	}
	return true
}
