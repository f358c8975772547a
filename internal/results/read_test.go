package results

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"
)

// writeFile writes lines to a file in a temporary directory and returns
// its path.
func writeFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return path
}

// readWarnings reads the files named by args as the compare subcommand
// does and returns its warnings as it prints them, a line each.
func readWarnings(t *testing.T, args ...string) string {
	t.Helper()
	_, warns := ReadFiles(ParseSources(args))
	var b strings.Builder
	for _, w := range warns {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func churn(threads int, ns string, more ...string) string {
	return fmt.Sprintf("BenchmarkWorkloads/workload=churn/alloc=libc/threads=%d-2 \t 1000000\t %s ns/op%s", threads, ns, strings.Join(more, ""))
}

// NaN, infinite and negative values are skipped line by line with a
// warning; they never reach the statistics. (A NaN used to make the
// Mann-Whitney test allocate without bound.)
func TestImpossibleValuesAreSkipped(t *testing.T) {
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
	stderr := readWarnings(t, path)
	for _, w := range []string{
		path + ":2: skipped result: NaN ns/op",
		path + ":4: skipped result: infinite ns/op",
		path + ":5: skipped result: negative (-5) ns/op",
		path + ":6: skipped result: negative (-3) futex-pct",
		path + ":9: skipped result: NaN ns/op",
	} {
		assert.Contains(t, stderr, "warning: "+w+"\n")
	}

	f, _ := ReadFile(Source{"bad", path})
	require.Len(t, f.Results, 3)
	for _, r := range f.Results {
		for i, v := range r.Values {
			assert.Empty(t, ValueProblem(r.Units[i], v))
		}
	}
}

func TestValueProblem(t *testing.T) {
	for _, unit := range []string{"ns/op", "sec/op", "futex-pct", "p99-nsec", "peak-rss-bytes", "rss-per-live-byte", "B/op", "MB/s", "measured/unmeasured"} {
		assert.NotEmpty(t, ValueProblem(unit, -1), unit)
		assert.Empty(t, ValueProblem(unit, 0), unit)
	}
	assert.Empty(t, ValueProblem("delta", -1), "a unit that is not an amount may be negative")
	assert.Equal(t, "NaN", ValueProblem("delta", 0*negZero()))
}

// Values outside a unit's physical range are skipped with a warning that
// names the file, the line, the range and the value: a share above 100%, a
// time per op above an hour, 1e308 or 5e-324 of anything. (1e308 ns/op
// used to print as a 300-digit number, and a futex share of 1e308 reached
// the report.)
func TestValuesOutsideThePhysicalRange(t *testing.T) {
	path := writeFile(t, "extreme.txt",
		"libc: glibc",
		churn(1, "1e308"),
		churn(1, "5e-324"),
		churn(1, "20", "\t 1e308 futex-pct"),
		churn(1, "20", "\t 100.5 futex-pct"),
		churn(1, "3600000000001"),
		churn(1, "21", "\t 1e308 widgets/op"),
		churn(1, "22", "\t 100 futex-pct\t 3600000000000 p99-nsec"),
	)
	stderr := readWarnings(t, path)
	for _, w := range []string{
		path + ":2: skipped result: outside the physical range of a time per op (0 to 3.6e+12): 1e+308 ns/op",
		path + ":3: skipped result: too small to be a measurement (under 1e-15 in size): 5e-324 ns/op",
		path + ":4: skipped result: outside the physical range of a share (0 to 100): 1e+308 futex-pct",
		path + ":5: skipped result: outside the physical range of a share (0 to 100): 100.5 futex-pct",
		path + ":6: skipped result: outside the physical range of a time per op (0 to 3.6e+12): 3.600000000001e+12 ns/op",
		path + ":7: skipped result: outside the physical range of a measurement (-1e+18 to 1e+18): 1e+308 widgets/op",
	} {
		assert.Contains(t, stderr, "warning: "+w+"\n")
	}
	f, _ := ReadFile(Source{Label: "extreme", Path: path})
	require.Len(t, f.Results, 1, "only the last result is kept")
	assert.Equal(t, []float64{22, 100, 3600000000000}, f.Results[0].Values)
}

func negZero() float64 {
	z := 0.0
	return z / z // NaN
}

// A configuration line longer than benchfmt's reader accepts used to stop
// the whole file, with the line number of the line before it.
func TestOverlongLineIsSkippedAndTheRestRead(t *testing.T) {
	long := "debug: " + strings.Repeat("x", 100_000)
	longest := "note: " + strings.Repeat("y", MaxLineBytes-len("note: "))
	path := writeFile(t, "long.txt",
		"libc: glibc",
		long,
		churn(1, "20"),
		longest,
		churn(1, "21"),
		strings.Repeat("z", 3*MaxLineBytes),
		churn(1, "22"),
	)
	f, warns := ReadFile(Source{"long", path})
	require.NotNil(t, f)
	require.Len(t, warns, 2, "%v", warns)
	assert.Equal(t, Warning{File: path, Line: 2, Msg: fmt.Sprintf("skipped a line of %d bytes: longer than readers accept (%d)", len(long)+1, MaxLineBytes)}, warns[0])
	assert.Equal(t, 6, warns[1].Line)
	require.Len(t, f.Results, 3, "every result after the long lines is read")
	assert.Equal(t, 7, f.Results[2].Line, "line numbers count the skipped lines")
	assert.Equal(t, "", f.Results[0].GetConfig("debug"))
	assert.Equal(t, longest[len("note: "):], f.Results[1].GetConfig("note"), "a line of MaxLineBytes is read whole")
}

// A file cut off in the middle of a line (a full disk, a kill) ends in a
// partial result: it is skipped, and the results before it are not blamed
// for lacking its cut-off unit.
func TestCutOffLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.txt")
	for _, end := range []string{"\t 62 p99-", "\t 6"} {
		data := churn(1, "20", "\t 60 p99-nsec") + "\n" + churn(1, "21", "\t 61 p99-nsec") + "\n" + churn(1, "22", end)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
		stderr := readWarnings(t, path)
		assert.Contains(t, stderr, path+":3: skipped a line cut off at the end of the file (no newline after it)", end)
		assert.Equal(t, 1, strings.Count(stderr, "warning:"), stderr)
		f, _ := ReadFile(Source{"cut", path})
		assert.Len(t, f.Results, 2)
	}
}

// The results of a failed cell are marked by the main job with FailedKey;
// readers leave them out and say how many, naming the cell.
func TestFailedCellResultsAreLeftOut(t *testing.T) {
	path := writeFile(t, "failed.txt",
		"libc: glibc",
		churn(1, "20"),
		churn(1, "21"),
		FailedKey+": glibc workload=churn alloc=libc threads=2: no result within 1s: killed",
		churn(2, "500"),
		churn(2, "501"),
		FailedKey+":",
		"# failed glibc workload=churn alloc=libc threads=2: no result within 1s: killed",
		churn(4, "30"),
	)
	f, warns := ReadFile(Source{"failed", path})
	require.NotNil(t, f)
	assert.Len(t, f.Results, 3)
	assert.Equal(t, 2, f.Excluded)
	assert.Equal(t, []string{"glibc workload=churn alloc=libc threads=2: no result within 1s: killed"}, f.FailedCells)
	require.Len(t, warns, 1)
	assert.Equal(t, path+": left out 2 results of 1 failed cell(s): glibc workload=churn alloc=libc threads=2: no result within 1s: killed (2 from line 5)", warns[0].String())
	assert.Empty(t, f.Get(FailedKey), "the marker is not part of the file's configuration")
	for _, r := range f.Results {
		assert.NotContains(t, r.Name.String(), "threads=2", "the failed cell's results are left out")
	}
}

// Configuration lines between results apply to the results after them:
// each result keeps its own, and the file's shows every value.
func TestConfigurationPerResult(t *testing.T) {
	path := writeFile(t, "methods.txt",
		"libc: glibc",
		"futex-method: tracepoint",
		churn(1, "20"),
		"futex-method: sampled",
		churn(2, "21"),
		"futex-method: tracepoint",
		churn(4, "22"),
	)
	f, warns := ReadFile(Source{"methods", path})
	require.Empty(t, warns)
	require.Len(t, f.Results, 3)
	assert.Equal(t, []string{"tracepoint", "sampled", "tracepoint"},
		[]string{f.Results[0].GetConfig("futex-method"), f.Results[1].GetConfig("futex-method"), f.Results[2].GetConfig("futex-method")})
	assert.Same(t, f.Results[0].Config, f.Results[2].Config, "results with the same configuration share it")
	assert.Equal(t, "tracepoint | sampled", f.Get("futex-method"))
	assert.Equal(t, []Config{{"libc", "glibc"}, {"futex-method", "sampled"}}, f.Results[1].Config.Lines())
}

// Merging the values of a key is linear, and the file's configuration
// lists a few of them and how many more there are.
func TestManyDistinctConfigValues(t *testing.T) {
	lines := []string{"libc: glibc"}
	for i := 0; i < 20000; i++ {
		lines = append(lines, fmt.Sprintf("note: value %d", i), churn(1+i%4, "20"))
	}
	f, warns := ReadFile(Source{"notes", writeFile(t, "notes.txt", lines...)})
	require.NotNil(t, f)
	require.Len(t, warns, 1, "the limit on distinct configurations: %v", warns)
	assert.Contains(t, warns[0].Msg, "more than 10000 distinct configurations")
	assert.Len(t, f.Results, 20000)
	assert.Equal(t, "value 0 | value 1 | value 2 | value 3 | value 4 | value 5 | value 6 | value 7 | … and 9992 more", f.Get("note"))
	assert.Equal(t, "value 9999", f.Results[19999].GetConfig("note"), "configuration lines past the limit are ignored")
}

func TestEnvironmentDifferencesWarn(t *testing.T) {
	a := writeFile(t, "a.txt", "libc: glibc", "env-glibc_tunables: glibc.malloc.arena_max=1", churn(1, "33"))
	b := writeFile(t, "b.txt", "libc: glibc", "harness-glibc_tunables: glibc.rtld.optional_static_tls=16384", churn(1, "14"))
	c := writeFile(t, "c.txt", "libc: glibc", churn(1, "15"))
	stderr := readWarnings(t, a, b)
	assert.Contains(t, stderr, "warning: the files were measured with different allocator environment variables, which change what allocators do: "+
		a+": GLIBC_TUNABLES=glibc.malloc.arena_max=1; "+b+": none")
	stderr = readWarnings(t, b, c)
	assert.NotContains(t, stderr, "environment", "the harness's own tunable is not the user's environment")
}

// Too many lines with problems: the first are named, the rest counted.
func TestLineWarningsAreCapped(t *testing.T) {
	lines := []string{churn(1, "20")}
	for i := 0; i < 150; i++ {
		lines = append(lines, churn(1, "NaN"))
	}
	_, warns := ReadFile(Source{"nan", writeFile(t, "nan.txt", lines...)})
	require.Len(t, warns, maxLineWarnings+1)
	assert.Equal(t, "50 more lines were skipped or ignored; only the first 100 are named", warns[maxLineWarnings].Msg)
}

// ConfigLine follows benchfmt's reader exactly: each line is read by
// benchfmt before a result, and the result's configuration must hold
// what ConfigLine says.
func TestConfigLineIsBenchfmtsRule(t *testing.T) {
	for _, line := range []string{
		"libc: glibc", "key:", "key:\tvalue", "key:value", "Key: value", "kEy: value", "a b: c", "warning: low memory",
		"x: ", "é: accent", "ke-y_1.2: v: w", ": value", "k", "", "k:  two spaces", "BenchmarkX: 1",
	} {
		key, value, ok := ConfigLine(line)
		r := benchfmt.NewReader(strings.NewReader("k0: before\n"+line+"\nBenchmarkX 1 1 ns/op\n"), "t")
		var res *benchfmt.Result
		for res == nil && r.Scan() {
			res, _ = r.Result().(*benchfmt.Result)
		}
		require.NotNil(t, res, line)
		got := map[string]string{}
		for _, c := range res.Config {
			got[c.Key] = string(c.Value)
		}
		delete(got, "k0")
		switch {
		case !ok:
			assert.Empty(t, got, "%q is not a configuration line", line)
		case value == "":
			assert.Empty(t, got, "%q deletes %s", line, key)
		default:
			assert.Equal(t, map[string]string{key: value}, got, "%q", line)
		}
	}
}

func TestTruncateConfigLine(t *testing.T) {
	short := "libc: glibc"
	assert.Equal(t, short, TruncateConfigLine(short, len(short)))
	long := "futex-method-reason: " + strings.Repeat("é", 80_000)
	cut := TruncateConfigLine(long, len(long))
	assert.Equal(t, cut, TruncateConfigLine(long[:MaxLineBytes+1], len(long)), "from the start of the line and its length")
	assert.LessOrEqual(t, len(cut), MaxLineBytes)
	assert.True(t, strings.HasSuffix(cut, fmt.Sprintf(" …[truncated: %d bytes]", len(long))), cut[len(cut)-40:])
	key, _, ok := ConfigLine(cut)
	assert.True(t, ok)
	assert.Equal(t, "futex-method-reason", key)
	assert.True(t, strings.ToValidUTF8(cut, "?") == cut, "cut at a character boundary")
}

func TestResultLine(t *testing.T) {
	for line, want := range map[string]struct {
		isResult bool
		err      string
	}{
		churn(1, "20"):       {true, ""},
		churn(1, "NaN"):      {true, "NaN ns/op"},
		churn(1, "-1"):       {true, "negative (-1) ns/op"},
		"BenchmarkWorkloads": {false, ""},
		"BenchmarkX 1":       {true, "missing measurements"},
		"libc: glibc":        {false, ""},
		"warning: something": {false, ""},
		"BenchmarkX 1 " + strings.Repeat("1 ns/op ", MaxLineBytes/8): {true, "longer than readers accept"},
	} {
		isResult, err := ResultLine(line)
		assert.Equal(t, want.isResult, isResult, "%.60q", line)
		if want.err == "" {
			assert.NoError(t, err, "%.60q", line)
		} else if assert.Error(t, err, "%.60q", line) {
			assert.Contains(t, err.Error(), want.err)
		}
	}
}

// A file of more distinct benchmarks than the reader keeps: the results of
// benchmarks seen first are kept, the others counted in one warning.
func TestTooManyDistinctBenchmarks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "names.txt")
	var b strings.Builder
	for i := 0; i < maxNames+10; i++ {
		fmt.Fprintf(&b, "BenchmarkWorkloads/workload=w%d/alloc=libc/threads=1-2 1 10 ns/op\n", i)
	}
	b.WriteString("BenchmarkWorkloads/workload=w0/alloc=libc/threads=1-2 1 11 ns/op\n")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	f, warns := ReadFile(Source{"names", path})
	require.NotNil(t, f)
	assert.Len(t, f.Results, maxNames+1, "a known benchmark's later result is kept")
	require.Len(t, warns, 1)
	assert.Equal(t, fmt.Sprintf("%s:%d: more than %d distinct benchmarks, %d distinct sets of units or %d distinct units: 10 results with new ones from here on are left out", path, maxNames+1, maxNames, maxUnitLists, maxUnits), warns[0].String())

	b.Reset()
	for i := 0; i < maxUnitLists+5; i++ {
		fmt.Fprintf(&b, "BenchmarkX 1 10 ns/op %d u%d-ns\n", i, i)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	f, warns = ReadFile(Source{"units", path})
	assert.Len(t, f.Results, maxUnitLists)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Msg, "5 results with new ones from here on are left out")
}

