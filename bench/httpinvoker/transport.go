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
//   - HTTP/1.1 unless asked otherwise, as SageMaker containers, TorchServe and KServe's REST
//     port speak it; WithHTTP2 switches to h2c (or h2 over TLS).
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
		Protocols:           protocols,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
