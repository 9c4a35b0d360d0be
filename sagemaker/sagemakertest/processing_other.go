//go:build !unix

package sagemakertest

import (
	"os"
	"os/exec"
)

func setGroup(*exec.Cmd) {}

// signalGroup interrupts (or kills when kill) c's process: without process groups, the
// process alone.
func signalGroup(c *exec.Cmd, kill bool) {
	if c.Process == nil {
		return
	}
	if kill {
		_ = c.Process.Kill()
		return
	}
	_ = c.Process.Signal(os.Interrupt)
}
