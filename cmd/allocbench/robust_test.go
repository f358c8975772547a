//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/sysinfo"
)

func readResult(t *testing.T, root, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(resultDir(t, root), name))
	require.NoError(t, err)
	return string(data)
}

// What a cell prints besides results and the benchmarks' configuration goes
// to its log; a configuration line too long for the readers is cut with a
// marker. A 100 kB "debug:" line used to become configuration that the
// summary could not read, so that every later result was lost.
func TestChatterGoesToTheLog(t *testing.T) {
	t.Setenv(fakeEnv, "chatter:churn/libc")
	root := t.TempDir()
	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn,larson", "-allocs", "libc,jemalloc", "-variants", "glibc")...)
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	assert.NotContains(t, stdout, "warning:", "the files read cleanly")
	assert.NotContains(t, stdout, "token too long")

	written := readResult(t, root, "glibc.txt")
	assert.NotContains(t, written, "warning:")
	assert.NotContains(t, written, "debug:")
	reason := regexp.MustCompile(`(?m)^futex-method-reason: y+ …\[truncated: 100021 bytes\]$`).FindString(written)
	require.NotEmpty(t, reason, "the long configuration line is cut, with a marker")
	assert.LessOrEqual(t, len(reason), results.MaxLineBytes)
	assert.Equal(t, 2*2*2*3, strings.Count(written, "BenchmarkWorkloads/"), "every cell's results")

	log := readResult(t, root, "glibc.log")
	assert.Contains(t, log, "=== glibc workload=churn alloc=libc threads=1: ok")
	assert.Contains(t, log, "warning: low memory\n")
	assert.Contains(t, log, "…[100007 bytes in all]")

	f, warns := results.ReadFile(results.Source{Label: "glibc", Path: filepath.Join(resultDir(t, root), "glibc.txt")})
	assert.Empty(t, warns)
	assert.Len(t, f.Results, 2*2*2*3)
}

// A result line that the readers cannot read fails its cell, with the
// reason; it is never skipped silently.
func TestUnreadableResultFailsTheCell(t *testing.T) {
	t.Setenv(fakeEnv, "longresult:churn/jemalloc")
	root := t.TempDir()
	_, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc,jemalloc", "-variants", "glibc", "-threads", "1")...)
	require.Error(t, err)
	assert.Equal(t, 3, exitCode(err))
	assert.Regexp(t, `FAIL glibc workload=churn alloc=jemalloc threads=1: printed a result line of \d+ bytes, longer than readers accept`, stderr)
}

// Each cell's configuration is written with its results where it differs
// from the file's, and readers keep it per result.
func TestConfigurationPerCell(t *testing.T) {
	t.Setenv(fakeEnv, "method:larson=sampled")
	root := t.TempDir()
	_, _, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn,larson,xmalloc", "-allocs", "libc", "-variants", "glibc", "-threads", "1")...)
	require.NoError(t, err)
	path := filepath.Join(resultDir(t, root), "glibc.txt")
	f, warns := results.ReadFile(results.Source{Label: "glibc", Path: path})
	require.Empty(t, warns)
	methods := map[string]string{}
	for _, r := range f.Results {
		m := regexp.MustCompile(`/workload=([^/]+)/`).FindStringSubmatch(string(r.Name))
		require.NotNil(t, m, string(r.Name))
		methods[m[1]] = r.GetConfig("futex-method")
	}
	assert.Equal(t, map[string]string{"churn": "tracepoint", "larson": "sampled", "xmalloc": "tracepoint"}, methods)
	assert.ElementsMatch(t, []string{"tracepoint", "sampled"}, strings.Split(f.Get("futex-method"), " | "), "the rounds visit the cells in any order")
	data, _ := os.ReadFile(path)
	assert.Equal(t, 1, strings.Count(string(data), "libc: glibc\n"), "unchanged lines are not repeated")
}

