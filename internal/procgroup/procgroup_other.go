//go:build !linux

package procgroup

import "os/exec"

// Isolate makes cmd's Cancel call before, when it is not nil, and kill
// cmd. Process groups are used on Linux only, where the commands that
// start children (builds, benchmark cells) run; elsewhere the command
// alone is killed.
func Isolate(cmd *exec.Cmd, before func()) {
	cmd.Cancel = func() error {
		if before != nil {
			before()
		}
		return cmd.Process.Kill()
	}
}

// Wait waits for cmd.
func Wait(cmd *exec.Cmd) error { return cmd.Wait() }
