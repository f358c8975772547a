package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/allocbench/allocbench/workloads"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/infra/distro"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/sysinfo"
	"github.com/allocbench/allocbench/internal/usage"
)

const fakeEnv = "ALLOCBENCH_FAKE_CELL"

// TestMain lets the test binary stand in for a variant's benchmark binary:
// with fakeEnv set it prints made-up results for the cell it is asked for,
// or crashes, or hangs, as the test arranged.
//
// With mainEnv set and no -test.bench argument, it is the allocbench
// command itself, for tests that signal a whole run.
func TestMain(m *testing.M) {
	isCell := false
	for _, a := range os.Args {
		isCell = isCell || a == "-test.bench"
	}
	if os.Getenv(fakeEnv) != "" && isCell {
		fakeCell()
		return
	}
	if os.Getenv(mainEnv) != "" && !isCell {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv(mainEnv))...)
		main()
		return
	}
	os.Exit(m.Run())
}

const (
	mainEnv = "ALLOCBENCH_TEST_MAIN"
	// pidsEnv names a directory where fake cells leave their pid.
	pidsEnv = "ALLOCBENCH_FAKE_PIDS"
)

var cellPattern = regexp.MustCompile(`workload=([^$]+)\$/\^alloc=([^$]+)\$/\^threads=(\d+)\$`)

func fakeCell() {
	var pattern string
	count := 1
	for i, a := range os.Args {
		if a == "-test.bench" && i+1 < len(os.Args) {
			pattern = os.Args[i+1]
		}
		if a == "-test.count" && i+1 < len(os.Args) {
			fmt.Sscan(os.Args[i+1], &count)
		}
	}
	m := cellPattern.FindStringSubmatch(pattern)
	if m == nil {
		fmt.Fprintln(os.Stderr, "fake cell: bad pattern", pattern)
		os.Exit(2)
	}
	workload, alloc, threads := m[1], m[2], m[3]
	variant := os.Getenv("ALLOCBENCH_VARIANT")
	behave := os.Getenv(fakeEnv)
	if dir := os.Getenv(pidsEnv); dir != "" {
		os.WriteFile(filepath.Join(dir, workload+"-"+alloc+"-"+threads), []byte(fmt.Sprint(os.Getpid())), 0o644)
	}
	method := "tracepoint"
	if i := strings.Index(behave, "method:"+workload+"="); i >= 0 {
		method = strings.Fields(behave[i+len("method:"+workload+"="):])[0]
	}
	switch {
	case strings.Contains(behave, "crash:"+workload+"/"+alloc):
		fmt.Println("libc: fake")
		fmt.Fprintln(os.Stderr, "fake cell: about to crash")
		crash()
		time.Sleep(time.Second)
	case strings.Contains(behave, "hang:"+workload+"/"+alloc):
		time.Sleep(time.Hour)
	case strings.Contains(behave, "skip:"+workload+"/"+alloc):
		fmt.Printf("=== RUN   BenchmarkWorkloads\n--- SKIP: BenchmarkWorkloads/workload=%s/alloc=%s/threads=%s\n    bench.go:40: %s: not installed here\n", workload, alloc, threads, alloc)
		return
	}
	fmt.Printf("libc: %s\nfutex-method: %s\n", variant, method)
	// The real benchmarks record the environment that changes allocators.
	sysinfo.WriteConfig(os.Stdout, sysinfo.EnvConfigLines(os.Environ()))
	if strings.Contains(behave, "chatter:"+workload+"/"+alloc) {
		fmt.Println("warning: low memory")
		fmt.Println("debug: " + strings.Repeat("x", 100_000))
		fmt.Println("futex-method-reason: " + strings.Repeat("y", 100_000))
	}
	if strings.Contains(behave, "longresult:"+workload+"/"+alloc) {
		fmt.Printf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%s-2 1 %s\n", workload, alloc, threads, strings.Repeat(" 1 x-ns", 12_000))
	}
	// Made-up figures: musl's malloc 4x slower than glibc's, mimalloc 2.5x
	// faster than glibc's; a little spread between runs.
	ns := 20.0
	switch {
	case variant == "musl" && alloc == "libc":
		ns = 80
	case alloc == "mimalloc":
		ns = 8
	case alloc == "jemalloc":
		ns = 12
	}
	futex := 0.0
	if variant == "musl" && alloc == "libc" {
		futex = 30
	}
	if strings.Contains(behave, "othername:"+workload+"/"+alloc) {
		threads += "0"
	}
	for i := 0; i < count; i++ {
		v := ns * (1 + 0.01*float64(i))
		fmt.Printf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%s-2 \t 1000000\t %.2f ns/op\t %.2f futex-nsec/op\t %.2f futex-pct\t %.1f p99-nsec\t %.2f rss-per-live-byte\n",
			workload, alloc, threads, v, futex, futex/ns*10, v*3, 1.5)
		if i == 1 && strings.Contains(behave, "partial:"+workload+"/"+alloc) {
			time.Sleep(time.Hour)
		}
	}
	fmt.Println("PASS")
	if strings.Contains(behave, "orphan:"+workload+"/"+alloc) {
		// A child that holds stdout and runs on after the cell exits 0.
		child := exec.Command("sleep", "600")
		child.Stdout = os.Stdout
		if err := child.Start(); err == nil {
			if dir := os.Getenv(pidsEnv); dir != "" {
				os.WriteFile(filepath.Join(dir, workload+"-"+alloc+"-"+threads+"-child"), []byte(fmt.Sprint(child.Process.Pid)), 0o644)
			}
		}
	}
}