// The results of a cell that timed out are marked in the file; the
// summary and compare leave them out and name the cell (the limit as in
// TestCrashAndHangLoseOnlyTheirCells).
func TestFailedCellResultsAreLeftOut(t *testing.T) {
	t.Setenv(fakeEnv, "partial:churn/jemalloc")
	root := t.TempDir()
	stdout, _, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc,jemalloc", "-variants", "glibc", "-threads", "1", "-timeout", "5s")...)
	require.Error(t, err)
	written := readResult(t, root, "glibc.txt")
	assert.Regexp(t, `(?m)^cell-failed: glibc workload=churn alloc=jemalloc threads=1: no result within 5s: killed\n(BenchmarkWorkloads/workload=churn/alloc=jemalloc/threads=1-2 .*\n){2}cell-failed:\n# failed`, written)
	assert.Contains(t, stdout, "left out 2 results of 1 failed cell(s): glibc workload=churn alloc=jemalloc threads=1: no result within 5s: killed")
	assert.Regexp(t, `churn, glibc\s+libc\n\s+threads=1  speed\s+1\.00x\n`, stdout, "the failed cell has no figure in the summary")

	var o, e bytes.Buffer
	require.NoError(t, run([]string{"compare", filepath.Join(resultDir(t, root), "glibc.txt")}, &o, &e))
	assert.Contains(t, e.String(), "left out 2 results of 1 failed cell(s)")
	assert.NotContains(t, o.String(), "jemalloc")
}

// Each allocator's own variables (tbbmalloc's, jemalloc's under its
// prefixes, gperftools') are held back and named like the C library's, and
// recorded when passed with -env.
func TestAllocatorRecordsNameTheirVariables(t *testing.T) {
	for _, kv := range [][2]string{{"TBB_MALLOC_USE_HUGE_PAGES", "1"}, {"JE_MALLOC_CONF", "narenas:1"}, {"_RJEM_MALLOC_CONF", "narenas:2"}, {"MALLOCSTATS", "2"}} {
		t.Setenv(kv[0], kv[1])
	}
	t.Setenv(fakeEnv, "none")
	args := func(root string, extra ...string) []string {
		return fakeArgs(root, append([]string{"-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1"}, extra...)...)
	}
	root := t.TempDir()
	stdout, _, err := runCLI(t, context.Background(), args(root)...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "allocbench: not passed to the cells: JE_MALLOC_CONF, MALLOCSTATS, TBB_MALLOC_USE_HUGE_PAGES, _RJEM_MALLOC_CONF (pass one on with -env NAME)")
	assert.NotContains(t, readResult(t, root, "glibc.txt"), "env-")

	root = t.TempDir()
	stdout, _, err = runCLI(t, context.Background(), args(root, "-env", "TBB_MALLOC_USE_HUGE_PAGES", "-env", "JE_MALLOC_CONF")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "not passed to the cells: MALLOCSTATS, _RJEM_MALLOC_CONF")
	written := readResult(t, root, "glibc.txt")
	assert.Contains(t, written, "\nenv-tbb_malloc_use_huge_pages: 1\n")
	assert.Contains(t, written, "\nenv-je_malloc_conf: narenas:1\n")
	assert.NotContains(t, written, "env-mallocstats")
}

// The variables that change allocators reach the cells only through -env,
// the run says which, and the result files record them.
func TestAllocatorEnvironment(t *testing.T) {
	t.Setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1")
	t.Setenv("MALLOC_ARENA_MAX", "2")
	t.Setenv(fakeEnv, "none")
	args := func(root string, extra ...string) []string {
		return fakeArgs(root, append([]string{"-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1"}, extra...)...)
	}

	root := t.TempDir()
	stdout, _, err := runCLI(t, context.Background(), args(root)...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "allocbench: not passed to the cells: GLIBC_TUNABLES, MALLOC_ARENA_MAX (pass one on with -env NAME)")
	assert.NotContains(t, readResult(t, root, "glibc.txt"), "env-")

	root = t.TempDir()
	stdout, _, err = runCLI(t, context.Background(), args(root, "-env", "GLIBC_TUNABLES", "-env", "MALLOC_CONF=narenas:1,tcache:false")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "allocbench: cells run with GLIBC_TUNABLES=glibc.malloc.arena_max=1 MALLOC_CONF=narenas:1,tcache:false (-env); not passed to the cells: MALLOC_ARENA_MAX")
	written := readResult(t, root, "glibc.txt")
	assert.Contains(t, written, "\nenv-glibc_tunables: glibc.malloc.arena_max=1\n")
	assert.Contains(t, written, "\nenv-malloc_conf: narenas:1,tcache:false\n")
	assert.NotContains(t, written, "env-malloc_arena_max")

	for want, bad := range map[string]string{
		`"1X=2" is not NAME or NAME=value`:                   "1X=2",
		"NOT_SET_HERE is not set here; give its value: -env": "NOT_SET_HERE",
	} {
		_, _, err := runCLI(t, context.Background(), "-env", bad)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), want)
			assert.Equal(t, 2, exitCode(err))
		}
	}
}

