//go:build linux

package procgroup

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cancelled command's children die with it.
func TestIsolateKillsTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 60 & echo $! > "+pidFile+"; wait")
	called := false
	Isolate(cmd, func() { called = true })
	require.NoError(t, cmd.Start())
	var pid string
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(pidFile)
		pid = strings.TrimSpace(string(data))
		return err == nil && pid != ""
	}, 10*time.Second, 10*time.Millisecond)
	cancel()
	assert.Error(t, cmd.Wait())
	assert.True(t, called, "before ran")
	assert.Eventually(t, func() bool {
		_, err := os.Stat("/proc/" + pid)
		if err != nil {
			return true
		}
		// A zombie waiting for its reaper is dead too.
		stat, _ := os.ReadFile("/proc/" + pid + "/stat")
		return strings.Contains(string(stat), ") Z ")
	}, 10*time.Second, 10*time.Millisecond, "the child sleep %s was killed", pid)
}
