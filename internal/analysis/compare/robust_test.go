package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/results"
)

// What the reader leaves out of a file never reaches the tables; the
// reader's own tests (package results) check its warnings.

// writeFile writes lines to a file in a temporary directory and returns
// its path.
func writeFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

func churn(threads int, ns string, more ...string) string {
	return fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=libc/threads=%d-2 \t 1000000\t %s ns/op%s", threads, ns, strings.Join(more, ""))
}

// NaN, infinite and negative values never reach the statistics. (A NaN
// used to make the Mann-Whitney test allocate without bound.)
func TestImpossibleValuesAreNotCompared(t *testing.T) {
	path := writeFile(t, "bad.txt",
		"libc: glibc",
		churn(1, "NaN"),
		churn(1, "20"),
		churn(1, "+Inf"),
		churn(1, "-5"),
		churn(1, "21", "\t -3 futex-pct"),
		churn(1, "22", "\t 4 futex-pct"),
		"BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 \t 1000000\t 10 ns/op",
		"BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 \t 1000000\t NaN ns/op",
	)
	out, stderr, err := runCompare(t, RunOptions{}, path)
	require.NoError(t, err)
	assert.Contains(t, stderr, "warning: "+path+":2: skipped result: NaN ns/op\n")
	assert.NotContains(t, out, "NaN")
	assert.Regexp(t, `threads=1\s+21\.00 ± ∞\s+10\.00 ± ∞`, out, "the median of 20 and 22 against jemalloc's 10")
}

// Values outside a unit's physical range never reach the tables. (1e308
// ns/op used to print as a 300-digit number.)
func TestValuesOutsideThePhysicalRangeAreNotCompared(t *testing.T) {
	path := writeFile(t, "extreme.txt",
		"libc: glibc",
		churn(1, "1e308"),
		churn(1, "5e-324"),
		churn(1, "20", "\t 1e308 futex-pct"),
		churn(1, "3600000000001"),
		churn(1, "22", "\t 100 futex-pct\t 3600000000000 p99-nsec"),
	)
	out, stderr, err := runCompare(t, RunOptions{}, path)
	require.NoError(t, err)
	assert.Contains(t, stderr, "warning: "+path+":2: skipped result: outside the physical range of a time per op (0 to 3.6e+12): 1e+308 ns/op\n")
	assert.Regexp(t, `threads=1\s+22\.00 ± ∞`, out, "only the last result is kept")
	assert.NotContains(t, out, "e+30")
}

// A result cut off at the end of a file is not blamed on the results
// before it for lacking its cut-off unit.
func TestCutOffLastLineIsNotAMissingUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.txt")
	for _, end := range []string{"\t 62 p99-", "\t 6"} {
		data := churn(1, "20", "\t 60 p99-nsec") + "\n" + churn(1, "21", "\t 61 p99-nsec") + "\n" + churn(1, "22", end)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
		_, stderr, err := runCompare(t, RunOptions{Options: Options{Metrics: []string{"ns/op", "p99-nsec"}}}, path)
		require.NoError(t, err)
		assert.Contains(t, stderr, path+":3: skipped a line cut off at the end of the file (no newline after it)", end)
		assert.NotContains(t, stderr, "lacks", end)
		assert.Equal(t, 1, strings.Count(stderr, "warning:"), stderr)
	}
}

// The results of a failed cell have no row.
func TestFailedCellHasNoRow(t *testing.T) {
	path := writeFile(t, "failed.txt",
		"libc: glibc",
		churn(1, "20"),
		churn(1, "21"),
		results.FailedKey+": glibc workload=churn alloc=libc threads=2: no result within 1s: killed",
		churn(2, "500"),
		churn(2, "501"),
		results.FailedKey+":",
		churn(4, "30"),
	)
	out, stderr, err := runCompare(t, RunOptions{}, path)
	require.NoError(t, err)
	assert.Contains(t, stderr, "left out 2 results of 1 failed cell(s)")
	assert.NotContains(t, out, "threads=2", "the failed cell has no row")
}

func TestEnvironmentDifferencesWarnInCompare(t *testing.T) {
	a := writeFile(t, "a.txt", "libc: glibc", "env-glibc_tunables: glibc.malloc.arena_max=1", churn(1, "33"))
	b := writeFile(t, "b.txt", "libc: glibc", churn(1, "14"))
	_, stderr, err := runCompare(t, RunOptions{}, a, b)
	require.NoError(t, err)
	assert.Contains(t, stderr, "warning: the files were measured with different allocator environment variables")
}

func TestTooManyRows(t *testing.T) {
	var lines []string
	for i := 0; i < MaxRows+5; i++ {
		lines = append(lines, fmt.Sprintf("BenchmarkWorkloads/workload=w%d/alloc=libc/threads=1-2 1 %d ns/op", i, 10+i%3))
	}
	files, _ := results.ReadFiles([]results.Source{{Label: "rows", Path: writeFile(t, "rows.txt", lines...)}})
	tables, warns, err := Tables(files, Options{})
	require.NoError(t, err)
	require.Len(t, tables, 1)
	assert.Len(t, tables[0].Rows, MaxRows)
	require.NotEmpty(t, warns)
	assert.Contains(t, warns[0].Msg, fmt.Sprintf("%d rows: only the first %d", MaxRows+5, MaxRows))
}

// A file that adds a configuration key before every result: the tables
// name a few of the keys that differ, not thousands.
func TestNewKeyPerResultNamesAFewKeys(t *testing.T) {
	var b strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&b, "k%d: v\nBenchmarkX 1 %d ns/op\n", i, 10+i%3)
	}
	f, _ := results.Read(results.Source{Label: "keys", Path: "keys.txt"}, strings.NewReader(b.String()))
	_, gw, err := Summaries([]*results.File{f}, Options{})
	require.NoError(t, err)
	require.NotEmpty(t, gw)
	assert.Contains(t, gw[0].Msg, "k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, and ")
	assert.Less(t, len(gw[0].Msg), 300)
}

// Many distinct units: -metrics all gives each unit its summary, with
// warnings that name a few of the units a result lacks.
func TestManyDistinctUnitsEachHaveASummary(t *testing.T) {
	const per, lists = 500, 50
	var b strings.Builder
	u := 0
	for range lists {
		b.WriteString("BenchmarkX 1 1 ns/op")
		for range per {
			fmt.Fprintf(&b, " 1 u%d", u)
			u++
		}
		b.WriteString("\n")
	}
	f, warns := results.Read(results.Source{Label: "u", Path: "u.txt"}, strings.NewReader(b.String()))
	require.Empty(t, warns)
	require.Len(t, f.Results, lists)
	n := 0
	gw, err := EachSummary([]*results.File{f}, Options{Metrics: []string{"all"}}, func(s Summary) error {
		n++
		if s.Unit == "u0" {
			assert.Equal(t, 1, s.N)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1+lists*per, n, "a summary per unit")
	for _, w := range gw {
		require.Less(t, len(w.Msg), 400, "%.400s", w.Msg)
	}
}
