package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeLines(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

func result(alloc string, threads int, ns string) string {
	return fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=%s/threads=%d-2 \t 1000\t %s ns/op\t 5 futex-pct", alloc, threads, ns)
}

// NaN and infinite values used to stop the report ("plotter: NaN data
// point") with nothing written; a zero ns/op has an infinite throughput.
func TestNonFiniteValuesStillGiveAPage(t *testing.T) {
	path := writeLines(t, "bad.txt",
		"libc: glibc",
		result("libc", 1, "NaN"),
		result("libc", 1, "20"),
		result("libc", 2, "+Inf"),
		result("libc", 2, "12"),
		result("jemalloc", 1, "0"),
		result("jemalloc", 2, "8"),
	)
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run([]string{path}, Options{Out: out}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), path+":2: skipped result: NaN ns/op")
	assert.Contains(t, stderr.String(), path+":4: skipped result: infinite ns/op")
	assert.Contains(t, stderr.String(), "1 medians cannot be plotted")
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	doc := parsePage(t, page)
	require.NotNil(t, doc.byID("plot-churn-throughput-bad"))
	for _, svg := range regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAll(page, -1) {
		assert.NotContains(t, string(svg), "NaN")
		assert.NotContains(t, string(svg), "Inf")
	}
}

// Values at the edges of their units' ranges (0, an hour per op, 1e-15, a
// share of 100%) give a page whose figures and plots hold no NaN or
// infinity; values past them are left out with a warning naming the line.
// (1e308 and 5e-324 used to show "futex share 5e307 %", "±+Inf%" and SVG
// paths with NaN.)
func TestExtremeValuesGiveAFinitePage(t *testing.T) {
	lines := []string{"libc: glibc",
		"BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2 \t 1000\t 20 ns/op\t 1e308 futex-pct",
		"BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 \t 1000\t 5e-324 ns/op\t 1 futex-pct",
	}
	for i := range 6 {
		for _, t := range []int{1, 2} {
			lines = append(lines,
				fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=libc/threads=%d-2 \t 1000\t %d ns/op\t %d futex-pct\t %d p99-nsec\t 1.5 rss-per-live-byte", t, 20+i, i, 30+i),
				fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=%d-2 \t 1000\t 0 ns/op\t 0 futex-pct\t 0 p99-nsec\t 0 rss-per-live-byte", t),
				fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=mimalloc/threads=%d-2 \t 1000\t %s ns/op\t 100 futex-pct\t 3.6e12 p99-nsec\t 1e18 rss-per-live-byte", t, []string{"1e-15", "3.6e12"}[i%2]))
		}
	}
	path := writeLines(t, "extreme.txt", lines...)
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run([]string{path}, Options{Out: out}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), path+":2: skipped result: outside the physical range of a share (0 to 100): 1e+308 futex-pct")
	assert.Contains(t, stderr.String(), path+":3: skipped result: too small to be a measurement (under 1e-15 in size): 5e-324 ns/op")
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	text := string(page)
	for _, bad := range []string{"NaN", "Inf", "e+307", "e+308"} {
		assert.NotContains(t, text, bad)
	}
}

// Thousands of runs per thread count are shown as a dozen dots per
// line, and the plot says so.
func TestRunDotsAreThinned(t *testing.T) {
	lines := []string{"libc: glibc"}
	for i := 0; i < 5000; i++ {
		lines = append(lines, result("libc", 1+i%2, fmt.Sprint(10+i%97)), result("jemalloc", 1, fmt.Sprint(5+i%13)))
	}
	lines = append(lines, result("floor", 1, "3"), result("floor", 2, "4"))
	page := render(t, readInput(t, writeLines(t, "many.txt", lines...)))
	doc := parsePage(t, page)
	fig := doc.byID("fig-plot-churn-throughput-many")
	require.NotNil(t, fig)
	caps := fig.all(named("figcaption"))
	require.Len(t, caps, 1)
	assert.Equal(t, "Dots show 38 of 10002 runs: at most 12 per thread count, evenly spaced by rank.", caps[0].Text.String())
	assert.Less(t, len(page), 400_000, "the page stays small")

	few := render(t, readInput(t, "testdata/glibc.txt"))
	assert.NotContains(t, string(few), "Dots show", "nothing thinned, nothing said")
}

func TestEvenlyRanked(t *testing.T) {
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	assert.Equal(t, []float64{1, 6, 11}, evenlyRanked(vals, 3))
	assert.Equal(t, []float64{6}, evenlyRanked(vals, 1))
	assert.Equal(t, vals, evenlyRanked(vals, 20))
}

// report -o replaces a symbolic link with the page instead of writing
// through it.
func TestRunDoesNotFollowASymlink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep me"), 0o644))
	out := filepath.Join(dir, "r.html")
	require.NoError(t, os.Symlink(victim, out))
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run([]string{"testdata/glibc.txt"}, Options{Out: out}, &stdout, &stderr))
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(data))
	st, err := os.Lstat(out)
	require.NoError(t, err)
	assert.True(t, st.Mode().IsRegular(), "the link was replaced by the page")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file left behind")
}

// Many workloads: the first ones are plotted and the page says how much
// was left out.
func TestTooManyWorkloads(t *testing.T) {
	var lines []string
	for i := 0; i < maxWorkloads+3; i++ {
		lines = append(lines, fmt.Sprintf("BenchmarkWorkloads/workload=w%02d/alloc=libc/threads=1-2 1 %d ns/op", i, 10+i))
	}
	in := readInput(t, writeLines(t, "wide.txt", lines...))
	var buf bytes.Buffer
	warns, err := write(&buf, in)
	require.NoError(t, err)
	doc := parsePage(t, buf.Bytes())
	assert.Len(t, doc.all(named("svg")), maxWorkloads)
	require.NotEmpty(t, warns)
	assert.Contains(t, warns[len(warns)-1].Msg, fmt.Sprintf("only the first %d workloads are shown; 3 more are left out", maxWorkloads))
	assert.Len(t, doc.all(func(n *node) bool { return n.Name == "table" && n.Attr["class"] == "sum" }), maxWorkloads, "and as many summary tables")
}