func runCLI(t *testing.T, ctx context.Context, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	opts, err := parseFlags(args, &stderr)
	if err != nil {
		return stdout.String(), stderr.String(), usage.Wrap(err)
	}
	err = runJob(ctx, opts, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func fakeArgs(dir string, extra ...string) []string {
	self := os.Args[0]
	return append([]string{"-binaries", "glibc=" + self + ",musl=" + self, "-o", dir, "-progress", "off",
		"-count", "3", "-runs-per-visit", "3", "-threads", "1,2"}, extra...)
}

func resultDir(t *testing.T, root string) string {
	t.Helper()
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	return filepath.Join(root, entries[0].Name())
}

// A crashing and a hanging cell lose only themselves: every other cell
// finishes and is in the result files, and the failures are named. The
// cells' limit, 5 s, is one a healthy fake cell meets on a loaded 2-core
// machine (1 s was missed there at a load average of 15).
func TestCrashAndHangLoseOnlyTheirCells(t *testing.T) {
	t.Setenv(fakeEnv, "crash:larson/jemalloc hang:xmalloc/mimalloc")
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root,
		"-workloads", "churn,larson,xmalloc", "-allocs", "libc,jemalloc,mimalloc", "-variants", "glibc", "-timeout", "5s")...)
	require.Error(t, err)
	var cf cellsFailedError
	require.True(t, errors.As(err, &cf), "%v", err)
	assert.Equal(t, 4, cf.failed, "two crashes and two hangs (threads 1 and 2)")
	assert.Equal(t, 3, exitCode(err))

	assert.Contains(t, stderr, "FAIL glibc workload=larson alloc=jemalloc threads=1: crashed: SIGSEGV: segmentation violation")
	assert.Contains(t, stderr, "fake cell: about to crash", "the failure shows the tail of the cell's output")
	assert.Contains(t, stderr, "FAIL glibc workload=xmalloc alloc=mimalloc threads=2: no result within 5s: killed")
	assert.Contains(t, stdout, "failed: glibc workload=larson alloc=jemalloc threads=2")

	data, err := os.ReadFile(filepath.Join(resultDir(t, root), "glibc.txt"))
	require.NoError(t, err)
	lines := string(data)
	for _, w := range []string{"churn", "larson", "xmalloc"} {
		for _, a := range []string{"libc", "jemalloc", "mimalloc"} {
			for _, n := range []string{"1", "2"} {
				name := fmt.Sprintf("BenchmarkWorkloads/workload=%s/alloc=%s/threads=%s-2", w, a, n)
				want := 3
				if (w == "larson" && a == "jemalloc") || (w == "xmalloc" && a == "mimalloc") {
					want = 0
				}
				assert.Equal(t, want, strings.Count(lines, name+" "), name)
			}
		}
	}
	assert.Equal(t, 1, strings.Count(lines, "libc: glibc\n"), "configuration lines once per file")
	assert.Contains(t, lines, "# failed glibc workload=larson alloc=jemalloc threads=1: crashed")
}

