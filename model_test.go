package sagebench_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
	"github.com/sagebench/sagebench/neo"
	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// s3Recorder records the S3 requests (path-style) sent to one bucket.
type s3Recorder struct {
	base   http.RoundTripper
	bucket string
	mu     sync.Mutex
	calls  []string // "METHOD path owner=..."
}

func (rec *s3Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") == "" && (req.URL.Path == "/"+rec.bucket || strings.HasPrefix(req.URL.Path, "/"+rec.bucket+"/")) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, req.Method+" "+req.URL.Path+" owner="+req.Header.Get("X-Amz-Expected-Bucket-Owner"))
		rec.mu.Unlock()
	}
	return rec.base.RoundTrip(req)
}

// An S3Model compiled by Neo without a Bucket: the study creates the default bucket for
// Neo's output, as the Python SDK's default_bucket does, and every call to it but
// CreateBucket expects the role's account as its owner.
func TestRunCreatesTheDefaultBucketForAnS3ModelCompiledByNeo(t *testing.T) {
	t.Parallel()
	srv := newEmulator(t)
	require.NoError(t, srv.PutObject("models", "m/model.tar.gz", []byte("archive")))
	st := newStudy(t, sagebench.Candidate{Name: "c5+neo", InstanceType: "ml.c5.xlarge", Target: neo.TargetMLC5})
	st.Model = sagebench.S3Model("s3://models/m/model.tar.gz")
	cfg := srv.Config()
	bucket := sagemaker.DefaultBucket("eu-west-1", sagemakertest.AccountID)
	rec := &s3Recorder{base: cfg.HTTPClient.(*http.Client).Transport, bucket: bucket}
	cfg.HTTPClient = &http.Client{Transport: rec}
	rep, err := st.Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, rep.Outcomes[0].Result, "%v", rep.Outcomes[0].Err)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotEmpty(t, rec.calls)
	created := false
	for _, c := range rec.calls {
		if strings.HasPrefix(c, "PUT /"+bucket+" ") {
			created = true
			continue // CreateBucket has no ExpectedBucketOwner
		}
		assert.True(t, strings.HasSuffix(c, "owner="+sagemakertest.AccountID), "%s", c)
	}
	assert.True(t, created, "the default bucket was created: %v", rec.calls)
	assert.Empty(t, srv.Leftovers())
	assert.Len(t, srv.Objects(), 1, "the compiled artifact is deleted; the user's archive is kept")
}
