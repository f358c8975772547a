package main

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/bench"
)

// -fresh reaches the cells, fidelity asks for it unless told not to, and a
// benchmark binary run that way says so in its results.
func TestFreshRuns(t *testing.T) {
	c := cell{Label: "glibc", Workload: "churn", Alloc: "libc", Threads: 1}
	o, err := parseFlags([]string{"-fresh"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Contains(t, cellEnv(c, o), bench.FreshEnv+"=true")
	o, err = parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Contains(t, cellEnv(c, o), bench.FreshEnv+"=false", "the main job's runs share a process unless asked")
	assert.Contains(t, cellEnvNames, bench.FreshEnv, "containers get it too")

	fo, err := parseFidelityFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.True(t, fo.cellOptions().fresh, "fidelity runs allocbench as the original runs: once per process")
	fo, err = parseFidelityFlags([]string{"-fresh=false"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.False(t, fo.cellOptions().fresh)

	if testing.Short() {
		t.Skip("builds the benchmark binary")
	}
	binary := buildBench(t, t.TempDir())
	cmd := exec.Command(binary, "-test.run", "^$", "-test.bench", "Workloads/workload=churn/alloc=libc/threads=2$",
		"-test.benchtime", "20000x", "-test.count", "1", "-allocbench.futex=off", "-allocbench.fresh=true")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "\nfresh-process-per-run: true\n")
	assert.Regexp(t, `BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-\d+\s+20000\s+[0-9.]+ ns/op`, string(out))

	cmd = exec.Command(binary, "-test.run", "^$", "-test.bench", "Workloads/workload=churn/alloc=libc/threads=2$", "-allocbench.fresh=often")
	out, err = cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), `-allocbench.fresh: "often" is not true or false`)
	assert.NotContains(t, string(out), "Benchmark")
}
