package cells

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
)

// writeFile writes lines into a file in a temporary directory.
func writeFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

func read(t *testing.T, args ...string) *Set {
	t.Helper()
	files, warns := results.ReadFiles(results.ParseSources(args))
	require.Empty(t, warns)
	s, warns, err := Collect(files, Options{})
	require.NoError(t, err)
	require.Empty(t, warns)
	return s
}

func line(workload, alloc string, threads int, units string) string {
	return fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-2 \t 1000\t %s", workload, alloc, threads, units)
}

// The cells hold what compare computes for the same results.
func TestCollectAgreesWithCompare(t *testing.T) {
	files, _ := results.ReadFiles(results.ParseSources([]string{"glibc=../report/testdata/glibc.txt", "musl=../report/testdata/musl.txt"}))
	s, _, err := Collect(files, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"glibc", "musl"}, s.Labels)
	assert.Equal(t, []string{"churn", "larson", "xmalloc"}, s.Workloads)
	assert.Equal(t, []int{1, 2, 4}, s.Threads)
	assert.Contains(t, s.Allocs, "floor")

	sums, _, err := compare.Summaries(files, compare.Options{Row: "/workload /alloc /threads", Col: results.LabelKey, Metrics: []string{NsPerOp}})
	require.NoError(t, err)
	require.NotEmpty(t, sums)
	for _, sum := range sums {
		var n int
		fmt.Sscan(sum.Fields["/threads"], &n)
		c := Cell{Label: sum.Fields[results.LabelKey], Workload: sum.Fields["/workload"], Alloc: sum.Fields["/alloc"], Threads: n}
		st, ok := s.Get(c, NsPerOp)
		require.True(t, ok, c.String())
		assert.Equal(t, sum.Center, st.Center, c.String())
		assert.Equal(t, sum.Values, st.Values, c.String())
	}
	med, ok := s.Median(Cell{"glibc", "churn", "libc", 1}, NsPerOp)
	require.True(t, ok)
	assert.InDelta(t, (17.01+16.89)/2, med, 1e-9)
	assert.Equal(t, "glibc", s.Config("glibc", "libc"))
	assert.Equal(t, "musl", s.Config("musl", "libc"))
	assert.Equal(t, "glibc workload=churn alloc=libc threads=1", Cell{"glibc", "churn", "libc", 1}.String())
	assert.Equal(t, "^BenchmarkWorkloads$/^workload=churn$/^alloc=libc$/^threads=1$", Cell{"glibc", "churn", "libc", 1}.BenchPattern())
}

func TestCompareFindsADifference(t *testing.T) {
	var lines []string
	for i := 0; i < 6; i++ {
		lines = append(lines, line("churn", "libc", 1, fmt.Sprintf("%d ns/op", 20+i)), line("churn", "jemalloc", 1, fmt.Sprintf("%d ns/op", 10+i)),
			line("churn", "mimalloc", 1, fmt.Sprintf("%d ns/op", 20+(i*7)%6)))
	}
	s := read(t, writeFile(t, "a.txt", lines...))
	p, ok := s.Compare(Cell{"a", "churn", "libc", 1}, Cell{"a", "churn", "jemalloc", 1}, NsPerOp)
	require.True(t, ok)
	assert.Less(t, p, 0.05)
	p, ok = s.Compare(Cell{"a", "churn", "libc", 1}, Cell{"a", "churn", "mimalloc", 1}, NsPerOp)
	require.True(t, ok)
	assert.Greater(t, p, 0.5, "the same values in another order")
	_, ok = s.Compare(Cell{"a", "churn", "libc", 1}, Cell{"a", "churn", "tcmalloc", 1}, NsPerOp)
	assert.False(t, ok)
}

func TestResultsWithoutCellNamesAreCounted(t *testing.T) {
	path := writeFile(t, "plain.txt", "BenchmarkOther-2 10 5 ns/op", line("churn", "libc", 1, "5 ns/op"))
	files, _ := results.ReadFiles([]results.Source{{Label: "plain", Path: path}})
	s, warns, err := Collect(files, Options{})
	require.NoError(t, err)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Msg, "1 summaries without a /workload")
	assert.True(t, s.Has(Cell{"plain", "churn", "libc", 1}))
}

// Each caveat appears where its input is too small, and only there.
func TestCaveats(t *testing.T) {
	var lines []string
	for i := 0; i < 6; i++ {
		lines = append(lines,
			// A small live set and few latency samples.
			line("churn", "libc", 1, fmt.Sprintf("%d ns/op 20 p99-ns 40 latency-samples 2.5 rss-per-live-byte 204800 peak-live-bytes", 20+i%2)),
			// Enough of both.
			line("larson", "libc", 1, fmt.Sprintf("%d ns/op 20 p99-ns 5000 latency-samples 1.2 rss-per-live-byte 8388608 peak-live-bytes", 30+i%2)),
		)
		// Bimodal runs: 13 or 22 ns/op.
		ns := 13.0
		if i%2 == 0 {
			ns = 22
		}
		lines = append(lines, line("churn", "jemalloc", 1, fmt.Sprintf("%.1f ns/op", ns+0.1*float64(i))))
	}
	lines = append(lines, line("xmalloc", "libc", 1, "5 ns/op"), line("xmalloc", "libc", 1, "6 ns/op"))
	s := read(t, writeFile(t, "c.txt", lines...))
	kinds := func(c Cell, unit string) []string {
		var out []string
		for _, cv := range s.Caveats(c, unit) {
			out = append(out, cv.Kind)
			assert.NotEmpty(t, cv.Text)
			assert.NotEmpty(t, cv.Detail)
		}
		return out
	}
	assert.Equal(t, []string{SmallLiveSet}, kinds(Cell{"c", "churn", "libc", 1}, RSSPerLiveByte))
	assert.Equal(t, []string{FewSamples}, kinds(Cell{"c", "churn", "libc", 1}, P99Ns))
	assert.Empty(t, kinds(Cell{"c", "churn", "libc", 1}, NsPerOp))
	assert.Empty(t, kinds(Cell{"c", "larson", "libc", 1}, RSSPerLiveByte))
	assert.Empty(t, kinds(Cell{"c", "larson", "libc", 1}, P99Ns))
	assert.Equal(t, []string{Bimodal}, kinds(Cell{"c", "churn", "jemalloc", 1}, NsPerOp))
	assert.Equal(t, []string{FewRuns}, kinds(Cell{"c", "xmalloc", "libc", 1}, NsPerOp))
	assert.Empty(t, kinds(Cell{"c", "xmalloc", "libc", 2}, NsPerOp), "no cell, no caveat")

	cv := s.Caveats(Cell{"c", "churn", "libc", 1}, RSSPerLiveByte)[0]
	assert.Equal(t, "live set 200 KiB", cv.Detail)
	cv = s.Caveats(Cell{"c", "churn", "jemalloc", 1}, NsPerOp)[0]
	assert.Equal(t, "3 of 6 runs near 13.3, 3 of 6 near 22.2", cv.Detail)
}

// Collect reads every headline metric and what qualifies it, whether or
// not the list above names it.
func TestUnitsHaveTheHeadlines(t *testing.T) {
	for _, m := range results.Headlines() {
		assert.Contains(t, Units, m.Unit)
		if m.Qualifier != "" {
			assert.Contains(t, Units, m.Qualifier)
		}
	}
	assert.Equal(t, []string{"a", "ns/op", results.FutexPct, results.P99Nsec, results.LatencySamples, results.RSSPerLiveByte, results.PeakLiveBytes},
		withHeadlines("a", "ns/op"), "the headlines in table order, each followed by its qualifier")
}