// The end of a run: the summary table and the claims, from the files.
func TestSummaryAndClaims(t *testing.T) {
	t.Setenv(fakeEnv, "skip:churn/tcmalloc")
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root,
		"-workloads", "churn,larson", "-allocs", "libc,jemalloc,mimalloc,tcmalloc,floor", "-count", "6")...)
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	// The terminal: the answer first, each line within 100 columns.
	lines := strings.Split(stdout, "\n")
	claimsAt := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Published claims, judged on 95% intervals") })
	tablesAt := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Throughput relative to") })
	require.Positive(t, claimsAt, stdout)
	assert.Less(t, claimsAt, tablesAt, "the claims come before the tables")
	for _, l := range lines[claimsAt:tablesAt] {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), 100, l)
	}
	for _, l := range lines {
		if !strings.Contains(l, root) { // paths are as long as they are
			assert.LessOrEqual(t, utf8.RuneCountInString(l), 120, l)
		}
	}
	// musl's malloc is 4x slower in the made-up figures, mimalloc 2.5x faster.
	assert.Regexp(t, `(?m)^  musl-mt\s+yes\s+4\.00x \[3\.9\dx, 4\.0\dx\]\s+≥3x\s+musl's slowdown, churn t=2$`, stdout)
	assert.Regexp(t, `(?m)^  mi-mt\s+yes\s+2\.50x \[2\.4\dx, 2\.5\dx\]\s+≥2x\s+mimalloc's speedup, churn t=2$`, stdout)
	assert.NotContains(t, stdout, "…", "no claim line is clipped")
	assert.Regexp(t, `(?m)^  st-small\s+no\s+4\.00x`, stdout)
	assert.Regexp(t, `(?m)^  larson t=2\s+mimalloc\s+2\.50x ±\d%\s+4\.00x slower ±\d%\s+mimalloc 2\.50x ±\d%$`, stdout, "a line per workload")
	assert.Regexp(t, `threads=2  speed\s+1\.00x`, stdout)
	assert.Regexp(t, `Precision: \d+ of 30 cells reached ±3%`, stdout)
	assert.Regexp(t, `allocbench: \d+ notes on what is left out, in summary.txt \(-v prints them here\)`, stdout)
	assert.NotContains(t, stdout, "note: musl/tcmalloc", "notes go to summary.txt")
	assert.Regexp(t, `details: .*summary\.txt`, stdout)
	assert.Regexp(t, `report: .*report\.html`, stdout)
	dir := resultDir(t, root)
	for _, f := range []string{"glibc.txt", "musl.txt", "report.html", "summary.txt"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	// summary.txt: the same answer, then the detail.
	data, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	require.NoError(t, err)
	details := string(data)
	assert.Contains(t, details, "note: musl/tcmalloc: not built for the musl variant")
	assert.Contains(t, details, "note: floor skips larson: they free blocks across threads")
	assert.Contains(t, details, "skipped glibc workload=churn alloc=tcmalloc threads=1: tcmalloc: not installed here")
	assert.Regexp(t, `musl-mt\s.*musl slower by 4\.00x \[3\.9\dx, 4\.0\dx\] at most \(churn threads=2\)\s+yes`, details)
	assert.Regexp(t, `musl-futex\s.*musl 30 \[30, 30\] futex-nsec/op, glibc none \(churn threads=2\)\s+yes`, details)
	assert.Regexp(t, `musl-fix\s.*at worst 250% \[24\d%, 25\d%\] of glibc's throughput`, details)
	assert.Regexp(t, `musl-mt: musl/libc churn threads=2: 80\.8 ns/op \[80–81\.6\] \(median of \d+\); glibc/libc churn threads=2: 20\.2 ns/op`, details, "medians of the runs")
	assert.Contains(t, details, "Scaling: throughput over threads=1")
	glibc, err := os.ReadFile(filepath.Join(dir, "glibc.txt"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(glibc), "precision-target: ±3% of the median ns/op (95% interval), 6 to 6 runs a cell, 3 a visit, budget 10m0s\n"),
		"the file says how far its cells ran")
	assert.Regexp(t, `(?m)^# precision glibc workload=churn alloc=libc threads=1: median ns/op ±\d\.\d% from 6 runs in 2 visits; reached the target of ±3%$`, string(glibc))
	assert.Contains(t, details, stdout[strings.Index(stdout, "\nPublished claims")+1:strings.Index(stdout, "Precision:")],
		"summary.txt has what the terminal showed")

	// -v prints the detail on the terminal too.
	stdout, _, err = runCLI(t, context.Background(), fakeArgs(t.TempDir(),
		"-workloads", "churn", "-allocs", "libc,tcmalloc", "-count", "6", "-v")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "note: musl/tcmalloc: not built for the musl variant")
	assert.Contains(t, stdout, "Scaling: throughput over threads=1")
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "musl-mt", "the report carries the claims table")
	assert.Regexp(t, `musl slower by 4\.00x \[3\.9\dx, 4\.0\dx\] at most \(churn threads=2\)`, string(html), "the same verdicts as the terminal")
	assert.Contains(t, string(html), "Summary: throughput relative to glibc/libc")

	// The same claims from the files alone: compare -claims and report.
	var o, e bytes.Buffer
	require.NoError(t, run([]string{"compare", "-claims", filepath.Join(dir, "glibc.txt"), filepath.Join(dir, "musl.txt")}, &o, &e))
	assert.Regexp(t, `musl-mt\s.*musl slower by 4\.00x \[3\.9\dx, 4\.0\dx\] at most \(churn threads=2\)\s+yes`, o.String())
	o.Reset()
	out := filepath.Join(t.TempDir(), "r.html")
	require.NoError(t, run([]string{"report", "-o", out, filepath.Join(dir, "glibc.txt"), filepath.Join(dir, "musl.txt")}, &o, &e))
	page, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Regexp(t, `musl slower by 4\.00x \[3\.9\dx, 4\.0\dx\] at most \(churn threads=2\)`, string(page))
}

