//go:build cgo && linux

package futex

import (
	"os/exec"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// childEntry starts a child process (sleep) from a thread the meter
// tracks, ends the window while it lives, and reports whether the child
// has an entry of its own.
func childEntry(t *testing.T, m *Meter) bool {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	require.NoError(t, m.Begin([]int{unix.Gettid()}))
	cmd := exec.Command("sleep", "30")
	err := cmd.Start()
	if err != nil {
		_ = m.End()
		require.NoError(t, err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	require.NoError(t, m.End())
	for _, th := range m.Threads() {
		if th.TID == cmd.Process.Pid {
			assert.True(t, th.Spawned)
			return true
		}
	}
	return false
}

// A child process is followed only with FollowProcesses.
func TestFollowProcesses(t *testing.T) {
	m := openFollowing(t, Options{})
	assert.False(t, m.FollowsProcesses())
	assert.False(t, childEntry(t, m), "a child process is not one of the thread's threads")

	p := openFollowing(t, Options{FollowProcesses: true})
	require.True(t, p.FollowsProcesses())
	assert.True(t, childEntry(t, p), "the child process is followed")
}
