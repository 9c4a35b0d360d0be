package httpinvoker

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// FuzzReadResponse is the in-memory twin of FuzzH1Response: h1's parser against
// http.ReadResponse, which net/http's transport runs on the same bytes (skipping 1xx
// responses as the transport does, with the transport's 4 KiB read buffer). Without
// sockets it runs orders of magnitude more inputs per second. Whatever h1 accepts as a
// complete 2xx response, net/http must accept with the same status and body.
func FuzzReadResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil the end",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	req, err := http.NewRequest(http.MethodPost, "http://model/invocations", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sink := bodySink{buf: new(bytes.Buffer), all: true}
		status, _, err := readResponse(bufio.NewReaderSize(bytes.NewReader(raw), 16<<10), &sink)
		if err != nil || status < 200 || status > 299 {
			return
		}
		br := bufio.NewReaderSize(bytes.NewReader(raw), 4<<10)
		for {
			resp, err := http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("h1 read %d %q, net/http failed: %v", status, sink.buf, err)
			}
			if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != 101 {
				continue
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != status || !bytes.Equal(body, sink.buf.Bytes()) {
				t.Fatalf("h1 read %d %q, net/http %d %q (err %v)", status, sink.buf, resp.StatusCode, body, err)
			}
			return
		}
	})
}
