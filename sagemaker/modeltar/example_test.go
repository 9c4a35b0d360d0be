package modeltar_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sagebench/sagebench/sagemaker/modeltar"
)

// Pack a model with its inference code, then list what the container will find.
func Example() {
	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "model.pth"), []byte("weights"), 0o644)
	_ = os.MkdirAll(filepath.Join(dir, "code"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "code", "inference.py"), []byte("def model_fn(d): ...\n"), 0o644)

	var archive bytes.Buffer
	st, err := modeltar.Pack(&archive, modeltar.Spec{
		ModelFiles: []string{filepath.Join(dir, "model.pth")},
		CodeDir:    filepath.Join(dir, "code"),
		EntryPoint: "inference.py",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("packed", st.Files, "files,", st.Bytes, "bytes")

	l, err := modeltar.Inspect(&archive)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range l.Entries {
		fmt.Println(e.Kind, e.Name, e.Size)
	}
	fmt.Println("model files:", l.ModelFiles())
	// Output:
	// packed 2 files, 28 bytes
	// dir code 0
	// file code/inference.py 21
	// file model.pth 7
	// model files: [model.pth]
}

// An archive whose entry would leave the model directory is refused, naming the entry.
func ExampleInspect() {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	_ = tw.WriteHeader(&tar.Header{Name: "../etc/cron.d/x", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	_ = zw.Close()

	_, err := modeltar.Inspect(&buf)
	fmt.Println(err)
	// Output: modeltar: inspect: entry "../etc/cron.d/x": name contains ".."
}