// Ctrl-C keeps every finished visit: each visit the log says ended is in
// the result file, whole.
func TestInterruptKeepsFinishedCells(t *testing.T) {
	t.Setenv(fakeEnv, "hang:larson/libc")
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(1500 * time.Millisecond)
		cancel()
	}()
	// Seed 5 visits both churn cells before the hanging one.
	_, stderr, err := runCLI(t, ctx, fakeArgs(root, "-workloads", "churn,larson", "-allocs", "libc", "-variants", "glibc", "-timeout", "1m", "-seed", "5")...)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, stderr, "interrupted")
	dir := resultDir(t, root)
	data, err := os.ReadFile(filepath.Join(dir, "glibc.txt"))
	require.NoError(t, err)
	log, err := os.ReadFile(filepath.Join(dir, "glibc.log"))
	require.NoError(t, err)
	ended := strings.Count(string(log), "workload=churn alloc=libc threads=1: ok") + strings.Count(string(log), "workload=churn alloc=libc threads=2: ok")
	assert.Equal(t, 2, ended)
	assert.Equal(t, 3*ended, strings.Count(string(data), "workload=churn/alloc=libc"), "three runs of each churn visit that ended")
	assert.NotContains(t, string(data), "failed", "the interrupted cell is not counted as a failure")
	assert.NotContains(t, string(log), "larson alloc=libc threads=1: ok")
}

func TestBadInput(t *testing.T) {
	cases := map[string][]string{
		`unknown workload "chrun"`:                     {"-workloads", "chrun"},
		`unknown allocator "ptmalloc"`:                 {"-allocs", "libc,ptmalloc"},
		"thread count 0 is out of range":               {"-threads", "0,2"},
		`thread count "x" is not a whole number`:       {"-threads", "x"},
		`unknown variant "alpine"`:                     {"-variants", "alpine"},
		"-count -1 is out of range":                    {"-count", "-1"},
		"-target 0 is out of range":                    {"-target", "0"},
		"-target 150 is out of range":                  {"-target", "150"},
		"-max-runs 3 is out of range (valid: 6..1000)": {"-max-runs", "3"},
		"-budget -1s must be positive":                 {"-budget", "-1s"},
		"-runs-per-visit 0 is out of range":            {"-runs-per-visit", "0"},
		`-benchtime "fast" is neither`:                 {"-benchtime", "fast"},
		`-futex: unknown futex method "strace"`:        {"-futex", "strace"},
		"-timeout -1s must be positive":                {"-timeout", "-1s"},
		`-progress: unknown value "maybe"`:             {"-progress", "maybe"},
		`-binaries: "glibc" is not variant=path`:       {"-binaries", "glibc"},
		`unexpected argument "extra"`:                  {"extra"},
		"unknown flag -bogus":                          {"-bogus"},
		`invalid value "many" for flag -count`:         {"-count", "many"},
		"-benchtime \"0x\" is neither":                 {"-benchtime", "0x"},
		"-variants set to nothing":                     {"-variants", ""},
		"-workloads set to nothing":                    {"-workloads", ""},
		`thread count 5000 is out of range (valid: `:   {"-threads", "5000"},
	}
	for want, args := range cases {
		_, stderr, err := runCLI(t, context.Background(), args...)
		if assert.Error(t, err, "%v", args) {
			assert.Contains(t, err.Error()+stderr, want, "%v", args)
			assert.Equal(t, 2, exitCode(err), "%v", args)
		}
	}
	// -count 0 means the profile's default, adaptive runs, not zero runs.
	o, err := parseFlags([]string{"-count", "0"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, defaultMinRuns, o.minRuns)
	assert.Equal(t, defaultMaxRuns, o.maxRuns)
}

func TestResultsDirectoryNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, _, err := runCLI(t, context.Background(), fakeArgs(file, "-workloads", "churn")...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "results directory")
	assert.Contains(t, err.Error(), file)
}

