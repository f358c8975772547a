package compare

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/usage"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// goldenCases are run in every format; each compares its output with
// testdata/<name>.<text|csv|md>.golden.
var goldenCases = []struct {
	name  string
	opts  Options
	files []string
}{
	// One file: columns are allocators, the first (libc) is the baseline.
	{"glibc", Options{}, []string{"testdata/glibc.txt"}},
	// Two files: columns are the files, rows add the allocator.
	{"glibc-musl", Options{}, []string{"testdata/glibc.txt", "testdata/musl.txt"}},
	// Explicit labels, a filter, a row projection and chosen metrics.
	{"labels-filter", Options{Filter: "/workload:churn /alloc:(libc OR floor)", Row: "/alloc /threads",
		Metrics: []string{"ns/op", "peak-rss-bytes", "sec/op"}}, []string{"old=testdata/glibc.txt", "new=testdata/musl.txt"}},
	// Six runs each: finite intervals, significant and insignificant
	// changes, futex metrics and a geomean that is skipped for zeros.
	{"futex", Options{Metrics: []string{"ns/op", "futex-pct", "futex-calls/op", "p99-nsec"}}, []string{"testdata/futex.txt"}},
	// futex-pct only in the newer file.
	{"mixed", Options{}, []string{"testdata/mixed-old.txt", "testdata/mixed-new.txt"}},
}

var formats = []struct {
	format Format
	ext    string
}{
	{Text, "text"},
	{CSV, "csv"},
	{Markdown, "md"},
	{JSON, "json"},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		for _, f := range formats {
			t.Run(tc.name+"/"+string(f.format), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				err := Run(tc.files, RunOptions{Options: tc.opts, Format: f.format}, &stdout, &stderr)
				require.NoError(t, err, "stderr:\n%s", stderr.String())
				checkGolden(t, filepath.Join("testdata", tc.name+"."+f.ext+".golden"), stdout.Bytes())
			})
		}
	}
}

// checkGolden compares got with the golden file; on a mismatch it writes
// got next to it as .got and shows a line diff. With -update it rewrites
// the golden file instead.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	gotPath := strings.TrimSuffix(golden, ".golden") + ".got"
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "missing golden file; run go test -update")
	if bytes.Equal(want, got) {
		os.Remove(gotPath)
		return
	}
	require.NoError(t, os.WriteFile(gotPath, got, 0o644))
	t.Errorf("output differs from %s (got written to %s; go test -update accepts it):\n%s",
		golden, gotPath, lineDiff(string(want), string(got)))
}

// lineDiff returns a minimal line diff of a and b ("-" lines only in a,
// "+" lines only in b), from a longest common subsequence.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&out, "-%s\n", x[i])
			i++
		default:
			fmt.Fprintf(&out, "+%s\n", y[j])
			j++
		}
	}
	return out.String()
}

func runCompare(t *testing.T, opts RunOptions, files ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = Run(files, opts, &o, &e)
	return o.String(), e.String(), err
}

func TestMalformedLinesWarnAndTheRestIsCompared(t *testing.T) {
	out, stderr, err := runCompare(t, RunOptions{Options: Options{Metrics: []string{"ns/op"}}}, "testdata/malformed.txt")
	require.NoError(t, err)
	for _, w := range []string{
		"testdata/malformed.txt:4: skipped malformed line: missing units",
		"testdata/malformed.txt:5: skipped malformed line: parsing iteration count",
		"testdata/malformed.txt:6: skipped malformed line: parsing measurement",
		"testdata/malformed.txt:7: skipped malformed line: missing measurements",
	} {
		assert.Contains(t, stderr, "warning: "+w)
	}
	// Lines 3, 8 (threads=1) and 9, 11, 12 (threads=2) are good.
	assert.Contains(t, out, "threads=1  16.86 ± ∞")
	assert.Contains(t, out, "threads=2  11.60 ± ∞")
	assert.NotContains(t, stderr, "FAIL", "non-benchmark lines are not warnings")
}

func TestTruncatedUnitIsAMixedUnitWarning(t *testing.T) {
	// Line 12 ends in "p99-" instead of "p99-nsec"; line 9 has no p99-nsec.
	_, stderr, err := runCompare(t, RunOptions{Options: Options{Metrics: []string{"ns/op", "p99-nsec"}}}, "testdata/malformed.txt")
	require.NoError(t, err)
	assert.Contains(t, stderr, "testdata/malformed.txt:9: result lacks p99-nsec")
	assert.Contains(t, stderr, "(e.g. testdata/malformed.txt:11), and so does the result on line 12")
}

