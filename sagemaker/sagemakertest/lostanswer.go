package sagemakertest

import (
	"net"
	"net/http"
)

// LoseAnswer makes the next n calls of operation (a SageMaker API name such as
// "CreateEndpoint") take effect and then lose their answer: the server does
// the work, then resets the connection instead of responding. The client sees
// a transport error for a request that succeeded, as when a network path drops
// between a service and its caller; the SDK's retryer then sends the call
// again, and a create gets "already exists". Calls are counted by
// [Server.Calls] as usual.
func (s *Server) LoseAnswer(operation string, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[operation] += n
}

// takeLostAnswer consumes one lost answer of op, if any.
func (s *Server) takeLostAnswer(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lose[op] == 0 {
		return false
	}
	if s.lose[op]--; s.lose[op] == 0 {
		delete(s.lose, op)
	}
	return true
}

// dropConnection resets the connection under w without writing anything: a
// zero linger makes Close send RST, so the client reads "connection reset".
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): the best left is an aborted handler.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
