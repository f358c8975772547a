//go:build linux

package program

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/perf/benchfmt"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/results"
)

// required reports whether ALLOCBENCH_REQUIRE makes a missing tool or
// allocator a failure here rather than a skip.
func required(name string) bool {
	v := strings.TrimSpace(os.Getenv("ALLOCBENCH_REQUIRE"))
	if v == "all" {
		return true
	}
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == name {
			return true
		}
	}
	return false
}

// buildC compiles testdata/src with gcc into the test's directory.
func buildC(t *testing.T, src, out string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		if required("gcc") {
			t.Fatalf("gcc: %v", err)
		}
		t.Skipf("no gcc: %v", err)
	}
	path := filepath.Join(t.TempDir(), out)
	args := append([]string{"-O2", "-pthread", "-o", path, filepath.Join("testdata", src)}, flags...)
	b, err := exec.Command("gcc", args...).CombinedOutput()
	if err != nil {
		if strings.Contains(strings.Join(flags, " "), "-static") && !required("gcc") {
			t.Skipf("gcc %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return path
}

// contend builds the test program.
func contend(t *testing.T) string { return buildC(t, "contend.c", "contend") }

// measure plans and runs o, its output in the test's directory.
func measure(t *testing.T, o Options) *Result {
	t.Helper()
	if o.OutputDir == "" {
		o.OutputDir = t.TempDir()
	}
	p, err := NewPlan(o)
	require.NoError(t, err)
	res, err := Measure(context.Background(), p, t.Logf)
	require.NoError(t, err)
	return res
}

func TestEveryAllocatorServesItsRuns(t *testing.T) {
	prog := contend(t)
	p, err := NewPlan(Options{Program: prog, Args: []string{"0"}})
	require.NoError(t, err)
	have := map[string]bool{}
	for _, a := range p.Installed {
		have[a.Name] = true
	}
	for _, name := range []string{alloc.Jemalloc, alloc.Mimalloc, alloc.Tcmalloc, alloc.Tbbmalloc} {
		if !have[name] {
			if required(name) {
				t.Errorf("%s is not installed (installed: %s)", name, p.installedNames())
			} else {
				t.Logf("skipping %s: not installed", name)
			}
		}
	}
	// Long enough for the memory map to be read during every run.
	res := measure(t, Options{Program: prog, Args: []string{"0", "long"}, Runs: 2, Seed: 1})
	require.Len(t, res.Cells, len(p.Installed))
	for _, cr := range res.Cells {
		a := cr.Cell.Alloc
		assert.Len(t, cr.Runs, 2, a.Name)
		assert.Empty(t, cr.Failed, a.Name)
		if !a.Preloads() {
			assert.Equal(t, Libc, a.Name)
			assert.Contains(t, cr.Verified, "C library", a.Name)
			continue
		}
		assert.Contains(t, cr.Verified, a.Library, a.Name)
		for _, r := range cr.Runs {
			// Each run saw its library in the program's memory map.
			assert.Equal(t, "mapped", r.Verified, a.Name)
			assert.Empty(t, r.Mislabelled, a.Name)
		}
	}
}

func TestRoundsInterleave(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0"}, Runs: 3, Allocs: []string{Libc, alloc.Jemalloc}, Seed: 7})
	// Every cell has one run in each round: no block of one allocator.
	for _, cr := range res.Cells {
		var rounds []int
		for _, r := range cr.Runs {
			rounds = append(rounds, r.Round)
		}
		assert.Equal(t, []int{1, 2, 3}, rounds, cr.Cell.Alloc.Name)
	}
}

func TestLibraryWithoutMallocIsRefused(t *testing.T) {
	prog := contend(t)
	lib := buildC(t, "nomalloc.c", "libnomalloc.so", "-shared", "-fPIC")
	// The registry is the process's: a name of its own for each run of
	// the test.
	name := fmt.Sprintf("nomalloc%d", time.Now().UnixNano()%1e9)
	u, err := alloc.ParseUser(name + "=" + lib + ":myp_")
	require.NoError(t, err)
	require.NoError(t, alloc.Register(u))
	p, err := NewPlan(Options{Program: prog, Args: []string{"0"}, Allocs: []string{name}, Runs: 1, OutputDir: t.TempDir()})
	require.NoError(t, err)
	res, err := Measure(context.Background(), p, nil)
	require.Error(t, err)
	assert.Nil(t, res, "refused before any measured run")
	assert.True(t, IsMislabelled(err), err.Error())
	assert.Contains(t, err.Error(), "malloc binds to")
	assert.Contains(t, err.Error(), "libc.so")
}

func TestMapsTellTheLibrary(t *testing.T) {
	lib := filepath.Join(t.TempDir(), "liba.so")
	require.NoError(t, os.WriteFile(lib, []byte("x"), 0o644))
	var st syscall.Stat_t
	require.NoError(t, syscall.Stat(lib, &st))
	dev := fmt.Sprintf("%02x:%02x", unixMajor(st.Dev), unixMinor(st.Dev))
	maps := filepath.Join(t.TempDir(), "maps")
	write := func(lines ...string) {
		require.NoError(t, os.WriteFile(maps, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	}
	libc := "7f0000000000-7f0000001000 r-xp 00000000 fe:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6"
	mine := fmt.Sprintf("7f0000002000-7f0000003000 r-xp 00000000 %s %d %s", dev, st.Ino, lib)

	write(libc)
	v, wrong, ok := readMaps(maps, st.Dev, st.Ino, lib)
	assert.True(t, ok)
	assert.Empty(t, v)
	assert.Contains(t, wrong, "did not preload")

	write(mine, libc)
	v, wrong, ok = readMaps(maps, st.Dev, st.Ino, lib)
	assert.True(t, ok)
	assert.Equal(t, "mapped", v)
	assert.Empty(t, wrong)

	// Too early to tell: neither is mapped yet.
	write("00400000-00401000 r-xp 00000000 fe:01 99 /bin/prog")
	_, _, ok = readMaps(maps, st.Dev, st.Ino, lib)
	assert.False(t, ok)
}

func TestStaticProgramIsRefused(t *testing.T) {
	prog := buildC(t, "contend.c", "contend-static", "-static")
	_, err := NewPlan(Options{Program: prog})
	require.Error(t, err)
	assert.Contains(t, err.Error(), prog)
	assert.Contains(t, err.Error(), "statically linked")
	assert.Contains(t, err.Error(), "-binary")

	// As one of several builds it runs with its own malloc only.
	dyn := contend(t)
	p, err := NewPlan(Options{Binaries: []Binary{{Label: "static", Path: prog}, {Label: "dynamic", Path: dyn}}, Allocs: []string{Libc, alloc.Jemalloc}, Args: []string{"0"}})
	if err != nil && strings.Contains(err.Error(), "not installed") && !required(alloc.Jemalloc) {
		t.Skip(err)
	}
	require.NoError(t, err)
	var names []string
	for _, c := range p.Cells {
		names = append(names, c.Name("contend"))
	}
	assert.Equal(t, []string{"cmd=contend/alloc=libc/bin=static", "cmd=contend/alloc=libc/bin=dynamic", "cmd=contend/alloc=jemalloc/bin=dynamic"}, names)
}

func TestSetuidProgramIsRefused(t *testing.T) {
	prog := contend(t)
	cp := filepath.Join(t.TempDir(), "contend-setuid")
	b, err := os.ReadFile(prog)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cp, b, 0o755))
	require.NoError(t, os.Chmod(cp, 0o755|os.ModeSetuid))
	_, err = NewPlan(Options{Program: cp})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "setuid")
	assert.Contains(t, err.Error(), cp)
}

func TestBadProgramIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, err := NewPlan(Options{Program: filepath.Join(dir, "missing")})
	assert.ErrorContains(t, err, "does not exist")
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644))
	_, err = NewPlan(Options{Program: plain})
	assert.ErrorContains(t, err, "not executable")
	require.NoError(t, os.Chmod(plain, 0o755))
	_, err = NewPlan(Options{Program: plain})
	assert.ErrorContains(t, err, "not an ELF program")
	_, err = NewPlan(Options{Program: "/bin/true", Allocs: []string{"mimalloc9"}})
	assert.ErrorContains(t, err, "installed here: libc")
	_, err = NewPlan(Options{Program: "/bin/true", Allocs: []string{alloc.Floor}})
	assert.ErrorContains(t, err, "cannot serve a program")
}

