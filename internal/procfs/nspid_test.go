//go:build linux

package procfs

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestParseNSpid(t *testing.T) {
	status := "Name:\tbench.test\nTgid:\t8123\nNgid:\t0\nPid:\t8125\nPPid:\t8100\nNSpid:\t8125\t7\nNSsid:\t1\n"
	ids, err := ParseNSpid([]byte(status))
	require.NoError(t, err)
	assert.Equal(t, []int{8125, 7}, ids)

	ids, err = ParseNSpid([]byte("Pid:\t42\nNSpid:\t42\n"))
	require.NoError(t, err)
	assert.Equal(t, []int{42}, ids)

	for _, bad := range []string{"Pid:\t42\n", "NSpid:\n", "NSpid:\t42 x\n", "NSpid:\t0\n"} {
		_, err := ParseNSpid([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// In its own pid namespace a process's threads have the same tids inside
// and out.
func TestInnerTIDs(t *testing.T) {
	requireLinux(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	m, err := InnerTIDs(os.Getpid())
	require.NoError(t, err)
	assert.Equal(t, tid, m[tid])
	assert.Equal(t, os.Getpid(), m[os.Getpid()])
	inner, err := InnerTID(tid)
	require.NoError(t, err)
	assert.Equal(t, tid, inner)

	_, err = InnerTIDs(1 << 23) // above PID_MAX_LIMIT
	assert.ErrorIs(t, err, os.ErrNotExist)
}