func TestParseSources(t *testing.T) {
	assert.Equal(t, Source{Label: "glibc", Path: "results/x/glibc.txt"}, ParseSource("glibc=results/x/glibc.txt"))
	assert.Equal(t, Source{Label: "glibc", Path: "results/x/glibc.txt"}, ParseSource("results/x/glibc.txt"))
	assert.Equal(t, Source{Label: "run", Path: "dir/a=b/run.txt"}, ParseSource("dir/a=b/run.txt"))
	assert.Equal(t, Source{Label: "noext", Path: "noext"}, ParseSource("noext"))
	assert.Equal(t, []Source{{Label: "a/glibc.txt", Path: "a/glibc.txt"}, {Label: "b/glibc.txt", Path: "b/glibc.txt"}, {Label: "x", Path: "c.txt"}, {Label: "x", Path: "d.txt"}},
		ParseSources([]string{"a/glibc.txt", "b/glibc.txt", "x=c.txt", "x=d.txt"}))
}

func TestReadFileConfig(t *testing.T) {
	f, warns := ReadFile(Source{Label: "musl", Path: "../analysis/compare/testdata/musl.txt"})
	require.NotNil(t, f)
	assert.Empty(t, warns)
	assert.Equal(t, "musl", f.Get("libc"))
	assert.Equal(t, "1.2.3", f.Get("libc-version"))
	assert.Contains(t, f.Get("alloc-jemalloc"), "skipped:")
	assert.Len(t, f.Results, 18)
	assert.Equal(t, "musl", f.Results[0].GetConfig(LabelKey))
	assert.Equal(t, "musl", f.Results[0].GetConfig(FileKey))
}
