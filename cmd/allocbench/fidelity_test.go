package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"

	"github.com/allocbench/allocbench/internal/infra/glibcbench"
	"github.com/allocbench/allocbench/workloads"
)

func TestFidelityBadInput(t *testing.T) {
	cases := map[string][]string{
		"-allocs: floor cannot run under glibc's bench-malloc-thread, which swaps allocators in with LD_PRELOAD (valid: libc, jemalloc, mimalloc, tcmalloc)": {"-allocs", "libc,floor"},
		`-allocs: unknown allocator "ptmalloc"`:                                  {"-allocs", "ptmalloc"},
		"-allocs set to nothing":                                                 {"-allocs", ""},
		"-threads: thread count 0 is out of range":                               {"-threads", "0,2"},
		`-threads: thread count "x" is not a whole number`:                       {"-threads", "x"},
		"-threads: 1000 is more than bench-malloc-thread can run (valid: 1..512": {"-threads", "1,1000"},
		"-count 0 is out of range (valid: 1..1000)":                              {"-count", "0"},
		"-duration: duration 1.5s is not whole seconds from 1s to 1h0m0s":        {"-duration", "1500ms"},
		"-duration: duration 0s is not whole seconds":                            {"-duration", "0s"},
		`-benchtime "fast" is neither`:                                           {"-benchtime", "fast"},
		"-timeout 2s must be longer than -duration 2s":                           {"-timeout", "2s"},
		`-progress: unknown value "maybe" (valid: auto, on, off)`:                {"-progress", "maybe"},
		`unexpected argument "extra" (allocbench fidelity takes only flags)`:     {"extra"},
		"unknown flag -variants":                                                 {"-variants", "glibc"},
		`invalid value "soon" for flag -duration`:                                {"-duration", "soon"},
	}
	for want, args := range cases {
		root := filepath.Join(t.TempDir(), "results")
		var stdout, stderr bytes.Buffer
		err := run(append([]string{"fidelity", "-o", root}, args...), &stdout, &stderr)
		if assert.Error(t, err, "%v", args) {
			assert.Contains(t, err.Error()+stderr.String(), want, "%v", args)
			assert.Equal(t, 2, exitCode(err), "%v", args)
		}
		assert.NoDirExists(t, root, "%v: nothing done before the flags are checked", args)
		assert.Empty(t, stdout.String(), "%v", args)
	}
}

func TestFidelityHelpAndDefaults(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"fidelity", "-h"}, &stdout, &stderr))
	assert.True(t, strings.HasPrefix(stderr.String(), fidelitySummary+"\n"), stderr.String())
	assert.Contains(t, stderr.String(), "usage: allocbench fidelity [flags]")

	o, err := parseFidelityFlags(nil, &stderr)
	require.NoError(t, err)
	assert.Equal(t, []string{"libc", "jemalloc", "mimalloc", "tcmalloc"}, o.allocs)
	want := map[int]bool{1: true, 2: true, runtime.NumCPU(): true}
	var threads []int
	for n := range want {
		threads = append(threads, n)
	}
	sort.Ints(threads)
	assert.Equal(t, threads, o.threads)
	assert.Equal(t, 5, o.count)
	assert.Equal(t, 2*time.Second, o.duration)
	assert.Equal(t, "2s", o.benchtime, "allocbench's runs last as long as the original's")

	o, err = parseFidelityFlags([]string{"-allocs", "all", "-duration", "1s", "-benchtime", "500ms", "-threads", "4,1,4"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, []string{"libc", "jemalloc", "mimalloc", "tcmalloc"}, o.allocs)
	assert.Equal(t, "500ms", o.benchtime)
	assert.Equal(t, []int{1, 4}, o.threads)
	co := o.cellOptions()
	assert.Equal(t, []string{"glibc"}, co.variants)
	assert.Equal(t, []string{"churn"}, co.workloads)
	assert.Equal(t, 1, co.count, "one run per pair")
	assert.Equal(t, workloads.FutexOff, co.futex)
}

