package sagemakertest

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// signing counts requests by the service and region they were signed for. It is
// lock-free once a pair has been seen: every invocation passes through it.
type signing struct {
	m sync.Map // signingKey -> *atomic.Int64
}

type signingKey struct{ service, region string }

// noteSigning records the region and service of r's Signature Version 4
// Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-2/
// sagemaker/aws4_request, ..." (the credential scope is date/region/service/
// aws4_request: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// An unsigned request is recorded under service and region "".
func (s *Server) noteSigning(r *http.Request) {
	var k signingKey
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		cred, _, _ = strings.Cut(cred, ",")
		_, scope, _ := strings.Cut(cred, "/") // date/region/service/aws4_request
		_, scope, _ = strings.Cut(scope, "/") // region/service/aws4_request
		region, rest, _ := strings.Cut(scope, "/")
		service, _, _ := strings.Cut(rest, "/")
		k = signingKey{service, region}
	}
	n, ok := s.signing.m.Load(k)
	if !ok {
		n, _ = s.signing.m.LoadOrStore(k, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

// SigningRegions returns, for each service a request was signed for
// ("sagemaker", "s3", "monitoring" for CloudWatch; "" for unsigned requests),
// how many requests were signed for each region. The emulator answers every
// region alike; this tells a test where each call would have gone on AWS,
// whose endpoints are regional and refuse a request signed for another region.
func (s *Server) SigningRegions() map[string]map[string]int {
	out := map[string]map[string]int{}
	s.signing.m.Range(func(key, value any) bool {
		k := key.(signingKey)
		if out[k.service] == nil {
			out[k.service] = map[string]int{}
		}
		out[k.service][k.region] += int(value.(*atomic.Int64).Load())
		return true
	})
	return out
}
