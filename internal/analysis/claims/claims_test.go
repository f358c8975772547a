package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/analysis/cells"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/results"
)

// fig is one cell's made-up figures.
type fig struct {
	workload, alloc string
	threads         int
	ns, futex, rss  float64
}

// writeFile writes six runs of each cell, 1% apart, after the
// configuration lines.
func writeFile(t *testing.T, name string, config []string, figs []fig) string {
	t.Helper()
	lines := append([]string(nil), config...)
	for _, f := range figs {
		for i := 0; i < 6; i++ {
			k := 1 + 0.01*float64(i) - 0.025
			lines = append(lines, fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%d-2 \t 1000\t %g ns/op\t %g futex-ns/op\t %g rss-per-live-byte",
				f.workload, f.alloc, f.threads, f.ns*k, f.futex*k, f.rss*k))
		}
	}
	path := filepath.Join(t.TempDir(), name+".txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

var glibcFigs = []fig{
	{"churn", "libc", 1, 20, 0, 2}, {"churn", "libc", 2, 20, 0, 2},
	{"churn", "jemalloc", 1, 12, 0, 3}, {"churn", "jemalloc", 2, 12, 0, 3},
	{"churn", "mimalloc", 1, 8, 0, 1}, {"churn", "mimalloc", 2, 8, 0, 1},
	{"larson", "libc", 2, 20, 0, 2}, {"larson", "mimalloc", 2, 10, 0, 0.8}, {"larson", "jemalloc", 2, 12, 0, 2},
}

var muslFigs = []fig{
	{"churn", "libc", 1, 30, 10, 2}, {"churn", "libc", 2, 80, 40, 2},
	{"churn", "mimalloc", 2, 11, 0, 1}, {"larson", "libc", 2, 60, 30, 2}, {"larson", "mimalloc", 2, 11, 0, 1},
}

func judge(t *testing.T, args ...string) (Roles, map[string]Verdict) {
	t.Helper()
	files, warns := results.ReadFiles(results.ParseSources(args))
	require.Empty(t, warns)
	s, _, err := cells.Collect(files, cells.Options{})
	require.NoError(t, err)
	r := FindRoles(s)
	vs := Evaluate(s, r)
	require.Len(t, vs, len(all))
	out := map[string]Verdict{}
	for _, v := range vs {
		out[v.ID] = v
	}
	return r, out
}

func TestClaimsOnGlibcAndMusl(t *testing.T) {
	g := writeFile(t, "g", []string{"libc: glibc"}, glibcFigs)
	m := writeFile(t, "m", []string{"libc: musl"}, muslFigs)
	// Labels other than glibc and musl: the libc lines decide.
	r, v := judge(t, "debian12="+g, "alpine="+m)
	assert.Equal(t, Roles{Glibc: "debian12", Musl: "alpine"}, r)

	assert.Equal(t, "musl slower by 4.00x [3.88x, 4.12x] at most (churn threads=2)", v["musl-mt"].Measured)
	assert.Equal(t, "yes", v["musl-mt"].Holds)
	assert.Equal(t, 3.0, v["musl-mt"].Threshold)
	require.NotNil(t, v["musl-mt"].Figure)
	assert.InDelta(t, 3.88, v["musl-mt"].Figure.Lo, 0.01)
	assert.NotEmpty(t, v["musl-mt"].Robust)
	assert.Equal(t, []string{
		"alpine/libc churn threads=2: 80 ns/op [78–82] (median of 6)", "debian12/libc churn threads=2: 20 ns/op [19.5–20.5] (median of 6)",
		"alpine/libc larson threads=2: 60 ns/op [58.5–61.5] (median of 6)", "debian12/libc larson threads=2: 20 ns/op [19.5–20.5] (median of 6)",
	}, v["musl-mt"].Cells, "every cell compared, the deciding pair first")
	cell := func(label, workload string) cells.Cell {
		return cells.Cell{Label: label, Workload: workload, Alloc: "libc", Threads: 2}
	}
	assert.Equal(t, []cells.Cell{cell("alpine", "churn"), cell("debian12", "churn"), cell("alpine", "larson"), cell("debian12", "larson")},
		v["musl-mt"].Deciding)

	assert.Equal(t, "musl 40 [39, 41] futex-nsec/op, glibc none (churn threads=2)", v["musl-futex"].Measured)
	assert.Equal(t, "yes", v["musl-futex"].Holds)
	assert.Equal(t, "1.50x [1.46x, 1.55x] single-threaded vs 4.00x [3.88x, 4.12x] at threads=2", v["st-small"].Measured)
	assert.Equal(t, "yes", v["st-small"].Holds)
	assert.Equal(t, "mimalloc up to 2.50x [2.43x, 2.58x] faster (churn threads=2)", v["mi-mt"].Measured)
	assert.Equal(t, "yes", v["mi-mt"].Holds)
	assert.Contains(t, v["mi-rss"].Measured, "mimalloc needs 0.40x [")
	assert.Contains(t, v["mi-rss"].Measured, "glibc's RSS per live byte (one workload; bootstrap interval)")
	assert.Equal(t, "yes", v["mi-rss"].Holds)
	assert.Equal(t, "glibc reaches 60% [58.2%, 61.8%] of jemalloc's throughput at worst (churn threads=2)", v["je-mt"].Measured)
	assert.Equal(t, "no", v["je-mt"].Holds)
	assert.Contains(t, v["musl-fix"].Measured, "reaches at worst 182% [176%, 187%] of glibc's throughput (alpine/mimalloc, churn threads=2; churn: mimalloc 182%; larson: mimalloc 182%)")
	assert.Equal(t, "yes", v["musl-fix"].Holds)
	for id, x := range v {
		assert.Empty(t, x.Missing, id)
		assert.NotEmpty(t, x.Cells, id)
		assert.NotEmpty(t, x.Rule, id)
	}
}

// Without a musl file, the musl claims say what they lack and the glibc
// ones are still judged.
func TestClaimsSayWhatIsMissing(t *testing.T) {
	g := writeFile(t, "g", []string{"libc: glibc"}, glibcFigs)
	r, v := judge(t, "host="+g)
	assert.Equal(t, Roles{Glibc: "host"}, r)
	for _, id := range []string{"musl-mt", "musl-futex", "st-small", "musl-fix"} {
		assert.Equal(t, "n/a", v[id].Holds, id)
		assert.Equal(t, "needs a file measured with musl (libc: musl); there is none", v[id].Missing, id)
		assert.Empty(t, v[id].Measured, id)
	}
	assert.Equal(t, "yes", v["mi-mt"].Holds)

	// The cells are there but not at the same thread counts.
	m := writeFile(t, "m", []string{"libc: musl"}, []fig{{"churn", "libc", 4, 80, 40, 2}})
	_, v = judge(t, "glibc="+g, "musl="+m)
	assert.Equal(t, "needs ns/op of musl/libc and glibc/libc on some workload at the same thread count; there is none", v["musl-mt"].Missing)
	assert.Contains(t, v["musl-futex"].Missing, "musl/libc has threads=4, glibc/libc has threads=1,2")
	assert.Contains(t, v["st-small"].Missing, "needs churn at threads=1")
}

// A plain go test -bench output without a libc line: files named glibc
// and musl stand for them; anything else judges nothing.
func TestClaimsFromPlainBenchOutput(t *testing.T) {
	g := writeFile(t, "glibc", nil, glibcFigs)
	r, v := judge(t, g)
	assert.Equal(t, Roles{Glibc: "glibc"}, r)
	assert.Equal(t, "yes", v["mi-mt"].Holds)

	x := writeFile(t, "bench", nil, glibcFigs)
	r, v = judge(t, x)
	assert.Equal(t, Roles{}, r)
	assert.Equal(t, "needs a file measured with glibc (libc: glibc); there is none", v["mi-mt"].Missing)
	assert.Equal(t, "needs a file measured with musl (libc: musl) and a file measured with glibc (libc: glibc); there is none", v["musl-mt"].Missing)
}

func TestReportFormats(t *testing.T) {
	g := writeFile(t, "g", []string{"libc: glibc"}, glibcFigs)
	m := writeFile(t, "m", []string{"libc: musl"}, muslFigs)
	files, _ := results.ReadFiles(results.ParseSources([]string{"glibc=" + g, "musl=" + m}))
	c, _, err := Judge(files)
	require.NoError(t, err)
	var text, md, csv bytes.Buffer
	require.NoError(t, c.Write(&text, compare.Text))
	require.NoError(t, c.Write(&md, compare.Markdown))
	require.NoError(t, c.Write(&csv, compare.CSV))
	assert.Contains(t, text.String(), "Published claims, measured here (glibc: glibc, musl: musl):")
	assert.Regexp(t, `musl-mt\s+about 4x .*musl slower by 4\.00x \[3\.88x, 4\.12x\] at most \(churn threads=2\)\s+yes \(holds at ≥3x\)`, text.String())
	assert.Contains(t, text.String(), "  musl-mt: musl/libc churn threads=2: 80 ns/op [78–82] (median of 6); glibc/libc churn threads=2")
	assert.Contains(t, md.String(), "| musl-mt | about 4x")
	assert.Equal(t, 1+len(all), strings.Count(csv.String(), "\n"))
	js, err := json.Marshal(c)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, Roles{"glibc", "musl"}, back.Roles)
	assert.Len(t, back.Verdicts, len(all))
}