func TestFidelityRowsAndTable(t *testing.T) {
	pairs := []fidelityPair{
		{"libc", 1, 50e6, 40e6},
		{"libc", 1, 50e6, 45e6},
		{"libc", 1, 40e6, 44e6},
		{"libc", 2, 100e6, 100e6},
		{"libc", 2, 0, 90e6}, // the original failed: the pair does not count
		{"libc", 2, 80e6, 100e6},
		{"jemalloc", 1, 0, 0},
	}
	rows := fidelityRows([]string{"libc", "jemalloc"}, []int{1, 2}, pairs)
	require.Len(t, rows, 4)
	assert.Equal(t, fidelityRow{alloc: "libc", threads: 1, pairs: 3, original: 50e6, allocbench: 44e6, ratio: 0.9, min: 0.8, max: 1.1}, roundRow(rows[0]))
	// Two pairs: the medians are means of the middle two.
	assert.Equal(t, fidelityRow{alloc: "libc", threads: 2, pairs: 2, original: 90e6, allocbench: 100e6, ratio: 1.125, min: 1, max: 1.25}, roundRow(rows[1]))
	assert.Equal(t, fidelityRow{alloc: "jemalloc", threads: 1}, rows[2])
	assert.Equal(t, fidelityRow{alloc: "jemalloc", threads: 2}, rows[3])

	var buf bytes.Buffer
	writeFidelityTable(&buf, rows)
	assert.Equal(t, ""+
		"allocator  threads  original ops/s  allocbench ops/s  allocbench/original         range  pairs\n"+
		"libc             1           50.0M             44.0M                0.900  0.800..1.100      3\n"+
		"libc             2           90.0M            100.0M                1.125  1.000..1.250      2\n"+
		"jemalloc         1               -                 -                    -             -      0\n"+
		"jemalloc         2               -                 -                    -             -      0\n",
		buf.String())
}