// diskFile is a result file on a disk with room for capacity bytes in all.
type diskFile struct {
	*os.File
	capacity int64
}

func (f *diskFile) Write(p []byte) (int, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if room := f.capacity - st.Size(); int64(len(p)) > room {
		n, _ := f.File.Write(p[:max(room, 0)])
		return n, syscall.ENOSPC
	}
	return f.File.Write(p)
}

// A full disk stops the run with an error that says the earlier cells are
// kept, and leaves a file that ends on the last whole cell: the cell that
// did not fit leaves none of its lines, and a line that names it when there
// is room for one.
func TestFullDiskLeavesWholeCells(t *testing.T) {
	cellA := cell{Label: "glibc", Workload: "churn", Alloc: "libc", Threads: 1}
	cellB := cell{Label: "glibc", Workload: "churn", Alloc: "libc", Threads: 2}
	resultB := []string{"BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-2 1 11.5 ns/op 70.1 p99-nsec", "BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-2 1 11.6 ns/op 70.2 p99-nsec"}
	for _, tc := range []struct {
		room     int64
		wantNote bool
	}{{40, false}, {150, true}} {
		d, _, err := createRunDir(t.TempDir(), time.Now())
		require.NoError(t, err)
		r, err := createResultFile(d, "glibc.txt")
		require.NoError(t, err)
		require.NoError(t, r.add(outcome{cell: cellA, config: []string{"libc: glibc"}, results: []string{"BenchmarkWorkloads/workload=churn/alloc=libc/threads=1-2 1 17 ns/op 60.1 p99-nsec"}}))
		before, err := os.ReadFile(r.path)
		require.NoError(t, err)
		r.f = &diskFile{File: r.f.(*os.File), capacity: int64(len(before)) + tc.room}
		err = r.add(outcome{cell: cellB, config: []string{"libc: glibc", "futex-method: sampled"}, results: resultB})
		require.Error(t, err)
		assert.ErrorIs(t, err, syscall.ENOSPC)
		require.NoError(t, r.Close())
		d.Close()

		data, err := os.ReadFile(r.path)
		require.NoError(t, err)
		note := "# failed glibc workload=churn alloc=libc threads=2: its results could not be written: no space left on device\n"
		if tc.wantNote {
			assert.Equal(t, string(before)+note, string(data), "room %d", tc.room)
		} else {
			assert.Equal(t, string(before), string(data), "room %d", tc.room)
		}
		f, warns := results.ReadFile(results.Source{Label: "glibc", Path: r.path})
		assert.Empty(t, warns, "the file reads cleanly")
		assert.Len(t, f.Results, 1)
	}
}

