//go:build unix

package httpinvoker

import (
	"errors"
	"syscall"
)

// initProbe prepares c.probe, for TCP (and other fd-backed) connections.
func (c *h1conn) initProbe() {
	if sc, ok := c.nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
			c.probeFn = c.peek
		}
	}
}

// probe looks at the socket without blocking and without consuming anything: a
// non-blocking MSG_PEEK of one byte. An idle keep-alive connection has nothing to read;
// EOF or an error means the server closed it, a byte means the server sent something no
// request asked for. Either way the connection must not carry a request.
func (c *h1conn) probe() probeResult {
	if c.rc == nil {
		return probeUnknown
	}
	if c.br.Buffered() > 0 {
		return probeData
	}
	c.probeN, c.probeErr = 0, nil
	if err := c.rc.Read(c.probeFn); err != nil {
		// The runtime would not even try (a deadline already passed, an interrupted
		// request): let the request itself find out and report it.
		return probeUnknown
	}
	switch err := c.probeErr; {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		return probeIdle
	case err != nil, c.probeN == 0:
		return probeGone
	}
	return probeData
}

// peek is c.probeFn; it runs inside RawConn.Read with the socket's file descriptor.
func (c *h1conn) peek(fd uintptr) bool {
	c.probeN, _, c.probeErr = syscall.Recvfrom(int(fd), c.probeBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return true // never wait for readability: the answer is needed now
}
