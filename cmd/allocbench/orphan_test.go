//go:build linux

package main

import (
	"bytes"
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

// waitForFile waits for a fake cell to leave its pid in path.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	var data []byte
	require.Eventually(t, func() bool {
		var err error
		data, err = os.ReadFile(path)
		return err == nil && len(data) > 0
	}, 60*time.Second, 20*time.Millisecond, "%s was never written", path)
	return strings.TrimSpace(string(data))
}

// assertGone waits for the process pid to be gone (a zombie waiting for its
// reaper is gone too).
func assertGone(t *testing.T, pid, what string) {
	t.Helper()
	assert.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 20*time.Second, 20*time.Millisecond, "%s (pid %s) was killed", what, pid)
}

// A cell that exits 0 but leaves a child holding its stdout keeps its
// results, and the child is killed with the cell's process group at once,
// without waiting for it.
func TestCellChildHoldingStdout(t *testing.T) {
	pids := t.TempDir()
	t.Setenv(fakeEnv, "orphan:churn/libc")
	t.Setenv(pidsEnv, pids)
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1")...)
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	data, err := os.ReadFile(filepath.Join(resultDir(t, root), "glibc.txt"))
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(data), "BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2"))
	assert.NotContains(t, string(data), "failed")
	assertGone(t, waitForFile(t, filepath.Join(pids, "churn-libc-1-child")), "the cell's child")
}

// kill -9 of the main job takes its running cell with it.
func TestCellDiesWithTheMainJob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	root, pids := t.TempDir(), t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fakeEnv+"=hang:churn/libc", pidsEnv+"="+pids,
		mainEnv+"="+strings.Join(fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1", "-timeout", "10m"), " "))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	cellPid := waitForFile(t, filepath.Join(pids, "churn-libc-1"))
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	assertGone(t, cellPid, "the hung cell")
}

// A cell that prints results under another cell's name is refused: they
// are not recorded under that name, and the cell fails saying why.
func TestResultsOfAnotherCellAreRefused(t *testing.T) {
	t.Setenv(fakeEnv, "othername:churn/libc")
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1")...)
	require.Error(t, err)
	assert.Contains(t, stderr, `printed a result of another benchmark, "BenchmarkWorkloads/workload=churn/alloc=libc/threads=10-2": this cell's results are BenchmarkWorkloads/workload=churn/alloc=libc/threads=1`, stdout)
	data, err := os.ReadFile(filepath.Join(resultDir(t, root), "glibc.txt"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		assert.False(t, strings.HasPrefix(line, "Benchmark"), "no result is recorded: %s", line)
	}
}

func TestIsCellResult(t *testing.T) {
	name := "BenchmarkWorkloads/workload=churn/alloc=libc/threads=1"
	for line, want := range map[string]bool{
		name + " 1 2 ns/op":          true,
		name + "-16 1 2 ns/op":       true,
		name + "0-2 1 2 ns/op":       false,
		name + "-x 1 2 ns/op":        false,
		name + "- 1 2 ns/op":         false,
		name + "/sub-2 1 2 ns/op":    false,
		"BenchmarkOther-2 1 2 ns/op": false,
	} {
		assert.Equal(t, want, isCellResult(line, name), line)
	}
}