// The configuration keys the benchmarks print are the ones the main job
// keeps; any other "key: value" line is chatter.
func TestBenchmarkConfigKeysAreKnown(t *testing.T) {
	lines := bench.ConfigLines(alloc.Names())
	lines = append(lines, bench.FutexConfigLines("off")...)
	lines = append(lines, sysinfo.EnvConfigLines([]string{"GLIBC_TUNABLES=a=1:glibc.rtld.optional_static_tls=16384", sysinfo.ReexecMarker + "=1", "MALLOC_CONF=x"})...)
	lines = append(lines, sysinfo.KV{Key: "futex-method-reason", Value: "x"}, sysinfo.KV{Key: "goos"}, sysinfo.KV{Key: "goarch"}, sysinfo.KV{Key: "pkg"}, sysinfo.KV{Key: "cpu"})
	for _, kv := range lines {
		assert.Regexp(t, benchConfigKey, kv.Key)
	}
	for _, chatter := range []string{"warning", "debug", "note", "error", "cell-failed"} {
		assert.NotRegexp(t, benchConfigKey, chatter)
	}
}

// A results directory that is there already, made by anyone, is never
// reused: its report.html links to a file the run must not overwrite.
func TestPrecreatedResultsDirectoryIsNotReused(t *testing.T) {
	t.Setenv(fakeEnv, "none")
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.Local)
	defer func(old func() time.Time) { now = old }(now)
	now = func() time.Time { return at }

	root := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	planted := filepath.Join(root, at.Format("20060102-150405"))
	require.NoError(t, os.Mkdir(planted, 0o777))
	require.NoError(t, os.Chmod(planted, 0o777))
	for _, name := range []string{"report.html", "glibc.txt", "glibc.log"} {
		require.NoError(t, os.Symlink(victim, filepath.Join(planted, name)))
	}

	stdout, stderr, err := runCLI(t, context.Background(), fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", "glibc", "-threads", "1")...)
	require.NoError(t, err, "%s\n%s", stdout, stderr)
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(data))
	fresh := planted + "-2"
	assert.Contains(t, stdout, "results in "+fresh+" ("+filepath.Base(planted)+" was taken")
	assert.FileExists(t, filepath.Join(fresh, "report.html"))
	st, err := os.Stat(fresh)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())
	entries, _ := os.ReadDir(planted)
	assert.Len(t, entries, 3, "nothing written into the planted directory")
}

// Files of the run are created without following links: a report.html that
// is a link, even in the run's own directory, is an error, not a write
// through it.
func TestReportIsNotWrittenThroughALink(t *testing.T) {
	d, _, err := createRunDir(t.TempDir(), time.Now())
	require.NoError(t, err)
	defer d.Close()
	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o644))
	require.NoError(t, os.Symlink(victim, d.path("report.html")))
	_, err = writeReport(d, nil, nil)
	require.Error(t, err)
	data, _ := os.ReadFile(victim)
	assert.Equal(t, "precious", string(data))

	require.NoError(t, os.Symlink(victim, d.path("musl.txt")))
	_, err = createResultFile(d, "musl.txt")
	assert.Error(t, err)
}

// Two runs started in the same second get a directory each, and each
// report shows its own run.
func TestTwoRunsInTheSameSecond(t *testing.T) {
	t.Setenv(fakeEnv, "none")
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.Local)
	defer func(old func() time.Time) { now = old }(now)
	now = func() time.Time { return at }
	root := t.TempDir()
	variants := []string{"glibc", "musl"}
	outs := make([]string, len(variants))
	var g errgroup.Group
	for i, v := range variants {
		g.Go(func() error {
			var stdout, stderr bytes.Buffer
			o, err := parseFlags(fakeArgs(root, "-workloads", "churn", "-allocs", "libc", "-variants", v, "-threads", "1"), &stderr)
			if err != nil {
				return err
			}
			err = runJob(context.Background(), o, &stdout, &stderr)
			outs[i] = stdout.String()
			return err
		})
	}
	require.NoError(t, g.Wait())
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	for i, v := range variants {
		dir := regexp.MustCompile(`results in (\S+)`).FindStringSubmatch(outs[i])
		require.NotNil(t, dir, outs[i])
		page, err := os.ReadFile(filepath.Join(dir[1], "report.html"))
		require.NoError(t, err)
		assert.Contains(t, string(page), `id="file-`+v+`"`)
		assert.NotContains(t, string(page), `id="file-`+variants[1-i]+`"`, "each run's report is its own")
	}
}

