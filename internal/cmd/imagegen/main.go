// Command imagegen turns the SageMaker Python SDK's image_uri_config JSON files into the
// Go tables of package internal/catalog.
//
//	go generate ./internal/catalog      # from the module root
//	go run ./internal/cmd/imagegen -in internal/catalog/testdata/image_uri_config -out internal/catalog/tables_gen.go
//
// The input directory holds the JSON files copied unchanged from the SDK and a SOURCE file
// naming the commit they came from; the output names that commit. A key the generator does
// not know in a version entry is an error, so a new rule in the SDK cannot be dropped
// silently. The output is written to a temporary name and renamed.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	in := flag.String("in", "testdata/image_uri_config", "directory of image_uri_config JSON files and their SOURCE")
	out := flag.String("out", "tables_gen.go", "Go file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "imagegen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	src, err := generate(in)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".imagegen-*.go")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
