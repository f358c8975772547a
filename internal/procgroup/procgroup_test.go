//go:build linux

package procgroup

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

// A command that exits leaving a child in its group (holding its stdout)
// gets the child killed by Wait, and Wait returns at once with the
// command's own status.
func TestWaitKillsWhatTheCommandLeft(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.CommandContext(context.Background(), "sh", "-c", "sleep 600 & echo $! > "+pidFile+"; echo done")
	cmd.Stdout = w
	Isolate(cmd, nil)
	require.NoError(t, cmd.Start())
	w.Close()
	require.NoError(t, Wait(cmd))
	data, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid := strings.TrimSpace(string(data))
	out, err := io.ReadAll(r)
	require.NoError(t, err, "the pipe is closed: its last holder is dead")
	assert.Equal(t, "done\n", string(out))
	assertDead(t, pid)
}

// A command whose parent dies (kill -9) is killed with it.
func TestCommandDiesWithItsParent(t *testing.T) {
	if os.Getenv(parentEnv) != "" {
		cmd := exec.CommandContext(context.Background(), "sleep", "600")
		Isolate(cmd, nil)
		if err := cmd.Start(); err != nil {
			os.Exit(2)
		}
		fmt.Println(cmd.Process.Pid)
		time.Sleep(time.Hour)
		return
	}
	parent := exec.Command(os.Args[0], "-test.run", "^TestCommandDiesWithItsParent$")
	parent.Env = append(os.Environ(), parentEnv+"=1")
	out, err := parent.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, parent.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid := strings.TrimSpace(line)
	require.NoError(t, parent.Process.Kill())
	parent.Wait()
	assertDead(t, pid)
}

const parentEnv = "PROCGROUP_TEST_PARENT"

func assertDead(t *testing.T, pid string) {
	t.Helper()
	assert.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		// A zombie waiting for its reaper is dead too.
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 20*time.Second, 10*time.Millisecond, "process %s was killed", pid)
}
