package sagemakertest_test

import (
	"testing"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func TestNewServerSkipsANilOption(t *testing.T) {
	t.Parallel()
	srv := sagemakertest.NewServer(nil, sagemakertest.WithRegion("us-west-2"), nil)
	defer srv.Close()
	if got := srv.Region(); got != "us-west-2" {
		t.Errorf("Region() = %q, want us-west-2 (the option beside the nil ones)", got)
	}
}