// SIGHUP and SIGQUIT stop a run as Ctrl-C does: the hung cell is killed,
// finished cells are kept, the message says why, and the exit status is 130.
func TestSignalsStopTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			root, pids := t.TempDir(), t.TempDir()
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), fakeEnv+"=hang:larson/libc", pidsEnv+"="+pids,
				mainEnv+"="+strings.Join(fakeArgs(root, "-workloads", "churn,larson", "-allocs", "libc", "-variants", "glibc", "-timeout", "1m",
					"-seed", "5"), " ")) // seed 5 visits both churn cells first
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			hung := filepath.Join(pids, "larson-libc-1")
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(hung); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("the hanging cell never started:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, stderr.String())
			assert.Equal(t, 130, ee.ExitCode(), stderr.String())
			assert.Contains(t, stderr.String(), "allocbench: interrupted by "+signalName(sig))
			assert.Contains(t, stderr.String(), "every finished visit is in")

			data, err := os.ReadFile(filepath.Join(resultDir(t, root), "glibc.txt"))
			require.NoError(t, err)
			assert.Equal(t, 6, strings.Count(string(data), "workload=churn/alloc=libc"), "both churn cells are kept")
			pidText, err := os.ReadFile(hung)
			require.NoError(t, err)
			pid, err := strconv.Atoi(string(pidText))
			require.NoError(t, err)
			assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the hung cell was stopped")
		})
	}
}

// fakeDocker puts a docker command on PATH that logs its arguments and
// answers "docker ps" with the given lines.
func fakeDocker(t *testing.T, psOutput string) (logPath string) {
	t.Helper()
	dir := t.TempDir()
	logPath = filepath.Join(dir, "log")
	ps := filepath.Join(dir, "ps.txt")
	require.NoError(t, os.WriteFile(ps, []byte(psOutput), 0o644))
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\nif [ \"$1\" = ps ]; then cat %s; fi\nexit 0\n", logPath, ps)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return logPath
}

// Containers of an allocbench process that is gone are removed at start;
// those of a live process, or of another host, are left alone.
func TestStaleContainersAreRemoved(t *testing.T) {
	host, _ := os.Hostname()
	self := thisOwner()
	ps := strings.Join([]string{
		"c1\tallocbench-999-1\t" + host + "/1073741824/5",   // no such pid
		"c2\tallocbench-1-1\t" + host + "/1/1",              // pid 1 started later than tick 1
		"c3\tallocbench-self-1\t" + self,                    // this process
		"c4\tallocbench-other-1\tanother-host/1073741824/5", // another host's
		"c5\tallocbench-bad-1\tgarbage",
	}, "\n") + "\n"
	logPath := fakeDocker(t, ps)
	var out bytes.Buffer
	require.NoError(t, removeStaleContainers(context.Background(), &out))
	log, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(log), "ps -a --filter label=allocbench.owner")
	assert.Contains(t, string(log), "rm -f c1\n")
	assert.Contains(t, string(log), "rm -f c2\n")
	for _, kept := range []string{"c3", "c4", "c5"} {
		assert.NotContains(t, string(log), "rm -f "+kept+"\n")
	}
	assert.Contains(t, out.String(), "allocbench: removed stale container allocbench-999-1: the allocbench process that ran it ("+host+"/1073741824/5) is gone")
}

// A cell run through docker carries the label that names this process.
func TestContainerCellsAreLabelled(t *testing.T) {
	logPath := fakeDocker(t, "")
	c := cell{Label: "debian12", Workload: "churn", Alloc: "libc", Threads: 1}
	o := options{count: 1, benchtime: "1x", futex: "off", timeout: time.Minute}
	out := runCell(context.Background(), []string{"docker", "run", "--rm", "image", "/bin/x.test"}, c, o)
	assert.NoError(t, out.err)
	log, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Regexp(t, `^run --name allocbench-\d+-\d+ --label allocbench\.owner=`+regexp.QuoteMeta(thisOwner())+` --rm image /bin/x.test `, string(log))
}

// go test prints a benchmark's skip message before its "--- SKIP:" line:
// the cell's skip reason is that message, not the "PASS" after it.
func TestSkipReasonBeforeTheSkipLine(t *testing.T) {
	o := newCellOutput(4)
	for _, l := range []string{
		"BenchmarkWorkloads/workload=churn/alloc=mimalloc3/threads=2",
		"    bench_test.go:97: mimalloc3: dlopen: libmimalloc.so.3: cannot open shared object file",
		"--- SKIP: BenchmarkWorkloads/workload=churn/alloc=mimalloc3/threads=2",
		"PASS",
	} {
		o.stdoutLine(l, len(l))
	}
	assert.Equal(t, "mimalloc3: dlopen: libmimalloc.so.3: cannot open shared object file", o.skipReason)
}