func TestMixedUnitsAcrossFiles(t *testing.T) {
	out, stderr, err := runCompare(t, RunOptions{}, "testdata/mixed-old.txt", "testdata/mixed-new.txt")
	require.NoError(t, err)
	assert.Contains(t, stderr, "warning: testdata/mixed-old.txt:2: result lacks futex-pct, which other results of the same benchmark have (e.g. testdata/mixed-new.txt:3), and so do 3 more results (lines 3, 4, 5)")
	assert.Equal(t, 1, strings.Count(stderr, "warning:"), "one warning per file and set of missing metrics:\n%s", stderr)
	assert.Contains(t, out, "futex-pct")
	assert.Contains(t, out, "ns/op")
}

func TestEmptyAndMissingFiles(t *testing.T) {
	out, stderr, err := runCompare(t, RunOptions{Options: Options{Metrics: []string{"ns/op"}}}, "testdata/empty.txt", "testdata/no-such-file.txt", "testdata/glibc.txt")
	require.NoError(t, err, "the readable file is still compared")
	assert.Contains(t, stderr, "warning: testdata/empty.txt: no benchmark results")
	assert.Contains(t, stderr, "warning: testdata/no-such-file.txt: cannot read: no such file or directory")
	// Only one file has results, so its allocators are the columns.
	assert.Contains(t, out, "vs libc")
}

