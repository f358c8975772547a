package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/usage"
)

// plainBench is go test -bench output of a package that is not allocbench:
// no allocator keys, no workload, allocator or thread count in the names.
func plainBench(foo ...string) []string {
	lines := []string{"goos: linux", "goarch: amd64", "pkg: example.com/foo", "cpu: Test CPU"}
	for _, ns := range foo {
		lines = append(lines, "BenchmarkFoo-8   \t 1000000\t      "+ns+" ns/op\t     128 B/op\t       2 allocs/op")
	}
	return append(lines, "BenchmarkBar/size=10-8   \t 1000000\t      520 ns/op\t     64 B/op\t       1 allocs/op", "PASS", "ok  \texample.com/foo\t3.2s")
}

func runReport(t *testing.T, baseline string, files ...string) (page, stderr string, err error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.html")
	var so, se bytes.Buffer
	err = Run(files, Options{Out: out, Baseline: baseline}, &so, &se)
	data, _ := os.ReadFile(out)
	return string(data), se.String(), err
}

// Plain go test -bench output used to stop report with `-baseline "" is
// not a file's allocator here`; it gets compare's tables, one per metric,
// with a column per file.
func TestReportOfPlainGoTestOutput(t *testing.T) {
	old := writeLines(t, "old.txt", plainBench("1020", "1010", "1030")...)
	new := writeLines(t, "new.txt", plainBench("900", "910", "905")...)
	page, stderr, err := runReport(t, "", old, new)
	require.NoError(t, err, stderr)
	doc := parsePage(t, []byte(page))
	require.NotNil(t, doc.byID("tables"))
	assert.Contains(t, page, "one column per file")
	assert.Regexp(t, `fullname\s+old\s+new\s+vs old\n`, page)
	assert.Regexp(t, `\nFoo-8\s+1020\.0 ± ∞\s+905\.0 ± ∞`, page)
	assert.Contains(t, page, "Bar/size=10-8")
	assert.Contains(t, page, "<h3>allocs/op ")
	assert.Nil(t, doc.byID("summary"))

	// One file: one column, the file.
	page, stderr, err = runReport(t, "", old)
	require.NoError(t, err, stderr)
	assert.Contains(t, page, "one column: the file")
	assert.Regexp(t, `fullname\s+old\n`, page)
}

// In one file, a configuration key whose value varies makes the columns.
func TestReportOfPlainOutputByVaryingKey(t *testing.T) {
	lines := append([]string{"impl: a"}, plainBench("1000", "1010")...)
	lines = append(lines, "impl: b")
	lines = append(lines, plainBench("500", "510")[4:]...)
	path := writeLines(t, "impls.txt", lines...)
	page, stderr, err := runReport(t, "", path)
	require.NoError(t, err, stderr)
	assert.Contains(t, page, "one column per value of impl, which varies between the results")
	assert.Regexp(t, `fullname\s+a\s+b\s+vs a\n`, page)
	assert.Regexp(t, `\nFoo-8\s+1005\.0 ± ∞\s+505\.0 ± ∞`, page)
	assert.False(t, strings.Contains(page, "NaN"))

	// A -baseline that names no column is a usage error that names them.
	_, _, err = runReport(t, "c", path)
	require.Error(t, err)
	assert.True(t, usage.Is(err))
	assert.Contains(t, err.Error(), `baseline "c" is not a column (columns: a, b)`)
}