// roundRow rounds a row's ratios to 1e-9, for comparing with literals.
func roundRow(r fidelityRow) fidelityRow {
	round := func(v float64) float64 { return float64(int64(v*1e9+0.5)) / 1e9 }
	r.ratio, r.min, r.max = round(r.ratio), round(r.min), round(r.max)
	return r
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 3.0, median([]float64{5, 1, 3}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
	assert.Equal(t, 7.0, median([]float64{7}))
	in := []float64{3, 1, 2}
	median(in)
	assert.Equal(t, []float64{3, 1, 2}, in, "the input is not reordered")
}

// fakeOriginal stands in for glibc's program: a fixed throughput per
// allocator, and a failure where asked.
type fakeOriginal struct {
	opsPerSec map[string]float64
	failOn    string // "alloc/threads/run"
	runs      map[string]int
	preloads  []string
}

func (f *fakeOriginal) Preload(_ context.Context, a string) (string, error) {
	f.preloads = append(f.preloads, a)
	if a == "libc" {
		return "", nil
	}
	return "/usr/lib/lib" + a + ".so", nil
}

func (f *fakeOriginal) Run(_ context.Context, threads int, preload string) (glibcbench.Result, error) {
	a := "libc"
	if preload != "" {
		a = strings.TrimSuffix(strings.TrimPrefix(preload, "/usr/lib/lib"), ".so")
	}
	k := fmt.Sprintf("%s/%d", a, threads)
	i := f.runs[k]
	f.runs[k]++
	if fmt.Sprintf("%s/%d", k, i) == f.failOn {
		return glibcbench.Result{}, errors.New("bench-malloc-thread 2: crashed: segmentation fault")
	}
	// Each thread ran 1 s.
	return glibcbench.Result{Threads: threads, Iterations: f.opsPerSec[a], Elapsed: time.Duration(threads) * time.Second, MaxRSSKiB: 2048}, nil
}

// The job end to end, on the fake cell of TestMain (churn at 20 ns/op for
// libc, 12 for jemalloc) and a fake original.
func TestFidelityJob(t *testing.T) {
	t.Setenv(fakeEnv, "on")
	d := newTestRunDir(t)
	o, err := parseFidelityFlags([]string{"-allocs", "libc,jemalloc", "-threads", "1,2", "-count", "3", "-duration", "1s", "-progress", "off"}, &bytes.Buffer{})
	require.NoError(t, err)
	orig := &fakeOriginal{opsPerSec: map[string]float64{"libc": 40e6, "jemalloc": 100e6}, failOn: "jemalloc/2/1", runs: map[string]int{}}
	prog := glibcbench.Program{Source: "glibc", Version: "2.36-9", CC: "gcc 12.2.0", Duration: time.Second, SHA256: "ab12"}
	v := glibcVariant(os.Args[0])
	var stdout, stderr bytes.Buffer
	err = measureFidelity(context.Background(), o, v, prog, orig, d, &stdout, &stderr)

	var cf cellsFailedError
	require.True(t, errors.As(err, &cf), "%v\n%s\n%s", err, stdout.String(), stderr.String())
	assert.Equal(t, 1, cf.failed)
	assert.Equal(t, 3, exitCode(err))
	assert.Equal(t, []string{"libc", "jemalloc"}, orig.preloads, "libraries found before anything runs")
	assert.Contains(t, stderr.String(), "FAIL original glibc workload=churn alloc=jemalloc threads=2: bench-malloc-thread 2: crashed")
	// libc: 50M/s against 40M/s; jemalloc: 83.3M/s against 100M/s.
	out := stdout.String()
	assert.Regexp(t, `\nlibc\s+1\s+40\.0M\s+50\.0M\s+1\.250\s+1\.250\.\.1\.250\s+3\n`, out)
	assert.Regexp(t, `\nlibc\s+2\s+40\.0M\s+50\.0M\s+1\.250\s+1\.250\.\.1\.250\s+3\n`, out)
	assert.Regexp(t, `\njemalloc\s+1\s+100\.0M\s+83\.3M\s+0\.833\s+0\.833\.\.0\.833\s+3\n`, out)
	assert.Regexp(t, `\njemalloc\s+2\s+100\.0M\s+83\.3M\s+0\.833\s+0\.833\.\.0\.833\s+2\n`, out, "the failed pair is left out")

	// Both files read as benchmark results with the same names, so that
	// benchstat lines them up.
	names := func(file string) (map[string]int, []string) {
		f, err := os.Open(d.path(file))
		require.NoError(t, err)
		defer f.Close()
		counts := map[string]int{}
		var config []string
		r := benchfmt.NewReader(f, file)
		for r.Scan() {
			if res, ok := r.Result().(*benchfmt.Result); ok {
				counts[string(res.Name.Full())]++
				if len(config) == 0 {
					for _, c := range res.Config {
						config = append(config, c.Key+": "+string(c.Value))
					}
				}
			}
		}
		require.NoError(t, r.Err())
		return counts, config
	}
	origNames, origConfig := names("original.txt")
	abNames, _ := names("allocbench.txt")
	assert.Equal(t, map[string]int{
		"Workloads/workload=churn/alloc=libc/threads=1-2":     3,
		"Workloads/workload=churn/alloc=libc/threads=2-2":     3,
		"Workloads/workload=churn/alloc=jemalloc/threads=1-2": 3,
		"Workloads/workload=churn/alloc=jemalloc/threads=2-2": 2,
	}, origNames)
	assert.Equal(t, 3, abNames["Workloads/workload=churn/alloc=jemalloc/threads=2-2"])
	assert.Contains(t, origConfig, "original-source: Debian source package glibc 2.36-9 (upstream glibc 2.36)")
	assert.Contains(t, origConfig, "original-alloc-jemalloc: LD_PRELOAD=/usr/lib/libjemalloc.so")
	assert.Contains(t, origConfig, "original-alloc-libc: the C library's malloc, nothing preloaded")

	data, err := os.ReadFile(d.path("original.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-2 \t40000000\t25 ns/op\t2097152 max-rss-bytes\n")
	assert.Contains(t, string(data), "# failed original glibc workload=churn alloc=jemalloc threads=2: bench-malloc-thread 2: crashed")
}

func TestFirstResult(t *testing.T) {
	r, ok := firstResult([]string{"BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-4 \t 1000000\t 16.91 ns/op\t 3.2 p99-nsec"})
	require.True(t, ok)
	assert.Equal(t, "BenchmarkWorkloads/workload=churn/alloc=libc/threads=2-4", r.name)
	assert.InDelta(t, 16.91, r.nsPerOp, 1e-9)
	_, ok = firstResult([]string{"BenchmarkX 10 5 p99-nsec"})
	assert.False(t, ok, "no ns/op")
	_, ok = firstResult(nil)
	assert.False(t, ok)
}

// A cell that skips (its allocator is missing in allocbench's build) leaves
// its row empty and says why; it is no failure.
func TestFidelitySkippedCell(t *testing.T) {
	t.Setenv(fakeEnv, "skip:churn/jemalloc")
	o, err := parseFidelityFlags([]string{"-allocs", "libc,jemalloc", "-threads", "1", "-count", "2", "-duration", "1s", "-progress", "off"}, &bytes.Buffer{})
	require.NoError(t, err)
	orig := &fakeOriginal{opsPerSec: map[string]float64{"libc": 40e6, "jemalloc": 100e6}, runs: map[string]int{}}
	v := glibcVariant(os.Args[0])
	var stdout, stderr bytes.Buffer
	err = measureFidelity(context.Background(), o, v, glibcbench.Program{Duration: time.Second}, orig, newTestRunDir(t), &stdout, &stderr)
	require.NoError(t, err, "%s", stderr.String())
	assert.Contains(t, stdout.String(), "skipped glibc workload=churn alloc=jemalloc threads=1: jemalloc: not installed here\n")
	assert.Regexp(t, `\njemalloc\s+1\s+-\s+-\s+-\s+-\s+0\n`, stdout.String())
	assert.Regexp(t, `\nlibc\s+1\s+40\.0M\s+50\.0M\s+1\.250\s+1\.250\.\.1\.250\s+2\n`, stdout.String())
}

// cancellingOriginal cancels the job on its second run, as Ctrl-C would.
type cancellingOriginal struct {
	fakeOriginal
	cancel context.CancelFunc
	n      int
}

func (c *cancellingOriginal) Run(ctx context.Context, threads int, preload string) (glibcbench.Result, error) {
	c.n++
	if c.n == 2 {
		c.cancel()
		return glibcbench.Result{}, ctx.Err()
	}
	return c.fakeOriginal.Run(ctx, threads, preload)
}

// Ctrl-C keeps every finished pair and counts the interrupted one as no
// failure.
func TestFidelityInterrupt(t *testing.T) {
	t.Setenv(fakeEnv, "on")
	o, err := parseFidelityFlags([]string{"-allocs", "libc", "-threads", "1", "-count", "4", "-duration", "1s", "-progress", "off"}, &bytes.Buffer{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	orig := &cancellingOriginal{fakeOriginal: fakeOriginal{opsPerSec: map[string]float64{"libc": 40e6}, runs: map[string]int{}}, cancel: cancel}
	v := glibcVariant(os.Args[0])
	d := newTestRunDir(t)
	dir := d.dir
	var stdout, stderr bytes.Buffer
	err = measureFidelity(ctx, o, v, glibcbench.Program{Duration: time.Second}, orig, d, &stdout, &stderr)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, stderr.String(), "interrupted")
	assert.NotContains(t, stderr.String(), "FAIL")
	data, err := os.ReadFile(filepath.Join(dir, "original.txt"))
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(data), "BenchmarkWorkloads/"), "the first pair is kept")
	assert.NotContains(t, string(data), "failed")
}
