package httpinvoker_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// serveRaw accepts connections on a loopback port until the test ends and hands each to
// serve on a goroutine of its own, closing it when serve returns. It returns the base URL.
// The tests of framing and failure write their answers byte by byte, which net/http's
// server would not let them get wrong.
func serveRaw(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				serve(c)
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// eachRequest is a serve function for serveRaw: it reads the connection's requests one
// after another and hands each to answer, which writes the response; the connection is
// closed when answer returns false.
func eachRequest(answer func(c net.Conn, req *http.Request) (keepOpen bool)) func(net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil || !answer(c, req) {
				return
			}
		}
	}
}

// rawServer answers each connection's first request, read whole, with the given bytes,
// then closes the connection.
func rawServer(t testing.TB, response string) string {
	t.Helper()
	return serveRaw(t, eachRequest(func(c net.Conn, req *http.Request) bool {
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, response)
		return false
	}))
}

// earlyAnswerServer answers each request as soon as its head has arrived, without
// reading its body, then closes the connection: as a server that refuses a large body does.
func earlyAnswerServer(t testing.TB, response string) string {
	t.Helper()
	return serveRaw(t, eachRequest(func(c net.Conn, _ *http.Request) bool {
		io.WriteString(c, response)
		return false
	}))
}

// scripted is a raw keep-alive HTTP/1.1 server: it serves any number of requests per
// connection, answering request n (counted across connections, from 1) as answer(n) says,
// and closes the connection after the answer only if hangUp is set. An empty response
// closes the connection without answering, after reading the whole request.
type scripted struct {
	url   string
	conns atomic.Int64
	reqs  atomic.Int64
}

func scriptedServer(t testing.TB, answer func(n int64) (response string, hangUp bool)) *scripted {
	t.Helper()
	s := &scripted{}
	respond := eachRequest(func(c net.Conn, req *http.Request) bool {
		io.Copy(io.Discard, req.Body)
		rsp, hangUp := answer(s.reqs.Add(1))
		_, err := io.WriteString(c, rsp)
		return err == nil && !hangUp && rsp != ""
	})
	s.url = serveRaw(t, func(c net.Conn) {
		s.conns.Add(1)
		respond(c)
	})
	return s
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
