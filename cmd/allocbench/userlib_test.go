package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/docs"
)

// mineBuild is the documentation's command line that builds its example
// allocator.
const mineBuild = "gcc -O2 -shared -fPIC -o libmine.so libmine.c -lpthread"

// mineExample is the example allocator that the README and the "Adding an
// allocator" section of docs/allocators.md point to.
const mineExample = "examples/libmine/libmine.c"

// buildMine builds the example allocator into dir, as docs/allocators.md
// says, and returns its path.
func buildMine(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("ALLOCBENCH_REQUIRE") == "all" {
			t.Fatal("gcc is needed to build the example allocator")
		}
		t.Skip("no gcc")
	}
	text, err := docs.Read("../..")
	require.NoError(t, err)
	_, section, ok := strings.Cut(text, "\n## Adding an allocator\n")
	require.True(t, ok, "the docs have the section")
	require.Contains(t, section, mineExample, "the section points to the example")
	require.Contains(t, section, "\n"+mineBuild+"\n")
	src, err := os.ReadFile(filepath.Join("../..", mineExample))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "libmine.c"), src, 0o644))
	argv := strings.Fields(mineBuild)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return filepath.Join(dir, "libmine.so")
}

// buildBench builds the real benchmark binary of ./bench.
func buildBench(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "bench.test")
	cmd := exec.Command("go", "test", "-c", "-o", out, "./bench")
	cmd.Dir = "../.."
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	return out
}

// A library of the user's, built from the documentation's example, goes through the whole
// path: the benchmarks' rows and configuration, the main job (a real
// benchmark binary, every cell in its own process), compare and report.
func TestUserLibraryThroughEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the benchmark binary")
	}
	dir := t.TempDir()
	lib := buildMine(t, dir)
	binary := buildBench(t, dir)

	// The benchmarks alone, with the flag.
	cmd := exec.Command(binary, "-test.run", "^$", "-test.bench", "Workloads/workload=churn/alloc=mine/threads=1$",
		"-test.benchtime", "2000x", "-test.count", "1", "-allocbench.libs=mine="+lib+":mine_", "-allocbench.futex=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `(?m)^alloc-mine: unknown \(no version function\) library=`+regexp.QuoteMeta(lib)+` build-id=[0-9a-f]+ served-by=`+regexp.QuoteMeta(lib)+`$`, string(out))
	assert.Regexp(t, `(?m)^BenchmarkWorkloads/workload=churn/alloc=mine/threads=1\S*\s+\d+\s+[0-9.]+ ns/op`, string(out))

	// Checked before any work: a library that defines malloc and that
	// LD_PRELOAD names. (This one needs a library that is gone, so the
	// dynamic loader does not really preload it: the check is allocbench's.)
	plain := buildPlain(t, dir)
	cmd = exec.Command(binary, "-test.run", "^$", "-test.bench", ".", "-allocbench.libs=plain="+plain)
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+plain)
	out, err = cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	assert.Contains(t, string(out), "would replace the process's own malloc")
	assert.NotContains(t, string(out), "Benchmark")

	// The main job, with the library in -allocs.
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), "-binaries", "glibc="+binary+",musl="+binary, "-o", root, "-progress", "off",
		"-variants", "glibc,musl", "-workloads", "churn,larson", "-threads", "1,2", "-count", "2", "-benchtime", "3000x",
		"-futex", "off", "-allocs", "libc,mine="+lib+":mine_")
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	details, err := os.ReadFile(filepath.Join(resultDir(t, root), "summary.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(details), "note: musl/mine: not built for the musl variant")
	assert.Regexp(t, `mine`, stdout, "the summary has a column for the library")
	rd := resultDir(t, root)
	data, err := os.ReadFile(filepath.Join(rd, "glibc.txt"))
	require.NoError(t, err)
	text := string(data)
	assert.Contains(t, text, "alloc-mine: unknown (no version function) library="+lib)
	for _, w := range []string{"churn", "larson"} {
		for _, n := range []string{"1", "2"} {
			assert.Equal(t, 2, strings.Count(text, "BenchmarkWorkloads/workload="+w+"/alloc=mine/threads="+n+"-"), "%s threads=%s", w, n)
		}
	}

	// compare and report read it like any other allocator.
	var cout, cerr bytes.Buffer
	require.NoError(t, runCompare([]string{"-col", "/alloc", "-filter", "/workload:churn", filepath.Join(rd, "glibc.txt")}, &cout, &cerr), cerr.String())
	assert.Contains(t, cout.String(), "mine", "a column for the library")
	page := filepath.Join(dir, "report.html")
	cout.Reset()
	require.NoError(t, runReport([]string{"-o", page, filepath.Join(rd, "glibc.txt")}, &cout, &cerr), cerr.String())
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), "alloc-mine")
	assert.Greater(t, strings.Count(string(html), "mine"), 2, "the plots name it")
}

