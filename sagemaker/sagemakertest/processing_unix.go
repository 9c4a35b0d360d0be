//go:build unix

package sagemakertest

import (
	"os/exec"
	"syscall"
)

// setGroup starts c in a process group of its own, so that a stop reaches what it runs
// (sh -c "... && exec worker" and any child of the worker).
func setGroup(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends SIGTERM (or SIGKILL when kill) to c's process group.
func signalGroup(c *exec.Cmd, kill bool) {
	if c.Process == nil {
		return
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-c.Process.Pid, sig)
}