// gone reports whether pid has no live process: none at all, or a zombie.
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0", "sleepchild"}, Runs: 1, Allocs: []string{Libc}, Timeout: 500 * time.Millisecond})
	cr := res.Cells[0]
	require.Len(t, cr.Failed, 1)
	assert.Empty(t, cr.Runs)
	assert.True(t, cr.Failed[0].TimedOut)
	assert.Equal(t, "timed out", cr.Failed[0].Failed())
	out, err := os.ReadFile(cr.Stdout)
	require.NoError(t, err)
	var pids []int
	for line := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "child "); ok {
			pid, err := strconv.Atoi(v)
			require.NoError(t, err)
			pids = append(pids, pid)
		}
	}
	// The check run's child and the measured run's.
	require.Len(t, pids, 4, string(out))
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !gone(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		assert.True(t, gone(pid), "process %d outlived the timeout", pid)
	}
}

func TestFloodingOutputIsCapped(t *testing.T) {
	prog := contend(t)
	const limit = 1 << 20
	res := measure(t, Options{Program: prog, Args: []string{"0", "flood"}, Runs: 2, Allocs: []string{Libc}, OutputCap: limit})
	cr := res.Cells[0]
	assert.Len(t, cr.Runs, 2, "a flood is no failure")
	assert.True(t, cr.Truncated)
	st, err := os.Stat(cr.Stdout)
	require.NoError(t, err)
	assert.LessOrEqual(t, st.Size(), int64(limit))
	var b bytes.Buffer
	require.NoError(t, WriteResults(&b, res, nil))
	assert.Contains(t, b.String(), "output was cut at")
}

