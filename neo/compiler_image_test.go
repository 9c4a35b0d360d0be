package neo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/invalid"
	"github.com/sagebench/sagebench/neo"
)

// A job for a hosting instance without a framework version cannot be served
// (its image depends on the version), so Compile refuses it before any call.
func TestCompileRefusesCloudJobWithoutFrameworkVersion(t *testing.T) {
	srv, c := newServer(t, 0)
	j := job(neo.TargetMLC5)
	j.FrameworkVersion = ""
	m, err := c.Compile(context.Background(), j)
	var ie *invalid.Error
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "framework version is required") {
		t.Fatalf("Compile without a version = %+v, %v; want an *invalid.Error asking for the version", m, err)
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Errorf("Compile sent %d requests for an invalid job; want none", n)
	}
}

// The emulator, like a real job for a framework without Neo images, reports
// no InferenceImage. Compile used to return a CompiledModel with an empty
// Image as success; a model that cannot be deployed is a failure.
func TestCompileNeverReturnsModelWithoutImage(t *testing.T) {
	_, c := newServer(t, 0)
	j := job(neo.TargetMLC5)
	j.Framework, j.FrameworkVersion = neo.ONNX, ""
	m, err := c.Compile(context.Background(), j)
	if err == nil || m != nil {
		t.Fatalf("Compile(ONNX for ml_c5) = %+v, %v; want an error, as no image serves it", m, err)
	}
	if !strings.Contains(err.Error(), "no inference image") {
		t.Errorf("error %q does not say that no image serves the model", err)
	}
}
