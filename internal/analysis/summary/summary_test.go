package summary

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/results"
)

// machine is the configuration of a made-up 2-core host.
var machine = []string{"cpu-brand: Test CPU", "cpu-cores: 2", "numcpu: 2", "cgroup-cpu-quota: none", "kernel: 6.1"}

// write writes six runs per cell: ns/op from nsAt, spread by ±2.5%.
func write(t *testing.T, name string, config []string, allocs []string, threads []int, nsAt func(alloc string, n int) float64) string {
	t.Helper()
	lines := append([]string(nil), config...)
	for _, a := range allocs {
		for _, n := range threads {
			for i := 0; i < 6; i++ {
				k := 1 + 0.01*float64(i) - 0.025
				lines = append(lines, fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=%s/threads=%d-2 \t 1000\t %g ns/op\t 1.5 futex-pct\t 60 p99-ns",
					a, n, nsAt(a, n)*k))
			}
		}
	}
	path := filepath.Join(t.TempDir(), name+".txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

func set(t *testing.T, args ...string) *cells.Set {
	t.Helper()
	files, warns := results.ReadFiles(results.ParseSources(args))
	require.Empty(t, warns)
	s, _, err := cells.Collect(files, cells.Options{})
	require.NoError(t, err)
	return s
}

// Amdahl-like scaling for libc (σ = 0.2), near-linear for jemalloc.
func nsGlibc(a string, n int) float64 {
	switch a {
	case "jemalloc":
		return 10 / float64(n) * (1 + 0.01*float64(n-1))
	case "mimalloc":
		return 20 // as libc at one thread
	}
	return 20 / float64(n) * (1 + 0.2*float64(n-1))
}

func TestSummaryTable(t *testing.T) {
	g := write(t, "glibc", append([]string{"libc: glibc"}, machine...), []string{"libc", "jemalloc", "mimalloc"}, []int{1, 2, 4}, nsGlibc)
	m := write(t, "musl", append([]string{"libc: musl"}, machine...), []string{"libc"}, []int{1, 2, 4}, func(string, int) float64 { return 80 })
	s := set(t, g, m)
	sum, err := Make(s, Options{})
	require.NoError(t, err)
	assert.Equal(t, Column{"glibc", "libc"}, sum.Baseline)
	assert.Equal(t, []Column{{"glibc", "libc"}, {"glibc", "jemalloc"}, {"glibc", "mimalloc"}, {"musl", "libc"}}, sum.Columns)
	require.Len(t, sum.Workloads, 1)
	rows := sum.Workloads[0].Rows
	require.Len(t, rows, 3)
	one := rows[0]
	assert.True(t, one.Speed[0].Baseline)
	assert.InDelta(t, 1.0, one.Speed[0].Value, 1e-9)
	assert.InDelta(t, 2.0, one.Speed[1].Value, 1e-9, "jemalloc twice as fast at one thread")
	assert.True(t, one.Speed[1].Significant)
	assert.Less(t, one.Speed[1].P, 0.05)
	assert.False(t, one.Speed[2].Significant, "mimalloc measures the same as libc")
	assert.InDelta(t, 0.25, one.Speed[3].Value, 1e-9)
	assert.True(t, one.Speed[3].Significant)
	assert.False(t, math.IsNaN(one.Speed[1].Pct), "six runs give an interval")
	assert.InDelta(t, 1.5, one.MediansOf(results.FutexPct)[0].Value, 1e-9)
	assert.InDelta(t, 60, one.MediansOf(results.P99Nsec)[3].Value, 1e-9)
	assert.False(t, one.MediansOf(results.RSSPerLiveByte)[0].OK)
	assert.Nil(t, one.MediansOf(results.NsPerOp), "ns/op is the speed")

	var out bytes.Buffer
	require.NoError(t, sum.WriteText(&out))
	text := out.String()
	assert.Contains(t, text, "Throughput relative to glibc/libc at the same thread count")
	assert.Regexp(t, `churn, glibc\s+libc\s+jemalloc\s+mimalloc\n\s+threads=1  speed\s+1\.00x\s+2\.00x±3%\s+~1\.00x±3%\n`, text)
	assert.Regexp(t, `churn, musl\s+libc\n\s+threads=1  speed\s+0\.25x±3%\n`, text, "a table per file")
	for _, line := range strings.Split(text, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 120, line)
	}
	assert.Less(t, one.Speed[1].Lo, 2.0)
	assert.Greater(t, one.Speed[1].Hi, 2.0)
	assert.Regexp(t, `futex%\s+1\.5\s+1\.5\s+1\.5\n`, text)

	// The answer first: a line per workload at its most threads.
	hs := sum.Headlines("musl")
	require.Len(t, hs, 1)
	h := hs[0]
	assert.Equal(t, 4, h.Threads)
	assert.Equal(t, Column{"glibc", "jemalloc"}, h.Fastest)
	assert.InDelta(t, 0.1, h.Musl.Value, 1e-9, "musl's malloc at 80 ns/op against 8")
	assert.Equal(t, Column{"musl", "libc"}, h.BestOnMusl)
	var head bytes.Buffer
	require.NoError(t, sum.WriteHeadlines(&head, "musl"))
	assert.Regexp(t, `churn t=4\s+jemalloc\s+3\.11x ±3%\s+10\.0x slower ±3%\s+libc 10\.0x slower ±3%\n`, head.String())
	assert.Equal(t, "3.11x [3.02, 3.20]", SpeedText(h.FastestSpeed))
	assert.Equal(t, "10.0x slower [9.71, 10.3]", SpeedText(h.Musl))
	for _, line := range strings.Split(head.String(), "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 100, line)
	}
	assert.NotContains(t, text, "fewer than", "six runs everywhere")

	// Scaling on 2 cores: speedups with intervals at threads=2, what
	// oversubscription costs at 4, and no law fitted to two points.
	require.Len(t, sum.Scaling, 4)
	libc := sum.Scaling[0]
	assert.Equal(t, Column{"glibc", "libc"}, libc.Column)
	assert.NotEmpty(t, libc.Err)
	assert.Equal(t, []int{4}, libc.Beyond, "2 cores: threads=4 time-shares")
	assert.Len(t, libc.Points, 18)
	require.Len(t, libc.Speedups, 1)
	assert.Equal(t, 2, libc.Speedups[0].Threads)
	assert.InDelta(t, 1/(0.5*1.2), libc.Speedups[0].Est, 1e-9)
	assert.InDelta(t, 0.833, libc.Speedups[0].Efficiency(), 0.001)
	require.NotNil(t, libc.Oversubscribed)
	assert.InDelta(t, (20/2.0*1.2)/(20/4.0*1.6), libc.Oversubscribed.Est, 1e-9)
	assert.Equal(t, Cores{Physical: 2, Usable: 2}, sum.Cores["glibc"])
	assert.Contains(t, text, "glibc: 2 physical cores, 2 usable CPUs; thread counts above 2 measure time-sharing, not scaling")
	assert.Regexp(t, `churn\s+glibc/libc\s+threads=2 1\.67x \[1\.6\d, 1\.7\d\] 83%; 4 vs 2 threads 1\.50x`, text)
	assert.NotContains(t, text, "σ=", "no fit on two cores")
}