// runs writes the given ns/op runs of cells of one file.
func runs(t *testing.T, name, libc string, cellRuns map[string][]float64) string {
	t.Helper()
	lines := []string{"libc: " + libc}
	for name, vals := range cellRuns {
		for _, v := range vals {
			lines = append(lines, fmt.Sprintf("BenchmarkWorkloads/%s-2 \t 1000\t %g ns/op", name, v))
		}
	}
	path := filepath.Join(t.TempDir(), name+".txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

// A point ratio past the threshold is not enough: with musl's runs
// spread from 20 to 45 ns/op the interval of its slowdown straddles 3x,
// and the claim is undecided, whatever the median says.
func TestClaimUndecidedWhenTheIntervalStraddles(t *testing.T) {
	g := runs(t, "g", "glibc", map[string][]float64{"workload=churn/alloc=libc/threads=4": {10, 10, 10, 10, 10, 10, 10, 10}})
	m := runs(t, "m", "musl", map[string][]float64{"workload=churn/alloc=libc/threads=4": {20, 45, 22, 40, 32, 25, 38, 30}})
	_, v := judge(t, "glibc="+g, "musl="+m)
	x := v["musl-mt"]
	require.NotNil(t, x.Figure)
	assert.Greater(t, x.Figure.Est, 3.0, "the point estimate clears the threshold")
	assert.Less(t, x.Figure.Lo, 3.0)
	assert.Equal(t, "undecided", x.Holds)
	assert.Contains(t, x.Measured, "[")

	// The same medians with steady runs decide it.
	m = runs(t, "m", "musl", map[string][]float64{"workload=churn/alloc=libc/threads=4": {31, 31.5, 32, 32.5, 31.8, 32.2, 31.9, 32.1}})
	_, v = judge(t, "glibc="+g, "musl="+m)
	assert.Equal(t, "yes", v["musl-mt"].Holds)
	// And steady runs below it say no.
	m = runs(t, "m", "musl", map[string][]float64{"workload=churn/alloc=libc/threads=4": {21, 21.5, 22, 22.5, 21.8, 22.2, 21.9, 22.1}})
	_, v = judge(t, "glibc="+g, "musl="+m)
	assert.Equal(t, "no", v["musl-mt"].Holds)
}

// Too few runs for an interval leave a claim undecided, never yes or no.
func TestClaimUndecidedWithoutAnInterval(t *testing.T) {
	g := runs(t, "g", "glibc", map[string][]float64{"workload=churn/alloc=libc/threads=2": {10, 10.1, 10.2}, "workload=churn/alloc=mimalloc/threads=2": {1, 1.01, 1.02}})
	_, v := judge(t, "glibc="+g)
	assert.Equal(t, "undecided", v["mi-mt"].Holds)
	assert.Contains(t, v["mi-mt"].Measured, "no interval")
}

// Where Debian ships only mimalloc 3, the mimalloc claims are judged with
// it and say so.
func TestMimallocClaimsTakeMimalloc3(t *testing.T) {
	g := runs(t, "g", "glibc", map[string][]float64{
		"workload=churn/alloc=libc/threads=2":      {10, 10.1, 10.2, 10.1, 10, 10.2},
		"workload=churn/alloc=mimalloc3/threads=2": {2, 2.01, 2.02, 2.01, 2, 2.02},
	})
	_, v := judge(t, "glibc="+g)
	assert.Equal(t, "yes", v["mi-mt"].Holds)
	assert.Contains(t, v["mi-mt"].Measured, "mimalloc3 up to 5")
}

// Every workload must hold for musl-fix: one workload whose best fix
// stays below 90% makes it no.
func TestMuslFixEveryWorkload(t *testing.T) {
	steady := func(v float64) []float64 { return []float64{v, v * 1.01, v * 0.99, v * 1.005, v * 0.995, v * 1.002} }
	g := runs(t, "g", "glibc", map[string][]float64{"workload=churn/alloc=libc/threads=2": steady(10), "workload=larson/alloc=libc/threads=2": steady(10)})
	m := runs(t, "m", "musl", map[string][]float64{
		"workload=churn/alloc=mimalloc/threads=2":  steady(9),
		"workload=larson/alloc=mimalloc/threads=2": steady(20), "workload=larson/alloc=jemalloc/threads=2": steady(15),
	})
	_, v := judge(t, "glibc="+g, "musl="+m)
	assert.Equal(t, "no", v["musl-fix"].Holds)
	assert.Contains(t, v["musl-fix"].Measured, "musl/jemalloc, larson threads=2")
}

// A claim that cannot be judged because the musl build of jemalloc or
// mimalloc failed says so, with the reason the file's alloc-<name> line
// gives; an allocator the file measured adds nothing.
func TestMissingNamesTheFailedBuild(t *testing.T) {
	g := writeFile(t, "g", []string{"libc: glibc"}, glibcFigs)
	m := writeFile(t, "m", []string{
		"libc: musl",
		"alloc-jemalloc: skipped: jemalloc: this binary is linked statically against musl; its build was tried and failed: fetching jemalloc 5.3.0-2: 404  Not Found",
		"alloc-mimalloc: skipped: mimalloc: its build was tried and failed: no source package",
		"alloc-libc: musl 1.2.5 served-by=musl (static)",
	}, []fig{{"churn", "libc", 1, 30, 10, 2}, {"churn", "libc", 2, 80, 40, 2}})
	_, v := judge(t, "glibc="+g, "musl="+m)
	fix := v["musl-fix"]
	assert.Equal(t, "n/a", fix.Holds)
	assert.Contains(t, fix.Missing, "needs mimalloc or jemalloc in musl")
	assert.Contains(t, fix.Missing, "musl/jemalloc was not measured: jemalloc: this binary is linked statically against musl; its build was tried and failed: fetching jemalloc 5.3.0-2: 404  Not Found")
	assert.Contains(t, fix.Missing, "musl/mimalloc was not measured: mimalloc: its build was tried and failed: no source package")
	assert.NotContains(t, v["musl-mt"].Missing+v["st-small"].Missing, "was not measured", "claims judged without jemalloc or mimalloc name neither")

	// mimalloc was measured: only jemalloc's failure is named.
	m2 := writeFile(t, "m2", []string{"libc: musl", "alloc-jemalloc: skipped: 404", "alloc-mimalloc: mimalloc 2.1.7 (static)"},
		[]fig{{"churn", "libc", 1, 30, 10, 2}})
	g2 := writeFile(t, "g2", []string{"libc: glibc"}, []fig{{"churn", "libc", 2, 20, 0, 2}})
	_, v = judge(t, "glibc="+g2, "musl="+m2)
	assert.Contains(t, v["musl-fix"].Missing, "musl/jemalloc was not measured: 404")
	assert.NotContains(t, v["musl-fix"].Missing, "musl/mimalloc was not measured")
}

func TestMentions(t *testing.T) {
	assert.True(t, mentions("needs mimalloc or jemalloc", "mimalloc"))
	assert.True(t, mentions("musl/mimalloc3 has none", "mimalloc3"))
	assert.False(t, mentions("musl/mimalloc3 has none", "mimalloc"))
	assert.False(t, mentions("needs libc", "jemalloc"))
}
