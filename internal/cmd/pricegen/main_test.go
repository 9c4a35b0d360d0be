package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sagebench/sagebench/cost"
)

// go generate ./cost with the default source reads the public bulk files: against a
// server holding the fixture at the documented paths, it writes a table ParseTable reads,
// with the fixture's four on-demand hosting rows and the publication date as as_of.
func TestPricegenFromBulkFiles(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("..", "..", "..", "cost", "testdata", "bulk", "AmazonSageMaker-eu-west-1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /offers/v1.0/aws/AmazonSageMaker/current/region_index.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"regions":{"eu-west-1":{"regionCode":"eu-west-1","currentVersionUrl":"/offers/v1.0/aws/AmazonSageMaker/v1/eu-west-1/index.json"}}}`))
	})
	mux.HandleFunc("GET /offers/v1.0/aws/AmazonSageMaker/v1/eu-west-1/index.csv", func(w http.ResponseWriter, _ *http.Request) {
		w.Write(fixture)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "current.csv")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-out", out, "-regions", "eu-west-1", "-base-url", srv.URL}, &stderr); err != nil {
		t.Fatalf("pricegen: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "# Regenerate with: go generate ./cost   (no AWS account needed)") {
		t.Errorf("header does not say how to regenerate:\n%s", b)
	}
	tbl, err := cost.ParseTable("generated", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	prices, _ := tbl.Prices()
	var got []string
	for _, p := range prices {
		got = append(got, p.InstanceType+"="+p.AsOf)
	}
	want := "ml.c5.xlarge=2026-11-20 ml.g4dn.xlarge=2026-11-20 ml.inf1.xlarge=2026-11-20 ml.m5.xlarge=2026-11-20"
	if strings.Join(got, " ") != want {
		t.Errorf("rows %v; want %s", got, want)
	}
}

func TestPricegenLeavesTheTableAloneOnFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "current.csv")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if err := run(context.Background(), []string{"-out", out, "-regions", "eu-west-1", "-base-url", srv.URL}, &bytes.Buffer{}); err == nil {
		t.Fatal("pricegen succeeded against a server with no files")
	}
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Errorf("the old table was replaced by %q", b)
	}
	if err := run(context.Background(), []string{"-source", "guess"}, &bytes.Buffer{}); err == nil {
		t.Error("-source guess accepted")
	}
}

// cost/instancetypes.go is what -instance-types writes from the SDK in go.mod: a newer SDK
// with new instance types shows here until "go generate ./cost" runs.
func TestInstanceTypesFileIsUpToDate(t *testing.T) {
	want, err := instanceTypesFile()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "..", "cost", "instancetypes.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("cost/instancetypes.go is stale: run go generate ./cost (its first step needs no network)")
	}
}
