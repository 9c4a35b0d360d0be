//go:build unix

package modeltar

import (
	"bytes"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestPackRefusesFIFO(t *testing.T) {
	_, a := modelDir(t)
	if err := syscall.Mkfifo(filepath.Join(a.CodeDir, "pipe"), 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	_, err := Pack(&bytes.Buffer{}, a)
	if err == nil || !strings.Contains(err.Error(), "special file") {
		t.Fatalf("err = %v, want special file refused", err)
	}
}