func TestFailedRunsAreCountedAndLeftOut(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"3"}, Runs: 2, Allocs: []string{Libc}})
	cr := res.Cells[0]
	assert.Empty(t, cr.Runs)
	require.Len(t, cr.Failed, 2)
	for _, r := range cr.Failed {
		assert.Equal(t, 3, r.ExitCode)
		assert.Equal(t, "exit status 3", r.Failed())
	}
	var b bytes.Buffer
	require.NoError(t, WriteResults(&b, res, nil))
	assert.NotContains(t, b.String(), "\nBenchmarkExec/")
	assert.Equal(t, 2, strings.Count(b.String(), "# failed BenchmarkExec/cmd=contend/alloc=libc round"))
	assert.Contains(t, b.String(), "0 runs count, 2 failed")
}

func TestResultFileReadsAsBenchfmt(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0"}, Runs: 2, Allocs: []string{Libc}, Label: "my prog"})
	var b bytes.Buffer
	require.NoError(t, WriteResults(&b, res, []string{"goos: linux", "futex-method: " + res.FutexMethod}))
	r := benchfmt.NewReader(&b, "exec.txt")
	n := 0
	for r.Scan() {
		rec, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		n++
		assert.Equal(t, "Exec/cmd=my_prog/alloc=libc", string(rec.Name))
		assert.Equal(t, 1, rec.Iters)
		assert.Equal(t, "linux", string(rec.GetConfig("goos")))
		var got []string
		wall := 0.0
		for _, v := range rec.Values {
			u, x := v.OrigUnit, v.OrigValue
			if u == "" {
				u, x = v.Unit, v.Value
			}
			got = append(got, u)
			if u == results.NsPerOp {
				wall = x
			}
		}
		want := []string{results.NsPerOp, results.UserNsecPerOp, results.SysNsecPerOp}
		if res.FutexMethod == string(futex.Tracepoint) {
			want = append(want, results.FutexNsecPerOp, results.FutexCallsPerOp)
		}
		want = append(want, results.PeakRSSBytes, results.VcswPerOp, results.IvcswPerOp, results.MinfltPerOp, results.MajfltPerOp)
		assert.Equal(t, want, got)
		assert.Positive(t, wall)
	}
	require.NoError(t, r.Err())
	assert.Equal(t, 2, n)
}

// needExactFutex skips unless the exact futex method follows processes
// here (root, tracefs), or fails where ALLOCBENCH_REQUIRE asks for it as
// root.
func needExactFutex(t *testing.T) {
	t.Helper()
	m, err := futex.Open(futex.Options{Method: futex.Tracepoint, FollowProcesses: true})
	if err == nil {
		ok := m.FollowsProcesses()
		reason := m.Reason()
		m.Close()
		if ok {
			return
		}
		err = errors.New(reason)
	}
	if os.Getenv("ALLOCBENCH_REQUIRE") != "" && os.Geteuid() == 0 {
		t.Fatalf("the exact futex method is needed as root here: %v", err)
	}
	t.Skipf("the exact futex method does not follow processes here: %v", err)
}

