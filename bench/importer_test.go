package bench

import (
	"os"
	"os/exec"
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
