package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/containers"
)

// needDocker skips without a Docker engine, unless ALLOCBENCH_REQUIRE says
// every dependency must be there (as in CI).
func needDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds container images; skipped with -short")
	}
	if err := containers.CheckDocker(context.Background()); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") != "" {
			t.Fatalf("docker is needed: %v", err)
		}
		t.Skipf("docker: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("building the Debian bases with debootstrap needs root")
	}
}

func runContainersCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	co, err := parseContainerFlags(args, &stderr)
	require.NoError(t, err)
	err = runContainerJob(context.Background(), co, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// The Debian 12 and 13 images, built locally, and the static musl image each
// measure their own C library and packaged allocators; the comparison shows
// them side by side.
func TestContainersDebian12Debian13Musl(t *testing.T) {
	needDocker(t)
	root := t.TempDir()
	stdout, stderr, err := runContainersCLI(t, "-images", "debian12,debian13,musl", "-quick", "-threads", "2",
		"-o", root, "-progress", "off")
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	dir := resultDir(t, root)

	want := map[string]*regexp.Regexp{
		"debian12": regexp.MustCompile(`(?m)^libc-version: 2\.36$`),
		"debian13": regexp.MustCompile(`(?m)^libc-version: 2\.4\d$`),
		"musl":     regexp.MustCompile(`(?m)^libc-version: 1\.2\.\d+$`),
	}
	distro := map[string]string{"debian12": "bookworm", "debian13": "trixie", "musl": "static musl"}
	for label, libc := range want {
		data, err := os.ReadFile(filepath.Join(dir, label+".txt"))
		require.NoError(t, err, label)
		s := string(data)
		assert.Regexp(t, libc, s, "%s measures its own C library", label)
		assert.Contains(t, s, distro[label], "%s says which distribution it ran in", label)
		assert.Regexp(t, `(?m)^alloc-jemalloc: 5\.\d+\.\d+`, s, "%s reports its jemalloc's version", label)
		// Debian 13 packages mimalloc 3 only, under its own name.
		mimalloc := `(?m)^alloc-mimalloc: 2\.\d+\.\d+`
		if label == "debian13" {
			mimalloc = `(?m)^alloc-mimalloc3: 3\.\d+\.\d+`
		}
		assert.Regexp(t, mimalloc, s, "%s reports its mimalloc's version", label)
		assert.Contains(t, s, "BenchmarkWorkloads/workload=churn/alloc=libc/threads=2", label)
		assert.NotContains(t, s, "# failed", label)
	}
	assert.Regexp(t, `(?s)churn, debian12\s+libc .*churn, debian13\s+libc .*churn, musl\s+libc `, stdout, "the comparison has the three, a table each")
	assert.Regexp(t, `(?m)^  churn t=\d+ `, stdout, "and a line for the workload first")
	assert.Contains(t, stdout, "report: ")
}

// Under -cpus the configuration lines show the quota the benchmark saw.
func TestContainersCPUQuota(t *testing.T) {
	needDocker(t)
	root := t.TempDir()
	stdout, stderr, err := runContainersCLI(t, "-images", "debian12", "-cpus", "1", "-workloads", "churn", "-allocs", "libc",
		"-threads", "1", "-count", "1", "-o", root, "-progress", "off")
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	data, err := os.ReadFile(filepath.Join(resultDir(t, root), "debian12.txt"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^cgroup-cpu-quota: 1\.00 CPUs`, string(data))
}

func TestContainersBadInput(t *testing.T) {
	for want, args := range map[string][]string{
		`unknown distribution "fedora"`: {"-images", "debian12,fedora"},
		`-cpus "-1" is not a positive`:  {"-cpus", "-1"},
		`-base: "ubuntu" is not label=`: {"-base", "ubuntu"},
		"-threads":                      {"-threads", "0"},
	} {
		_, err := parseContainerFlags(args, &bytes.Buffer{})
		if assert.Error(t, err, "%v", args) {
			assert.Contains(t, err.Error(), want, "%v", args)
		}
	}
}

// Without a docker command the subcommand says so and runs nothing.
func TestContainersWithoutDocker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := exec.LookPath("docker"); err == nil {
		t.Skip("docker still found")
	}
	root := t.TempDir()
	_, _, err := runContainersCLI(t, "-images", "debian12", "-o", root)
	require.Error(t, err)
	assert.True(t, strings.Contains(strings.ToLower(err.Error()), "docker"), err.Error())
	entries, _ := os.ReadDir(root)
	assert.Empty(t, entries, "nothing half-runs")
}
