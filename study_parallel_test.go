package sagebench_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sagebench/sagebench"
)

// deployGate stands in front of the emulator and holds every DescribeEndpoint until n
// CreateEndpoint calls have been answered: a Run that deploys fewer than n endpoints at
// a time waits on its first endpoint before it creates the n-th, and never gets past
// the gate. It also counts the endpoints created and not yet deleted.
type deployGate struct {
	base    http.RoundTripper
	n       int
	open    chan struct{}
	mu      sync.Mutex
	created int
	live    int // created minus deleted
	maxLive int
	starved bool // a DescribeEndpoint waited in vain
}

func (g *deployGate) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Header.Get("X-Amz-Target") {
	case "SageMaker.DescribeEndpoint":
		select {
		case <-g.open:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(time.Minute): // only when Run deploys fewer than n at a time
			g.mu.Lock()
			g.starved = true
			g.mu.Unlock()
		}
	case "SageMaker.CreateEndpoint":
		resp, err := g.base.RoundTrip(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			g.mu.Lock()
			g.created++
			g.live++
			g.maxLive = max(g.maxLive, g.live)
			if g.created == g.n {
				close(g.open)
			}
			g.mu.Unlock()
		}
		return resp, err
	case "SageMaker.DeleteEndpoint":
		resp, err := g.base.RoundTrip(req)
		if err == nil && resp.StatusCode == http.StatusOK {
			g.mu.Lock()
			g.live--
			g.mu.Unlock()
		}
		return resp, err
	}
	return g.base.RoundTrip(req)
}

// Six candidates, MaxParallel 3: three endpoints are being deployed at once (the first
// one's DescribeEndpoint is held until the third is created), never more, and every
// candidate is measured and torn down.
func TestRunDeploysInParallel(t *testing.T) {
	t.Parallel()
	var envs []map[string]string
	for i := 1; i <= 6; i++ {
		envs = append(envs, map[string]string{"workers": strconv.Itoa(i)})
	}
	six := sagebench.Matrix(sagebench.Grid{InstanceTypes: []string{"ml.c5.xlarge"}, Env: envs})
	srv := newEmulator(t)
	st := newStudy(t, six...)
	st.MaxParallel = 3
	cfg := srv.Config()
	gate := &deployGate{base: cfg.HTTPClient.(*http.Client).Transport, n: 3, open: make(chan struct{})}
	cfg.HTTPClient = &http.Client{Transport: gate}
	rep, err := st.Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.NotNil(t, o.Result, o.Candidate.Name)
	}
	assertNothingLeft(t, srv, rep)
	gate.mu.Lock()
	defer gate.mu.Unlock()
	assert.False(t, gate.starved, "the first endpoint waited a minute for the third to be created: Run deploys fewer than 3 at a time")
	assert.Equal(t, 6, gate.created)
	assert.Equal(t, 3, gate.maxLive, "MaxParallel 3: at most three endpoints at once")
}
