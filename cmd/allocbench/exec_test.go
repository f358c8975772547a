//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildContend compiles package program's test program.
func buildContend(t *testing.T, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" {
			t.Fatalf("gcc: %v", err)
		}
		t.Skipf("no gcc: %v", err)
	}
	out := filepath.Join(t.TempDir(), "contend")
	args := append([]string{"-O2", "-pthread", "-o", out, "../../bench/program/testdata/contend.c"}, flags...)
	b, err := exec.Command("gcc", args...).CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// An exec result file reads unchanged in compare (text and JSON) and
// report.
func TestExecResultsCompareAndReport(t *testing.T) {
	prog := buildContend(t)
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"exec", "-o", root, "-runs", "3", "-allocs", "libc", "-seed", "5", "--", prog, "0"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "seed 5")
	assert.NotContains(t, stdout.String(), "xxxx", "the program's output is not on the terminal")
	dirs, err := filepath.Glob(filepath.Join(root, "*-exec"))
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	file := filepath.Join(dirs[0], "exec.txt")
	require.FileExists(t, file)
	require.FileExists(t, filepath.Join(dirs[0], "summary.txt"))
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, key := range []string{"goos: linux", "goarch: ", "cpu: ", "exec-program: " + prog, "exec-args: 0", "futex-method: ", "fresh-process-per-run: true", "exec-seed: 5", "precision-target: "} {
		assert.Contains(t, "\n"+string(data), "\n"+key, key)
	}
	assert.Equal(t, 3, strings.Count(string(data), "\nBenchmarkExec/cmd=contend/alloc=libc 1 "))

	var cout, cerr bytes.Buffer
	require.NoError(t, run([]string{"compare", file}, &cout, &cerr), cerr.String())
	assert.Contains(t, cout.String(), "Exec")

	var jout bytes.Buffer
	require.NoError(t, run([]string{"compare", "-format", "json", file}, &jout, &cerr), cerr.String())
	var doc map[string]any
	require.NoError(t, json.Unmarshal(jout.Bytes(), &doc))
	assert.Equal(t, "allocbench-compare/1", doc["schema"])
	assert.Contains(t, jout.String(), `"alloc": "libc"`)
	assert.Contains(t, jout.String(), `"n": 3`)

	if !testing.Short() {
		cmd := exec.Command("go", "tool", "benchstat", file)
		cmd.Dir = "../.."
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
		for _, unit := range []string{"sec/op", "user-nsec/op", "sys-nsec/op", "peak-rss-bytes", "majflt/op"} {
			assert.Contains(t, string(b), unit, "benchstat reads %s", unit)
		}
	}

	html := filepath.Join(t.TempDir(), "r.html")
	require.NoError(t, run([]string{"report", "-o", html, file}, &cout, &cerr), cerr.String())
	assert.FileExists(t, html)
}

func TestExecRefusesAStaticProgram(t *testing.T) {
	prog := buildContend(t, "-static")
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"exec", "-o", root, "--", prog}, &stdout, &stderr)
	require.Error(t, err)
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), "statically linked")
	assert.Contains(t, err.Error(), "-binary")
	entries, _ := os.ReadDir(root)
	assert.Empty(t, entries, "nothing was made")
}

// An allocator whose runs all fail makes exit status 3, with the results
// written.
func TestExecAllRunsFailed(t *testing.T) {
	prog := buildContend(t)
	root := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"exec", "-o", root, "-runs", "2", "-allocs", "libc", "--", prog, "4"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Equal(t, 3, exitCode(err))
	assert.Contains(t, stdout.String(), "2 runs failed and are left out")
	assert.Contains(t, stdout.String(), "exit status 4")
	files, _ := filepath.Glob(filepath.Join(root, "*-exec", "exec.txt"))
	require.Len(t, files, 1)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), "# failed BenchmarkExec/cmd=contend/alloc=libc round 1: exit status 4")
}
