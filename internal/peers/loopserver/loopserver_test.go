package loopserver_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/internal/peers/loopserver"
)

func start(t *testing.T) *loopserver.Server {
	t.Helper()
	s, err := loopserver.Start("127.0.0.1:0", "application/json", []byte(`{"label":"tabby"}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAnswersPostsOnOneKeepAliveConnection(t *testing.T) {
	s := start(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	body := bytes.Repeat([]byte("x"), 22906)
	for i := 0; i < 3; i++ {
		resp, err := client.Post(s.URL()+"/invocations", "image/jpeg", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != `{"label":"tabby"}` || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("response %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), got)
		}
	}
	resp, err := client.Get(s.URL() + "/__served")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "3" || s.Served() != 3 {
		t.Errorf("/__served = %q, Served() = %d, want 3 and 3", got, s.Served())
	}
}

func TestRefusesChunkedBodies(t *testing.T) {
	s := start(t)
	// A raw connection writes the whole chunked request before reading: net/http's client
	// may still be writing the body when the server answers 411 and closes, and then
	// reports a broken pipe instead of the answer.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired || s.Served() != 0 {
		t.Errorf("chunked POST: status %d, served %d; want 411, 0", resp.StatusCode, s.Served())
	}
}

func Example() {
	s, err := loopserver.Start("127.0.0.1:0", "text/plain", []byte("ok"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	resp, err := http.Post(s.URL()+"/anything", "image/jpeg", strings.NewReader("\xff\xd8"))
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body), s.Served())
	// Output: 200 ok 1
}