func TestNothingToCompareIsAnError(t *testing.T) {
	_, stderr, err := runCompare(t, RunOptions{}, "testdata/empty.txt", "testdata/no-such-file.txt")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nothing to compare")
	assert.False(t, usage.Is(err), "a failure, not a usage error")
	assert.Contains(t, stderr, "no benchmark results")

	_, _, err = runCompare(t, RunOptions{Options: Options{Filter: "/workload:nope"}}, "testdata/glibc.txt")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no benchmark results match filter "/workload:nope"`)

	_, stderr, err = runCompare(t, RunOptions{Options: Options{Metrics: []string{"bogus/op"}}}, "testdata/glibc.txt")
	require.Error(t, err)
	assert.Contains(t, stderr, "no result has metric bogus/op")

	_, _, err = runCompare(t, RunOptions{})
	require.Error(t, err)
	assert.True(t, usage.Is(err), "no input files is a usage error")
}

// Bad options are usage errors, before a file is read; the flags that
// make them are checked in cmd/allocbench.
func TestBadOptions(t *testing.T) {
	for _, opts := range []RunOptions{
		{Format: "html"},
		{Options: Options{Baseline: "tcmalloc"}},
		{Options: Options{Filter: "("}},
		{Options: Options{Row: "@"}},
		{Options: Options{Alpha: 2}},
	} {
		_, _, err := runCompare(t, opts, "testdata/glibc.txt")
		if assert.Error(t, err, "%+v", opts) {
			assert.True(t, usage.Is(err), "%+v: a usage error", opts)
		}
	}
}

func TestPooledResultsWarn(t *testing.T) {
	// Columns by allocator across two files: each cell mixes glibc and
	// musl results, which differ in their libc configuration.
	_, stderr, err := runCompare(t, RunOptions{Options: Options{Col: "/alloc", Metrics: []string{"ns/op"}}}, "testdata/glibc.txt", "testdata/musl.txt")
	require.NoError(t, err)
	assert.Contains(t, stderr, "pools results that differ in")
	assert.Contains(t, stderr, "libc")
}

func TestTablesAPI(t *testing.T) {
	files, warns := results.ReadFiles([]results.Source{{Label: "glibc", Path: "testdata/glibc.txt"}, {Label: "musl", Path: "testdata/musl.txt"}})
	require.Empty(t, warns)
	tables, warns, err := Tables(files, Options{Metrics: []string{"sec/op"}})
	require.NoError(t, err)
	assert.Empty(t, warns)
	require.Len(t, tables, 1)
	tb := tables[0]
	assert.Equal(t, "ns/op", tb.Metric, "tidied names select the unit as written")
	assert.Equal(t, []string{"glibc", "musl"}, tb.Cols)
	assert.Equal(t, "workload/alloc/threads", tb.RowHeader)
	require.NotEmpty(t, tb.Rows)
	r := tb.Rows[0]
	assert.Equal(t, "workload=churn/alloc=libc/threads=1", r.Label)
	assert.Equal(t, 2, r.Cells[0].N)
	assert.InDelta(t, (17.01+16.89)/2, r.Cells[0].Center, 1e-9)
	assert.True(t, math.IsInf(r.Cells[0].Lo, -1), "two samples give no finite interval")
	assert.True(t, r.Cells[1].HasDelta)
	assert.False(t, r.Cells[1].Significant)
	assert.InDelta(t, 1.0/3, r.Cells[1].P, 1e-9)
	assert.Equal(t, "~ (p=0.333 n=2)", r.Cells[1].DeltaText)
	assert.Contains(t, tb.Notes, "need >= 6 samples for confidence interval at level 0.95")
	require.NotNil(t, tb.Geomean)
	assert.Less(t, tb.GeomeanRows, len(tb.Rows), "rows missing in musl are left out")
}

func TestSignificance(t *testing.T) {
	files, _ := results.ReadFiles([]results.Source{{Label: "futex", Path: "testdata/futex.txt"}})
	tables, _, err := Tables(files, Options{Metrics: []string{"ns/op", "futex-pct"}})
	require.NoError(t, err)
	require.Len(t, tables, 2)
	ns := tables[0]
	assert.Equal(t, []string{"libc", "jemalloc", "floor"}, ns.Cols)
	assert.Equal(t, []string{"threads=1", "threads=2", "threads=4", "threads=8"}, labels(ns.Rows))
	// libc vs floor at one thread: same speed.
	assert.False(t, ns.Rows[0].Cells[2].Significant)
	assert.Regexp(t, `^~ \[[-+]\d+%, [-+]\d+%\] \(p=0\.\d{3} n=6\)$`, ns.Rows[0].Cells[2].DeltaText)
	// jemalloc at eight threads: much faster.
	c := ns.Rows[3].Cells[1]
	assert.True(t, c.Significant)
	assert.Less(t, c.Delta, -0.8)
	assert.Regexp(t, `^-8\d\.\d\d% \[-8\d%, -8\d%\] \(p=0\.002 n=6\)$`, c.DeltaText)
	assert.False(t, math.IsInf(c.Lo, 0), "six samples give a finite interval")
	assert.NotNil(t, ns.Geomean)
	assert.Nil(t, tables[1].Geomean, "no geomean over zero medians")
}

func TestSummaries(t *testing.T) {
	files, _ := results.ReadFiles([]results.Source{{Label: "glibc", Path: "testdata/glibc.txt"}, {Label: "musl", Path: "testdata/musl.txt"}})
	sums, warns, err := Summaries(files, Options{Row: "/workload /threads@num", Col: results.LabelKey + " /alloc", Metrics: []string{"ns/op"}})
	require.NoError(t, err)
	assert.Empty(t, warns)
	var found bool
	for _, s := range sums {
		assert.Equal(t, "ns/op", s.Unit)
		assert.Len(t, s.Values, s.N)
		if s.Fields["/workload"] == "churn" && s.Fields["/threads"] == "4" && s.Fields[results.LabelKey] == "musl" && s.Fields["/alloc"] == "libc" {
			found = true
			assert.Equal(t, 2, s.N)
			assert.InDelta(t, (198.2+223.4)/2, s.Center, 1e-9)
			assert.Equal(t, []float64{198.2, 223.4}, s.Values)
			assert.Equal(t, "testdata/musl.txt", s.File)
		}
	}
	assert.True(t, found)
}

func labels(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Label)
	}
	return out
}

// The JSON document: the schema's name, every table with its baseline,
// fields and cells; nulls where a figure does not exist.
func TestJSONDocument(t *testing.T) {
	stdout, _, err := runCompare(t, RunOptions{Options: Options{Metrics: []string{"ns/op", "futex-pct"}, Baseline: "jemalloc"}, Format: "json"}, "testdata/futex.txt")
	require.NoError(t, err)
	var doc struct {
		Schema     string
		Alpha      float64
		Confidence float64
		Files      []struct {
			Label, Path string
			Results     int
			Config      map[string]string
		}
		Warnings []struct{ Message string }
		Tables   []struct {
			Metric, Baseline string
			Columns          []struct {
				Label  string
				Fields map[string]string
			}
			Rows []struct {
				Label  string
				Fields map[string]string
				Cells  []struct {
					N              int
					Median, Lo, Hi *float64
					DeltaPct       *float64 `json:"delta_pct"`
					P              *float64
					Significant    *bool
					Values         []float64
				}
			}
			Geomean *struct{ Label string }
			Notes   []string
		}
		Claims any
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.Equal(t, JSONSchema, doc.Schema)
	assert.Equal(t, 0.05, doc.Alpha)
	assert.Equal(t, 0.95, doc.Confidence)
	require.Len(t, doc.Files, 1)
	assert.Equal(t, "glibc", doc.Files[0].Config["libc"])
	assert.Nil(t, doc.Claims, "no claims without -claims")
	require.Len(t, doc.Tables, 2)
	assert.Equal(t, []string{"ns/op", "futex-pct"}, []string{doc.Tables[0].Metric, doc.Tables[1].Metric})
	tb := doc.Tables[0]
	assert.Equal(t, "jemalloc", tb.Baseline, "-baseline moves the column first")
	assert.Equal(t, "jemalloc", tb.Columns[0].Label)
	assert.Equal(t, map[string]string{"alloc": "jemalloc"}, tb.Columns[0].Fields)
	require.NotEmpty(t, tb.Rows)
	r := tb.Rows[0]
	assert.Equal(t, "larson", r.Fields["workload"])
	assert.Equal(t, "1", r.Fields["threads"])
	base, other := r.Cells[0], r.Cells[1]
	assert.Equal(t, 6, base.N)
	require.NotNil(t, base.Median)
	require.NotNil(t, base.Lo, "six runs give an interval")
	assert.LessOrEqual(t, *base.Lo, *base.Median)
	assert.Nil(t, base.P, "the baseline is not tested against itself")
	assert.Nil(t, base.DeltaPct)
	require.NotNil(t, other.P)
	require.NotNil(t, other.Significant)
	require.NotNil(t, other.DeltaPct)
	assert.Len(t, other.Values, 6)
}

type stubClaims string

func (s stubClaims) Write(w io.Writer, f Format) error {
	_, err := fmt.Fprintf(w, "claims in %s: %s\n", f, string(s))
	return err
}

func (s stubClaims) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"stub": string(s)})
}

// -claims adds what the judge returns after the tables, and under
// "claims" in JSON.
func TestClaimsFlag(t *testing.T) {
	judge := func(files []*results.File) (Claims, []results.Warning, error) {
		return stubClaims(fmt.Sprintf("%d files", len(files))), nil, nil
	}
	var o, e bytes.Buffer
	require.NoError(t, Run([]string{"testdata/glibc.txt", "testdata/musl.txt"}, RunOptions{Claims: judge}, &o, &e))
	assert.True(t, strings.HasSuffix(o.String(), "\nclaims in text: 2 files\n"), o.String())
	o.Reset()
	require.NoError(t, Run([]string{"testdata/glibc.txt"}, RunOptions{Format: JSON, Claims: judge}, &o, &e))
	var doc struct{ Claims map[string]string }
	require.NoError(t, json.Unmarshal(o.Bytes(), &doc))
	assert.Equal(t, map[string]string{"stub": "1 files"}, doc.Claims)
	o.Reset()
	require.NoError(t, Run([]string{"testdata/glibc.txt"}, RunOptions{}, &o, &e))
	assert.NotContains(t, o.String(), "claims in")

	_, _, err := runCompare(t, RunOptions{Options: Options{Baseline: "tcmalloc"}}, "testdata/glibc.txt")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `baseline "tcmalloc" is not a column (columns: libc, jemalloc, mimalloc, floor)`)
}

// Runs that fall into two groups are marked, and the note names each
// group with its share: their median is a figure between them.
func TestGroupsOfRunsAreMarked(t *testing.T) {
	var b strings.Builder
	for _, v := range []float64{13.2, 13.4, 13.1, 20.1, 20.9, 20.3, 20.5, 20.2} {
		fmt.Fprintf(&b, "BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2 1000 %g ns/op\n", v)
	}
	for _, v := range []float64{10, 10.1, 10.2, 10.1, 10, 10.2} {
		fmt.Fprintf(&b, "BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 1000 %g ns/op\n", v)
	}
	path := filepath.Join(t.TempDir(), "g.txt")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	files, _ := results.ReadFiles([]results.Source{{Label: "g", Path: path}})
	tables, _, err := Tables(files, Options{Metrics: []string{"ns/op"}, Col: "/alloc"})
	require.NoError(t, err)
	require.Len(t, tables, 1)
	c := tables[0].Rows[0].Cells[0]
	require.Len(t, c.Modes, 2)
	assert.Equal(t, 3, c.Modes[0].N())
	assert.Nil(t, tables[0].Rows[0].Cells[1].Modes)
	assert.Contains(t, strings.Join(tables[0].Notes, "\n"), "3 of 8 runs near 13.2, 5 of 8 near 20.3")
	var out bytes.Buffer
	require.NoError(t, tables[0].WriteText(&out))
	assert.Contains(t, out.String(), "ᵍ")
}
