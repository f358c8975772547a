package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/workloads"
)

// Another module (testdata/importer, which requires this one through a
// replace directive) runs the whole matrix with Main and Matrix, and gets
// the configuration lines and a result for every cell.
func TestImporterRunsTheMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another module's test binary")
	}
	if cgoalloc.Libc().Static {
		t.Skip("this binary is the static build")
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Allocators", "-benchtime", "100x", "-count", "1", ".",
		"-args", "-allocbench.threads=1", "-allocbench.futex=off")
	cmd.Dir = "testdata/importer"
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.Regexp(t, `(?m)^libc: (glibc|musl)$`, s)
	assert.Regexp(t, `(?m)^futex-method: off$`, s)
	for _, w := range workloads.All() {
		for _, a := range alloc.Names() {
			spec, err := alloc.Lookup(a)
			require.NoError(t, err)
			if w.CrossThread && !spec.CrossThreadFree {
				continue
			}
			if _, err := cgoalloc.Open(a); err != nil {
				assert.Contains(t, s, "allocbench: skipping the benchmarks of "+a+":", "a missing allocator is said")
				continue
			}
			row := `(?m)^BenchmarkAllocators/workload=` + regexp.QuoteMeta(w.Name) + `/alloc=` + a + `/threads=1(-\d+)?\s+100\s+\S+ ns/op`
			assert.Regexp(t, row, s, "%s on %s", w.Name, a)
		}
	}
	assert.Regexp(t, `(?m)^ok\s`, s)
}

// Run, called directly, measures futex time with Main's method as Matrix
// does, and fails, not skips, on an allocator that does not exist.
func TestImporterRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another module's test binary")
	}
	bin := filepath.Join(t.TempDir(), "importer.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = "testdata/importer"
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	runBench := func(name string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"-test.run", "^$", "-test.bench", "^" + name + "$", "-test.benchtime", "100x"}, args...)...)
		cmd.Env = append(os.Environ(), FutexEnv+"=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out2, err := runBench("BenchmarkMisspelt")
	require.Error(t, err, "%s", out2)
	assert.Contains(t, out2, `unknown allocator "jemaloc"; did you mean jemalloc?`)
	assert.Contains(t, out2, "--- FAIL: BenchmarkMisspelt")
	assert.NotContains(t, out2, "SKIP")

	s, err := runBench("BenchmarkMine", "-allocbench.futex=off")
	require.NoError(t, err, "%s", s)
	assert.Regexp(t, `(?m)^BenchmarkMine(-\d+)?\s+100\s+\S+ ns/op`, s)
	assert.NotContains(t, s, "futex-pct", "off measures no futex time")

	for _, method := range []workloads.FutexMethod{workloads.FutexSampled, workloads.FutexTracepoint} {
		if used, reason, err := workloads.FutexMeterInfo(method); err != nil || used != string(method) {
			t.Logf("futex method %s cannot be used here: %v %s", method, err, reason)
			continue
		}
		s, err := runBench("BenchmarkMine", "-allocbench.futex="+string(method))
		require.NoError(t, err, "%s", s)
		assert.Regexp(t, `(?m)^futex-method: `+string(method)+`$`, s)
		assert.Regexp(t, `(?m)^BenchmarkMine(-\d+)?\s+100\s+.*\sfutex-pct`, s, "Main's method %s measures Run's futex time", method)
	}
}
