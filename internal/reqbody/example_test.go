package reqbody_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sagebench/sagebench/internal/reqbody"
)

// ReadOnly wraps the HTTP client an AWS SDK client is given; the request is sent as
// before, its body read through Read only.
func ExampleReadOnly() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d bytes", len(b))
	}))
	defer srv.Close()

	c := reqbody.ReadOnly(srv.Client())
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"inputs":"hello"}`))
	rsp, err := c.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	fmt.Println(string(b))
	fmt.Println(reqbody.ReadOnly(nil) == nil)
	// Output:
	// got 18 bytes
	// true
}