// With eight cores and four thread counts within them, the law is fitted,
// and a peak past the thread counts measured is not named.
func TestScalingFitWithinTheCores(t *testing.T) {
	eight := []string{"libc: glibc", "cpu-cores: 8", "numcpu: 8"}
	g := write(t, "glibc", eight, []string{"libc"}, []int{1, 2, 4, 8}, nsGlibc)
	sum, err := Make(set(t, g), Options{})
	require.NoError(t, err)
	require.Len(t, sum.Scaling, 1)
	sc := sum.Scaling[0]
	require.Empty(t, sc.Err)
	assert.InDelta(t, 0.2, sc.Fit.Sigma, 0.02)
	assert.InDelta(t, 0, sc.Fit.Kappa, 0.005)
	assert.Empty(t, sc.LackOfFit)
	assert.Len(t, sc.Speedups, 3)
	assert.Contains(t, sc.FitText(), "no peak within 8 threads")
	assert.Nil(t, sc.Oversubscribed, "threads=16 was not measured")

	// Three thread counts within the cores are not enough.
	g = write(t, "glibc", eight, []string{"libc"}, []int{1, 2, 4}, nsGlibc)
	sum, err = Make(set(t, g), Options{})
	require.NoError(t, err)
	assert.Contains(t, sum.Scaling[0].Err, "3 thread counts within the 8 CPUs")
}

