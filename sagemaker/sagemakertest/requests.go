package sagemakertest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// requestIDHeader is the header in which SageMaker, its runtime and
// CloudWatch's JSON and CBOR protocols return the ID of each request, which
// boto3 reports as ResponseMetadata.RequestId and aws-sdk-go-v2 as
// middleware.GetRequestIDMetadata; users quote it in support cases.
const requestIDHeader = "X-Amzn-Requestid"

// newRequestID returns a random (version 4) UUID, the form AWS request IDs
// take.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withRequestID gives every request the server answers its own request ID,
// in requestIDHeader (serveS3 renames it as S3 names it), before h routes it.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(requestIDHeader, newRequestID())
		h.ServeHTTP(w, r)
	})
}

// requestID is the ID withRequestID gave the request whose answer w writes.
func requestID(w http.ResponseWriter) string { return w.Header().Get(requestIDHeader) }

// MaxAPIRequestBytes bounds the body of a SageMaker or CloudWatch API
// request. AWS does not publish one figure for its control planes; the
// documented limits of the members bound a valid request far below it (the
// largest CreateModel, 15 containers with 32 KB of environment in all, is
// some 100 KB), so a larger body is refused with HTTP 413 before it is read
// into memory, as AWS's front ends refuse oversized requests.
const MaxAPIRequestBytes = 1 << 20

// readAPIBody reads an API request's body up to MaxAPIRequestBytes; a larger
// one (by Content-Length or once read) answers a 413 APIError.
func readAPIBody(w http.ResponseWriter, r *http.Request) ([]byte, *APIError) {
	tooLarge := &APIError{"RequestEntityTooLarge", fmt.Sprintf("Request body exceeds the maximum of %d bytes.", MaxAPIRequestBytes), http.StatusRequestEntityTooLarge}
	if r.ContentLength > MaxAPIRequestBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAPIRequestBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, &APIError{"SerializationException", "sagemakertest: reading request body: " + err.Error(), http.StatusBadRequest}
	}
	return body, nil
}
