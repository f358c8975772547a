//go:build linux

package procgroup

import (
	"os/exec"
	"syscall"
)

// Isolate makes cmd start in a process group of its own and makes its
// Cancel kill that whole group, after calling before when it is not nil.
// Call it before cmd starts.
func Isolate(cmd *exec.Cmd, before func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if before != nil {
			before()
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
