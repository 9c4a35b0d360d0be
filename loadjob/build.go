package loadjob

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// WorkerPackage is the import path of the worker's main package.
const WorkerPackage = "github.com/sagebench/sagebench/cmd/sagebench-worker"

// BuildWorker builds the worker for goos/goarch as a static binary (CGO_ENABLED=0) into
// dir with the go command, from the module of the current directory, which must require
// github.com/sagebench/sagebench (as any program using this package does). A Processing
// job's instances want linux/amd64; sagemakertest runs the worker on this machine, so
// tests build for runtime.GOOS and runtime.GOARCH. It returns the binary's path.
func BuildWorker(ctx context.Context, dir, goos, goarch string) (string, error) {
	out := filepath.Join(dir, WorkerName)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, WorkerPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("loadjob: building the worker (GOOS=%s GOARCH=%s CGO_ENABLED=0 go build %s): %w\n%s",
			goos, goarch, WorkerPackage, err, b)
	}
	return out, nil
}