func TestBaselineChoice(t *testing.T) {
	g := write(t, "glibc", []string{"libc: glibc"}, []string{"libc", "jemalloc"}, []int{1}, nsGlibc)
	m := write(t, "musl", []string{"libc: musl"}, []string{"libc", "mimalloc"}, []int{1}, nsGlibc)
	// musl first on the command line: glibc's malloc is still the default.
	s := set(t, m, g)
	for spec, want := range map[string]Column{
		"":               {"glibc", "libc"},
		"jemalloc":       {"glibc", "jemalloc"},
		"musl/mimalloc":  {"musl", "mimalloc"},
		"glibc/jemalloc": {"glibc", "jemalloc"},
	} {
		got, err := ChooseBaseline(s, spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, got, spec)
	}
	for _, bad := range []string{"tcmalloc", "musl/jemalloc", "debian/libc", "mimalloc"} {
		_, err := ChooseBaseline(s, bad)
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), fmt.Sprintf("-baseline %q is not", bad))
		assert.Contains(t, err.Error(), "valid: musl/libc, musl/mimalloc, glibc/libc, glibc/jemalloc")
	}
	sum, err := Make(s, Options{Baseline: "musl/mimalloc"})
	require.NoError(t, err)
	assert.Contains(t, func() string { var b bytes.Buffer; sum.WriteText(&b); return b.String() }(), "relative to musl/mimalloc")

	// Without a glibc file, the first file's libc.
	s = set(t, m)
	got, err := ChooseBaseline(s, "")
	require.NoError(t, err)
	assert.Equal(t, Column{"musl", "libc"}, got)
}

func TestPairs(t *testing.T) {
	base := []string{"cpu-brand: Test CPU", "numcpu: 2", "kernel: 6.1"}
	g := write(t, "glibc", append([]string{"libc: glibc", "libc-version: 2.36", "distro: Debian 12"}, base...), []string{"libc"}, []int{1, 2}, nsGlibc)
	m := write(t, "musl", append([]string{"libc: musl", "libc-version: 1.2.3", "distro: Debian 12"}, base...), []string{"libc"}, []int{1, 2}, func(string, int) float64 { return 40 })
	d13 := write(t, "debian13", append([]string{"libc: glibc", "libc-version: 2.41", "distro: Debian 13"}, base...), []string{"libc"}, []int{1}, nsGlibc)
	other := write(t, "big", []string{"libc: glibc", "distro: Debian 12", "cpu-brand: Other CPU", "numcpu: 64", "kernel: 6.1"}, []string{"libc"}, []int{1}, nsGlibc)
	same := write(t, "again", append([]string{"libc: glibc", "libc-version: 2.36", "distro: Debian 12"}, base...), []string{"libc"}, []int{1}, nsGlibc)
	s := set(t, g, m, d13, other, same)
	pairs, not := Pairs(s, "glibc")
	require.Len(t, pairs, 2)
	assert.Equal(t, Pair{Ref: "glibc", Other: "musl", Differ: []string{"libc: glibc → musl"}}, pairs[0])
	assert.Equal(t, Pair{Ref: "glibc", Other: "debian13", Differ: []string{"distro: Debian 12 → Debian 13"}}, pairs[1])
	assert.Equal(t, []string{
		"big differs from glibc in cpu-brand (Test CPU vs Other CPU), numcpu (2 vs 64) too",
		"again and glibc have the same C library and distribution",
	}, not)

	rs := Ratios(s, pairs[0], "churn")
	require.Len(t, rs, 2)
	assert.Equal(t, 1, rs[0].Threads)
	assert.InDelta(t, 20.0/40, rs[0].Value, 1e-9)
	assert.InDelta(t, 12.0/40, rs[1].Value, 1e-9, "glibc's libc at two threads: 20/2×1.2 = 12 ns/op")
	assert.Len(t, rs[0].Runs, 6, "a dot per run whatever the count")
	assert.Less(t, rs[0].Lo, rs[0].Value)
	assert.Greater(t, rs[0].Hi, rs[0].Value)
}

// A bimodal mark that the format cannot show is dropped.
func TestPlain(t *testing.T) {
	cv := []cells.Caveat{{Kind: cells.Bimodal}, {Kind: cells.SmallLiveSet}}
	e := Entry{OK: true, Value: 0.01, Bimodal: true, Low: 0.001, High: 0.02, Caveats: cv}
	p := Plain(e, numText("%.1f"))
	assert.False(t, p.Bimodal, "0.0 and 0.0")
	assert.Equal(t, []cells.Caveat{{Kind: cells.SmallLiveSet}}, p.Caveats)
	assert.Len(t, e.Caveats, 2, "the entry given is not changed")
	p = Plain(e, numText("%.3g"))
	assert.True(t, p.Bimodal, "0.001 and 0.02")
	assert.Equal(t, "0.001|0.02", numText("%.3g")(p))
}

func TestBaselineErrorIsTyped(t *testing.T) {
	g := write(t, "glibc", []string{"libc: glibc"}, []string{"libc"}, []int{1}, nsGlibc)
	_, err := Make(set(t, g), Options{Baseline: "nope"})
	var be *BaselineError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "nope", be.Spec)
	assert.Equal(t, []string{"glibc/libc"}, be.Valid)
}