func futexTotals(cr CellResult) (time.Duration, uint64) {
	var d time.Duration
	var n uint64
	for _, r := range cr.Runs {
		d += r.Futex
		n += r.FutexCalls
	}
	return d, n
}

func TestFutexTimeOfAContendingProgram(t *testing.T) {
	needExactFutex(t)
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0"}, Runs: 3, Allocs: []string{Libc}})
	require.Equal(t, string(futex.Tracepoint), res.FutexMethod)
	d, n := futexTotals(res.Cells[0])
	assert.Positive(t, d)
	assert.Positive(t, n)
	for _, r := range res.Cells[0].Runs {
		assert.Equal(t, string(futex.Tracepoint), r.FutexMethod)
	}
}

func TestFutexFollowsAForkedChild(t *testing.T) {
	needExactFutex(t)
	prog := contend(t)
	// The parent forks and waits (wait4, no futex); the child's threads
	// contend.
	res := measure(t, Options{Program: prog, Args: []string{"0", "fork"}, Runs: 3, Allocs: []string{Libc}})
	d, n := futexTotals(res.Cells[0])
	assert.Positive(t, d, "futex time of the forked child")
	assert.Positive(t, n, "futex calls of the forked child")
}

func TestSampledFutexEstimate(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0", "long"}, Runs: 2, Allocs: []string{Libc}, Futex: "sampled"})
	require.Equal(t, string(futex.Sampled), res.FutexMethod)
	d, n := futexTotals(res.Cells[0])
	assert.Positive(t, d, "four threads contending on one mutex wait in futex")
	assert.Zero(t, n, "the estimate counts no calls")
	var b bytes.Buffer
	require.NoError(t, WriteResults(&b, res, nil))
	assert.Contains(t, b.String(), " futex-nsec/op ")
	assert.NotContains(t, b.String(), "futex-calls/op")
}

func TestPeakRSS(t *testing.T) {
	// wait4's peak at or below allocbench's own is replaced by the
	// program's own at its exit, or left out.
	got, note := peakRSS(20<<20, 3<<20, 21<<20)
	assert.Equal(t, int64(3<<20), got)
	assert.Empty(t, note)
	got, note = peakRSS(20<<20, 0, 21<<20)
	assert.Zero(t, got)
	assert.Contains(t, note, "allocbench's own peak")
	got, _ = peakRSS(500<<20, 400<<20, 21<<20)
	assert.Equal(t, int64(500<<20), got)
}

func TestCapped(t *testing.T) {
	var b bytes.Buffer
	c := newCapped(&b, 5)
	n, err := c.Write([]byte("abc"))
	assert.Equal(t, 3, n)
	assert.NoError(t, err)
	assert.False(t, c.Truncated())
	n, err = c.Write([]byte("defgh"))
	assert.Equal(t, 5, n, "the whole write is taken")
	assert.NoError(t, err)
	assert.True(t, c.Truncated())
	assert.Equal(t, "abcde", b.String())
}

func TestCompareVerdicts(t *testing.T) {
	mk := func(name string, walls ...time.Duration) CellResult {
		cr := CellResult{Cell: Cell{Alloc: Allocator{Name: name}}}
		for _, w := range walls {
			cr.Runs = append(cr.Runs, Run{Wall: w})
		}
		return cr
	}
	ms := time.Millisecond
	res := &Result{Cells: []CellResult{
		mk(Libc, 10*ms, 11*ms, 10*ms, 12*ms, 11*ms, 10*ms, 11*ms),
		mk("fast", 5*ms, 5*ms, 6*ms, 5*ms, 5*ms, 6*ms, 5*ms),
		mk("same", 10*ms, 12*ms, 11*ms, 10*ms, 11*ms, 12*ms, 10*ms),
		mk("few", 5*ms),
	}}
	got := map[string]string{}
	for _, c := range Compare(res, Libc) {
		got[c.Cell.Cell.Alloc.Name] = c.Verdict()
	}
	assert.Equal(t, map[string]string{"fast": "faster", "same": "~", "few": "undecided"}, got)
}

