// Package reqbody works around a race between smithy-go and net/http over a request's
// body, which fails a 200 response while it is being read.
//
// smithy-go closes the request body it gives the transport as soon as the response
// headers arrive, and from then on answers the body's WriteTo with io.EOF. net/http ends
// writing a request with one more copy of the body, to check that no byte is left; when
// the response came first, that copy gets io.EOF from WriteTo, takes it for a failure
// and closes the connection while the answer is being read: "use of closed network
// connection" on a 200 (aws/aws-sdk-go-v2#2737). The SDK's retryer hides it by sending
// the request again; a benchmark, whose runtime client does not retry, counts a failed
// request. A body with only Read answers that copy with io.EOF, its normal end.
package reqbody

import (
	"io"
	"net/http"
)

// Doer is an HTTP client as the AWS SDK's clients take one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// ReadOnly returns c sending every request body as a plain io.ReadCloser, without the
// WriteTo of smithy-go's wrapper. A nil c stays nil (the SDK's default client).
func ReadOnly(c Doer) Doer {
	if c == nil {
		return nil
	}
	return readOnly{c}
}

type readOnly struct{ Doer }

func (c readOnly) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = body{r.Body}
	}
	return c.Doer.Do(r)
}

// body has the methods of io.ReadCloser only.
type body struct{ io.ReadCloser }
