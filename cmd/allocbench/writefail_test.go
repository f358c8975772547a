package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullWriter takes room bytes, then fails as a full disk does.
type fullWriter struct {
	w    io.Writer
	room int
}

func (f *fullWriter) Write(p []byte) (int, error) {
	if len(p) > f.room {
		n, _ := f.w.Write(p[:f.room])
		f.room = 0
		return n, syscall.ENOSPC
	}
	f.room -= len(p)
	return f.w.Write(p)
}

// A report that cannot be written whole (a full disk after 4096 bytes)
// fails the job with an error that says so, and leaves no report.html, whole
// or cut, nor a temporary file; the result files are kept.
func TestFailedReportWriteFailsTheJob(t *testing.T) {
	t.Setenv(fakeEnv, "on")
	defer func(old func(*os.File) io.Writer) { reportWriter = old }(reportWriter)
	reportWriter = func(f *os.File) io.Writer { return &fullWriter{w: f, room: 4096} }
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1")...)
	require.Error(t, err, "%s\n%s", stdout, stderr)
	assert.ErrorIs(t, err, syscall.ENOSPC)
	assert.Contains(t, err.Error(), "report.html")
	assert.Equal(t, 1, exitCode(err))
	dir := resultDir(t, root)
	assert.NoFileExists(t, filepath.Join(dir, "report.html"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"glibc.txt", "glibc.log", "summary.txt"}, names)
}

// allocbench | head -1: the reader of stdout goes away after the first
// line; the run goes on, writes its report and exits 0 instead of dying
// of SIGPIPE.
func TestClosedStdoutStillWritesTheReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	root := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fakeEnv+"=on",
		mainEnv+"="+strings.Join(fakeArgs(root, "-workloads", "churn", "-allocs", "libc,jemalloc", "-variants", "glibc"), " "))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	first, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, first, "results in")
	out.Close()
	err = cmd.Wait()
	require.NoError(t, err, "%s", stderr.String())
	assert.FileExists(t, filepath.Join(resultDir(t, root), "report.html"))
}