func TestPrepareAndInput(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.txt")
	require.NoError(t, os.WriteFile(input, []byte("hello from the input\n"), 0o644))
	count := filepath.Join(dir, "count")
	res := measure(t, Options{Program: "cat", Runs: 2, Warmup: 2, Allocs: []string{Libc}, Input: input,
		Prepare: "echo x >> " + count})
	cr := res.Cells[0]
	require.Len(t, cr.Runs, 2)
	out, err := os.ReadFile(cr.Stdout)
	require.NoError(t, err)
	// The check run, one more warm-up run and the two measured runs
	// each read the input, each after -prepare.
	assert.Equal(t, 4, strings.Count(string(out), "hello from the input"))
	n, err := os.ReadFile(count)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(n), "x"))
}

func TestUserLibraryServesItsRuns(t *testing.T) {
	prog := contend(t)
	lib := findLibrary("libjemalloc.so.2")
	if lib == "" {
		if required(alloc.Jemalloc) {
			t.Fatal("no libjemalloc.so.2")
		}
		t.Skip("no libjemalloc.so.2 to stand for a library of the user's")
	}
	name := fmt.Sprintf("mine%d", time.Now().UnixNano()%1e9)
	u, err := alloc.ParseUser(name + "=" + lib)
	require.NoError(t, err)
	require.NoError(t, alloc.Register(u))
	res := measure(t, Options{Program: prog, Args: []string{"0", "long"}, Runs: 2, Allocs: []string{name}})
	require.Len(t, res.Cells, 1)
	cr := res.Cells[0]
	assert.Equal(t, name, cr.Cell.Alloc.Name)
	assert.Contains(t, cr.Verified, lib)
	require.Len(t, cr.Runs, 2)
	for _, r := range cr.Runs {
		assert.Equal(t, "mapped", r.Verified)
	}
}

func TestAdaptiveRuns(t *testing.T) {
	prog := contend(t)
	res := measure(t, Options{Program: prog, Args: []string{"0"}, MinRuns: 3, MaxRuns: 4, Target: 0.5, Allocs: []string{Libc}})
	cr := res.Cells[0]
	assert.GreaterOrEqual(t, len(cr.Runs), 3)
	assert.LessOrEqual(t, len(cr.Runs), 4)
	assert.Contains(t, []string{StopTarget, StopCap}, cr.Stop)

	// A budget spent by the first round ends the rounds there.
	res = measure(t, Options{Program: prog, Args: []string{"0"}, Budget: time.Nanosecond, Allocs: []string{Libc}})
	assert.Equal(t, 1, res.Rounds)
	assert.Len(t, res.Cells[0].Runs, 1)
	assert.Equal(t, StopBudget, res.Cells[0].Stop)
}

func TestMuslProgramRunsWithItsOwnMalloc(t *testing.T) {
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		if required("musl-gcc") {
			t.Fatalf("musl-gcc: %v", err)
		}
		t.Skipf("no musl-gcc: %v", err)
	}
	prog := filepath.Join(t.TempDir(), "contend-musl")
	b, err := exec.Command("musl-gcc", "-O2", "-pthread", "-o", prog, filepath.Join("testdata", "contend.c")).CombinedOutput()
	require.NoError(t, err, "%s", b)
	_, err = NewPlan(Options{Program: prog})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "linked against musl")
	assert.Contains(t, err.Error(), "-binary")

	res := measure(t, Options{Binaries: []Binary{{Label: "glibc", Path: contend(t)}, {Label: "musl", Path: prog}}, Args: []string{"0"}, Runs: 2, Allocs: []string{Libc}})
	require.Len(t, res.Cells, 2)
	musl := res.Cells[1]
	assert.Equal(t, "cmd=contend/alloc=libc/bin=musl", musl.Cell.Name("contend"))
	assert.Contains(t, musl.Verified, "musl")
	assert.Len(t, musl.Runs, 2)
	assert.Equal(t, "musl malloc (musl)", musl.Cell.Describe())
	cmp := Compare(res, Libc)
	require.Len(t, cmp, 1)
	assert.Equal(t, "glibc malloc (glibc)", cmp[0].Baseline.Cell.Describe())
}
