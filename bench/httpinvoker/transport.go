package httpinvoker

import (
	"net"
	"net/http"
	"time"
)

// newClient builds a client for load rather than for browsing.
//
//   - The idle pool holds a connection per concurrent request: with fewer, requests that
//     finish together close their surplus connections and the next ones pay a handshake,
//     which the run would then report as model latency.
//   - No transparent gzip: the client must receive what a production client receives, and
//     decompressing costs client CPU that the run would blame on the server.
//   - No proxy from the environment: HTTP_PROXY set for other reasons would silently put a
//     proxy between the load and the server.
//   - No redirects: a redirect answers a different question than the one benchmarked, so it
//     is reported as a status error instead of being followed.
//   - A write buffer that holds a typical request (headers and an image of up to ~60 KiB)
//     whole: the request goes out in one write, and net/http does not allocate a copy buffer
//     the size of the body for every request, which it does when the body overflows the
//     buffer (bufio.Writer.ReadFrom falls through to net.TCPConn.ReadFrom, whose generic
//     path copies from an io.LimitedReader through a fresh buffer).
//   - HTTP/1.1 unless asked otherwise, as SageMaker containers, TorchServe and KServe's REST
//     port speak it; WithHTTP2 switches to h2c (or h2 over TLS).
//
// writeBufferSize is the per-connection write buffer; see newClient.
const writeBufferSize = 64 << 10

func newClient(o options) *http.Client {
	n := o.concurrency
	if n == 0 {
		n = DefaultConcurrency
	}
	protocols := new(http.Protocols)
	if o.http2 {
		protocols.SetHTTP2(true)
		protocols.SetUnencryptedHTTP2(true)
	} else {
		protocols.SetHTTP1(true)
	}
	t := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:        0, // no limit across hosts; the per-host limit is the one that matters
		MaxIdleConnsPerHost: n,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     writeBufferSize,
		Protocols:           protocols,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