func TestUserLibraryBadInput(t *testing.T) {
	dir := t.TempDir()
	lib := buildMine(t, dir)
	cases := map[string][]string{
		"does not exist":                        {"-allocs", "libc,mine=" + filepath.Join(dir, "nowhere.so")},
		`does not define malloc, free, realloc`: {"-allocs", "libc,mine=" + lib},
		`allocator name "tcmalloc" is taken`:    {"-allocs", "tcmalloc=" + lib + ":mine_"},
		`-allocs: allocator name "x y"`:         {"-allocs", "x y=" + lib},
	}
	plain := buildPlain(t, dir)
	cases["would replace the process's own malloc"] = []string{"-env", "LD_PRELOAD=" + plain, "-allocs", "libc,plain=" + plain}
	for want, args := range cases {
		_, stderr, err := runCLI(t, context.Background(), append([]string{"-o", t.TempDir()}, args...)...)
		if assert.Error(t, err, "%v", args) {
			assert.Contains(t, err.Error()+stderr, want, "%v", args)
			assert.Equal(t, 2, exitCode(err), "%v", args)
		}
	}
}

// buildPlain builds the documentation's example, already built in dir, with the
// C library's names (malloc, free, realloc), linked against a library that
// is then removed: the dynamic loader cannot load it, so a test can name it
// in LD_PRELOAD without it becoming the test process's malloc.
func buildPlain(t *testing.T, dir string) string {
	t.Helper()
	for _, argv := range [][]string{
		{"gcc", "-shared", "-fPIC", "-o", "libghost.so", "-x", "c", "/dev/null"},
		{"gcc", "-O2", "-shared", "-fPIC", "-Dmine_malloc=malloc", "-Dmine_free=free", "-Dmine_realloc=realloc",
			"-o", "libplain.so", "libmine.c", "-L.", "-lghost", "-lpthread"},
	} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	require.NoError(t, os.Remove(filepath.Join(dir, "libghost.so")))
	return filepath.Join(dir, "libplain.so")
}

// A user's library runs in the local glibc variant only: the musl variant
// and the containers say why not.
func TestUserLibraryVariants(t *testing.T) {
	lib := buildMine(t, t.TempDir())
	_, err := alloc.ParseList("variants=" + lib + ":mine_")
	require.NoError(t, err)
	have, _ := variantAllocs("glibc", "debian12", true)
	assert.Contains(t, have, "variants")
	have, why := variantAllocs("musl", "debian12", true)
	assert.NotContains(t, have, "variants")
	assert.Contains(t, why["variants"], "a static musl binary cannot open shared libraries")
	have, why = variantAllocs("glibc", "debian13", false)
	assert.NotContains(t, have, "variants")
	assert.Contains(t, why["variants"], "not in the container")
	o, err := parseFlags([]string{"-allocs", "libc,variants=" + lib + ":mine_"}, &bytes.Buffer{})
	require.NoError(t, err)
	env := cellEnv(cell{Label: "glibc", Workload: "churn", Alloc: "variants", Threads: 1}, o)
	assert.Contains(t, env, "ALLOCBENCH_LIBS=variants="+lib+":mine_")
}
