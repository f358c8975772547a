//go:build linux

package procgroup

import (
	"errors"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// Isolate makes cmd start in a process group of its own, killed (SIGKILL)
// when this process dies, even by kill -9, and makes its Cancel kill that
// whole group, after calling before when it is not nil. Call it before
// cmd starts.
//
// The parent-death signal reaches cmd's process when the thread that
// started it ends; the Go runtime ends a thread only when a goroutine
// locked to it returns without unlocking, which nothing here does.
func Isolate(cmd *exec.Cmd, before func()) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		if before != nil {
			before()
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Wait waits for cmd, started after Isolate, to exit, then kills what is
// left of its process group (children that hold its output, or run on)
// and reaps it. The group is killed before cmd is reaped, so its id
// cannot have been taken by another process.
func Wait(cmd *exec.Cmd) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		if err == nil {
			if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
				return errors.Join(kerr, cmd.Wait())
			}
		}
		return cmd.Wait()
	}
}
