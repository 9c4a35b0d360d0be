package sagemakertest

import (
	"maps"
	"net/http"
	"strings"
	"sync"
)

// signing records the region each request was signed for, by service.
type signing struct {
	mu sync.Mutex
	m  map[string]map[string]int // service -> region -> requests
}

// noteSigning records the region and service of r's Signature Version 4
// Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-2/
// sagemaker/aws4_request, ..." (the credential scope is date/region/service/
// aws4_request: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// An unsigned request is recorded under region "".
func (s *Server) noteSigning(r *http.Request) {
	region, service := "", ""
	auth := r.Header.Get("Authorization")
	if _, cred, ok := strings.Cut(auth, "Credential="); ok {
		cred, _, _ = strings.Cut(cred, ",")
		if parts := strings.Split(cred, "/"); len(parts) == 5 {
			region, service = parts[2], parts[3]
		}
	}
	s.signing.mu.Lock()
	defer s.signing.mu.Unlock()
	if s.signing.m == nil {
		s.signing.m = map[string]map[string]int{}
	}
	if s.signing.m[service] == nil {
		s.signing.m[service] = map[string]int{}
	}
	s.signing.m[service][region]++
}

// SigningRegions returns, for each service a request was signed for
// ("sagemaker", "s3", "monitoring" for CloudWatch; "" for unsigned requests),
// how many requests were signed for each region. The emulator answers every
// region alike; this tells a test where each call would have gone on AWS,
// whose endpoints are regional and refuse a request signed for another region.
func (s *Server) SigningRegions() map[string]map[string]int {
	s.signing.mu.Lock()
	defer s.signing.mu.Unlock()
	out := make(map[string]map[string]int, len(s.signing.m))
	for svc, m := range s.signing.m {
		out[svc] = maps.Clone(m)
	}
	return out
}
