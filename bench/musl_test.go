package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
)

// buildMusl builds the tests of package dir as a static musl binary, the way
// docs/allocators.md says, and returns its path. It skips where musl-gcc is missing,
// unless RequireEnv is set.
func buildMusl(t *testing.T, dir string) string {
	t.Helper()
	if cgoalloc.Libc().Static {
		t.Skip("this binary is the static build already")
	}
	if testing.Short() {
		t.Skip("builds a second binary; skipped with -short")
	}
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("musl-gcc is needed (apt-get install musl-tools): %v", err)
		}
		t.Skip("musl-gcc is not installed (apt-get install musl-tools)")
	}
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), filepath.Base(abs)+"-musl.test")
	cmd := exec.Command("go", "test", "-c", "-o", out,
		"-ldflags", "-linkmode external -extldflags -static", dir)
	cmd.Env = append(os.Environ(), "CC=musl-gcc", "CGO_ENABLED=1")
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "building the musl binary: %s", msg)
	return out
}

// The same code built with musl-gcc, statically, measures musl's malloc and
// says so.
func TestMuslBuildReportsMusl(t *testing.T) {
	bin := buildMusl(t, ".")
	cmd := exec.Command(bin, "-test.run", "^$",
		"-test.bench", "Workloads/workload=churn/alloc=(libc|floor|jemalloc)/threads=2$",
		"-test.benchtime", "20000x")
	cmd.Env = append(os.Environ(), RequireEnv+"=all")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.Regexp(t, `(?m)^libc: musl$`, s)
	assert.Regexp(t, `(?m)^libc-version: 1\.\d+\.\d+$`, s)
	assert.Regexp(t, `(?m)^alloc-libc: musl 1\.\d+\.\d+ served-by=\S+ \(static\)$|(?m)^alloc-libc: musl 1\.\d+\.\d+ served-by=`, s)
	assert.Regexp(t, `(?m)^alloc-jemalloc: skipped: .*statically`, s, "a static build says why it cannot load jemalloc")
	assert.Regexp(t, `(?m)^allocbench: skipping the benchmarks of jemalloc: .*statically`, s, "the skip is said without -test.v")
	for _, a := range []string{"libc", "floor"} {
		line := regexp.MustCompile(`(?m)^BenchmarkWorkloads/workload=churn/alloc=` + a + `/threads=2\S*\s+20000\s.*$`).FindString(s)
		if assert.NotEmpty(t, line, "a result row for %s:\n%s", a, s) {
			for _, unit := range []string{results.NsPerOp, results.CPUNsecPerOp, results.P99Nsec, results.PeakRSSBytes, results.VcswPerOp} {
				assert.Contains(t, line, " "+unit, "%s row has %s", a, unit)
			}
		}
	}
	assert.False(t, strings.Contains(s, "FAIL"), "%s", s)
}

// Every workload runs on the musl build too, with the same integrity and
// sanity checks.
func TestMuslBuildRunsEveryWorkload(t *testing.T) {
	bin := buildMusl(t, "../workloads")
	cmd := exec.Command(bin, "-test.run", "TestEveryWorkloadEveryAllocator|TestBrokenAllocatorIsCaught", "-test.v")
	cmd.Dir = "../workloads"
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestEveryWorkloadEveryAllocator")
	assert.Contains(t, string(out), "--- PASS: TestBrokenAllocatorIsCaught")
}
