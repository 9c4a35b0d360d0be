package sagemakertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

// rawAnswer is an API answer read off the wire, for inputs the SDK's types
// cannot send (numbers beyond int32, huge bodies) or checks of headers.
type rawAnswer struct {
	Status int
	Header http.Header
	Code   string // __type of an error
	Body   map[string]any
}

// rawCall sends body as the JSON input of a SageMaker operation, as a client
// of the AWS JSON 1.1 protocol does, and returns the answer.
func rawCall(t testing.TB, srv *sagemakertest.Server, op string, body io.Reader) rawAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "SageMaker."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer res.Body.Close()
	a := rawAnswer{Status: res.StatusCode, Header: res.Header, Body: map[string]any{}}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &a.Body); err != nil {
		t.Fatalf("%s answered %d %q: %v", op, res.StatusCode, raw, err)
	}
	a.Code, _ = a.Body["__type"].(string)
	return a
}

func rawJSON(s string) io.Reader { return strings.NewReader(s) }
