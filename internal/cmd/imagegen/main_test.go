package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checked-in tables are exactly what the JSON files generate: edit a JSON file (or
// the generator) without running go generate ./internal/catalog, and this fails.
func TestTablesMatchTheJSON(t *testing.T) {
	dir := filepath.Join("..", "..", "catalog")
	got, err := generate(filepath.Join(dir, "testdata", "image_uri_config"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "tables_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/catalog/tables_gen.go differs from what testdata/image_uri_config generates; run: go generate ./internal/catalog")
	}
}

func TestGenerateRefusesUnknownVersionKeys(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "catalog", "testdata", "image_uri_config")
	for _, s := range scopes {
		b, err := os.ReadFile(filepath.Join(src, s.file))
		if err != nil {
			t.Fatal(err)
		}
		if s.file == "neo-mxnet.json" {
			b = bytes.Replace(b, []byte(`"repository":`), []byte(`"new_rule": "x", "repository":`), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, s.file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(src, "SOURCE"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "SOURCE"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = generate(dir)
	if err == nil || !strings.Contains(err.Error(), "new_rule") || !strings.Contains(err.Error(), "neo-mxnet.json") {
		t.Fatalf("generate with an unknown key = %v; want an error naming the file and the key", err)
	}
}

func TestGenerateNeedsTheSourceCommit(t *testing.T) {
	if _, err := generate(t.TempDir()); err == nil {
		t.Fatal("generate without a SOURCE file succeeded")
	}
}