func TestPlan(t *testing.T) {
	o, err := parseFlags([]string{"-workloads", "churn,xmalloc", "-threads", "1", "-allocs", "all"}, &bytes.Buffer{})
	require.NoError(t, err)
	glibcHave, glibcWhy := variantAllocs("glibc", "debian12", true)
	muslHave, muslWhy := variantAllocs("musl", "debian12", true)
	variants := []variant{{name: "glibc", libc: "glibc", allocs: glibcHave, why: glibcWhy}, {name: "musl", libc: "musl", allocs: muslHave, why: muslWhy}}
	cells, notes := plan(o, variants)
	var names []string
	for _, c := range cells {
		names = append(names, c.Label+"/"+c.Workload+"/"+c.Alloc)
	}
	assert.Contains(t, names, "glibc/churn/floor")
	assert.NotContains(t, names, "glibc/xmalloc/floor", "floor cannot take remote frees")
	assert.NotContains(t, names, "musl/churn/tcmalloc")
	assert.Contains(t, names, "musl/xmalloc/mimalloc")
	assert.Contains(t, names, "glibc/churn/tbbmalloc")
	assert.NotContains(t, names, "glibc/churn/mimalloc3", "Debian 12 has no mimalloc 3")
	// glibc on Debian 12: libc, jemalloc, mimalloc, tcmalloc, tbbmalloc
	// and floor on churn, floor left out of xmalloc; musl: libc, jemalloc,
	// mimalloc and floor, floor left out of xmalloc.
	assert.Len(t, cells, 6+5+4+3)
	assert.Contains(t, notes, "musl/tcmalloc: not built for the musl variant: its sources are C++; musl-gcc finds no C++ standard library (no <new>: Debian ships no libstdc++ built for musl)")
	assert.Contains(t, notes, "glibc/mimalloc3: not packaged on debian12 (packaged on debian13: libmimalloc3)")

	// On Debian 13, mimalloc 3 is there under its own name, beside the
	// record of mimalloc 2, which Debian 13 no longer packages.
	have, why := variantAllocs("glibc", "debian13", true)
	assert.Contains(t, have, "mimalloc3")
	assert.NotContains(t, have, "mimalloc")
	assert.Contains(t, why["mimalloc"], "not packaged on debian13")
	// The installer takes their packages from the records, by release.
	d13, err := distro.Lookup("debian13")
	require.NoError(t, err)
	assert.Equal(t, []string{"libmimalloc3", "libtcmalloc-minimal4t64"}, d13.PackageNames("mimalloc3", "tcmalloc", "libc"))
	alpine, err := distro.Lookup("alpine321")
	require.NoError(t, err)
	assert.Equal(t, []string{"gperftools"}, alpine.PackageNames("tcmalloc"))
}

func TestProfiles(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, defaultBudget, o.budget)
	assert.Equal(t, 0.03, o.target)
	assert.Equal(t, []int{6, 30, 1}, []int{o.minRuns, o.maxRuns, o.perVisit})
	assert.Len(t, o.workloads, len(workloads.All()), "the default runs every workload")
	q, err := parseFlags([]string{"-quick"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, quickBudget, q.budget)
	assert.Equal(t, strings.Split(quickWorkloads, ","), q.workloads)
	q, err = parseFlags([]string{"-quick", "-count", "7", "-workloads", "mixed", "-budget", "1h", "-target", "1.5", "-runs-per-visit", "3"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, []int{7, 7, 3}, []int{q.minRuns, q.maxRuns, q.perVisit}, "flags narrow or widen a profile: -count fixes the runs")
	assert.Equal(t, []string{"mixed"}, q.workloads)
	assert.Equal(t, time.Hour, q.budget)
	assert.Equal(t, 0.015, q.target)
}

// TestCellBenchtime: larson cells run enough ops for three thread
// generations (3 × threads × 100 rounds × 5000 blocks) unless -benchtime
// says otherwise; other cells take the profile's benchtime.
func TestCellBenchtime(t *testing.T) {
	q, err := parseFlags([]string{"-quick"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, "3000000x", cellBenchtime(cell{Label: "glibc", Workload: "larson", Alloc: "libc", Threads: 2}, q))
	assert.Equal(t, "6000000x", cellBenchtime(cell{Label: "glibc", Workload: "larson", Alloc: "libc", Threads: 4}, q))
	assert.Equal(t, quickBenchtime, cellBenchtime(cell{Label: "glibc", Workload: "churn", Alloc: "libc", Threads: 2}, q))
	set, err := parseFlags([]string{"-quick", "-benchtime", "5ms"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, "5ms", cellBenchtime(cell{Label: "glibc", Workload: "larson", Alloc: "libc", Threads: 2}, set), "-benchtime applies to every cell")
}

// glibcVariant is the local glibc variant of Debian 12 run by argv0.
func glibcVariant(argv0 string) variant {
	have, why := variantAllocs("glibc", "debian12", true)
	return variant{name: "glibc", libc: "glibc", allocs: have, why: why, argv: []string{argv0}}
}
