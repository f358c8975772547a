//go:build cgo

package workloads

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
)

// A driver is the plain C driver (testdata/cdriver.c) built with the
// compiler cgo uses: the kernels as the harness has them, or bare (AB_BARE:
// marks, checks, sampling and accounting compiled out).
type driver struct {
	once sync.Once
	path string
	err  error
}

var drivers = map[bool]*driver{false: {}, true: {}}

func buildDriver(bare bool) (string, error) {
	d := drivers[bare]
	d.once.Do(func() {
		var defines []string
		if bare {
			defines = append(defines, "-DAB_BARE")
		}
		d.path, d.err = compileProgram("testdata/cdriver.c", defines...)
	})
	return d.path, d.err
}

// compileProgram builds a C program whose main is in the file main, linked
// with the kernels and the allocator loaders, with the compiler cgo uses.
func compileProgram(main string, defines ...string) (string, error) {
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 {
		out, err := exec.Command("go", "env", "CC").Output()
		if err != nil {
			return "", fmt.Errorf("go env CC: %w", err)
		}
		cc = strings.Fields(string(out))
	}
	dir, err := os.MkdirTemp("", "allocbench-cdriver")
	if err != nil {
		return "", err
	}
	kernels, err := filepath.Glob("*.c")
	if err != nil || len(kernels) == 0 {
		return "", fmt.Errorf("no kernel sources found: %v", err)
	}
	loaders := []string{"../cgoalloc/dl.c", "../cgoalloc/libc.c", "../cgoalloc/floor.c", "../cgoalloc/trim.c"}
	path := filepath.Join(dir, strings.TrimSuffix(filepath.Base(main), ".c"))
	args := append(cc[1:], "-O2", "-pthread", "-I", "../cgoalloc", "-I", ".", "-o", path, main)
	args = append(args, defines...)
	args = append(append(args, kernels...), loaders...)
	args = append(args, "-lm", "-ldl")
	if cgoalloc.Libc().Static {
		args = append(args, "-static")
	}
	if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", cc[0], strings.Join(args, " "), err, out)
	}
	return path, nil
}

// runDriver runs cfg in the C driver at path and returns the ops it ran
// and its window.
func runDriver(path string, cfg Config) (ops, windowNs uint64, err error) {
	args, err := driverArgs(cfg)
	if err != nil {
		return 0, 0, err
	}
	args = append(args, "alloc="+cfg.Alloc)
	if cfg.Alloc != alloc.Libc && cfg.Alloc != alloc.Floor {
		a, err := cgoalloc.Open(cfg.Alloc)
		if err != nil {
			return 0, 0, err
		}
		m, f, r := a.Spec().Symbols()
		args = append(args, "lib="+a.Info().Library, "malloc="+m, "free="+f, "realloc="+r)
		if trim := a.Spec().Trim; trim.Kind != alloc.NoHook {
			args = append(args, "trim="+string(trim.Kind)+":"+trim.Symbol)
		}
	}
	cmd := exec.Command(path, args...)
	cmd.Env = os.Environ() // with the static-TLS tunable PrepareProcess set
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("%s %s: %v: %s", path, strings.Join(args, " "), err, out)
	}
	if _, err := fmt.Sscanf(string(out), "ops=%d window_ns=%d", &ops, &windowNs); err != nil {
		return 0, 0, fmt.Errorf("cdriver printed %q: %v", out, err)
	}
	return ops, windowNs, nil
}

func TestCDriverRuns(t *testing.T) {
	for _, bare := range []bool{false, true} {
		path, err := buildDriver(bare)
		require.NoError(t, err)
		for _, w := range []string{"churn", "larson", "xmalloc"} {
			cfg := Config{Workload: w, Alloc: alloc.Libc, Threads: 2, Ops: 20000}
			ops, window, err := runDriver(path, cfg)
			require.NoError(t, err, "%s bare=%v", w, bare)
			assert.EqualValues(t, 20000, ops, "%s bare=%v", w, bare)
			assert.Positive(t, window)
		}
	}
}

// With here=1 the C driver runs its one worker on the process's main
// thread and starts no other thread: the single-threaded C program whose
// allocator takes no lock (docs/fidelity.md, musl at one thread). A run of
// two threads cannot be made that way.
func TestCDriverRunsOnTheMainThread(t *testing.T) {
	path, err := buildDriver(false)
	require.NoError(t, err)
	for _, w := range []string{"churn", "larson"} {
		args, err := driverArgs(Config{Workload: w, Alloc: alloc.Libc, Threads: 1, Ops: 20000})
		require.NoError(t, err)
		out, err := exec.Command(path, append(args, "alloc=libc", "here=1")...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var ops, window uint64
		var main int
		_, err = fmt.Sscanf(string(out), "ops=%d window_ns=%d main_thread=%d", &ops, &window, &main)
		require.NoError(t, err, "%s", out)
		assert.EqualValues(t, 20000, ops, w)
		assert.Equal(t, 1, main, "%s: the worker ran on the main thread", w)

		out, err = exec.Command(path, append(args, "alloc=libc")...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		_, err = fmt.Sscanf(string(out), "ops=%d window_ns=%d main_thread=%d", &ops, &window, &main)
		require.NoError(t, err, "%s", out)
		assert.Equal(t, 0, main, "%s: without here=1 the worker is a thread of its own", w)
	}
	args, err := driverArgs(Config{Workload: "churn", Alloc: alloc.Libc, Threads: 2, Ops: 1000})
	require.NoError(t, err)
	out, err := exec.Command(path, append(args, "alloc=libc", "here=1")...).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "one worker, not 2")
}

// faithful are the workloads that reproduce a published benchmark.
var faithful = []string{"churn", "larson", "xmalloc"}

// BenchmarkHarnessOverhead runs each faithful workload on each allocator
// from the Go harness and from the bare build of the kernels in a plain C
// driver, alternately with the same ops and seed, and reports
// harness/bare: the harness's throughput over the bare reference's (1.00
// means that what allocbench adds to the published benchmark's op — the
// Go driver, integrity marks and checks, latency sampling, live-byte
// accounting — costs nothing). The Go side runs in a fresh process
// (RunFresh), as the driver does, so that both are a process's first run
// and the ratio holds the harness's cost, not what earlier runs left in the
// allocator. Compare runs with benchstat.
func BenchmarkHarnessOverhead(b *testing.B) {
	path, err := buildDriver(true)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range faithful {
		for _, a := range alloc.Names() {
			for _, threads := range []int{1, runtime.NumCPU()} {
				b.Run(fmt.Sprintf("workload=%s/alloc=%s/threads=%d", w, a, threads), func(b *testing.B) {
					if _, err := cgoalloc.Open(a); err != nil {
						b.Skip(err)
					}
					cfg := Config{Workload: w, Alloc: a, Threads: threads, Ops: uint64(b.N), Seed: 12345}
					res, err := RunFresh(cfg)
					if IsSkip(err) {
						b.Skip(err)
					}
					if err != nil {
						b.Fatal(err)
					}
					ops, win, err := runDriver(path, cfg)
					if err != nil {
						b.Fatal(err)
					}
					bareRate := float64(ops) / (float64(win) / 1e9)
					b.ReportMetric(res.NsPerOp(), results.NsPerOp)
					b.ReportMetric(float64(win)/float64(ops), results.BareNsecPerOp)
					b.ReportMetric(res.OpsPerSec()/bareRate, results.HarnessPerBare)
				})
			}
		}
	}
}

// BenchmarkSamplingOverhead runs churn with latency sampling on and off,
// alternately, and reports the ratio of their ns/op (sampled/unsampled;
// sampling must stay within 2%).
func BenchmarkSamplingOverhead(b *testing.B) {
	for _, a := range []string{"libc", "floor"} {
		b.Run("workload=churn/alloc="+a+"/threads=2", func(b *testing.B) {
			on, err := Run(Config{Workload: "churn", Alloc: a, Threads: 2, Ops: uint64(b.N)})
			if err != nil {
				b.Fatal(err)
			}
			off, err := Run(Config{Workload: "churn", Alloc: a, Threads: 2, Ops: uint64(b.N), Samples: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(on.NsPerOp(), results.NsPerOp)
			b.ReportMetric(off.NsPerOp(), results.UnsampledNsecPerOp)
			b.ReportMetric(on.NsPerOp()/off.NsPerOp(), results.SampledPerUnsampled)
		})
	}
}

// BenchmarkFloorBound runs each workload floor can run on floor and on each
// real allocator, alternately with the same ops and seed, and reports
// floor/alloc: floor's ns/op over the allocator's. floor is a lower bound
// for the harness's cost where the ratio stays below 1.
func BenchmarkFloorBound(b *testing.B) {
	for _, w := range All() {
		if w.CrossThread {
			continue
		}
		for _, a := range alloc.Names() {
			if a == alloc.Floor {
				continue
			}
			for _, threads := range []int{1, runtime.NumCPU()} {
				b.Run(fmt.Sprintf("workload=%s/alloc=%s/threads=%d", w.Name, a, threads), func(b *testing.B) {
					if _, err := cgoalloc.Open(a); err != nil {
						b.Skip(err)
					}
					ops := uint64(b.N)
					if w.everyThread {
						ops = (ops + 999) / 1000
					}
					cfg := Config{Workload: w.Name, Alloc: a, Threads: threads, Ops: ops, Seed: 12345}
					res, err := Run(cfg)
					if err != nil {
						b.Fatal(err)
					}
					cfg.Alloc = alloc.Floor
					fl, err := Run(cfg)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(res.NsPerOp(), results.NsPerOp)
					b.ReportMetric(fl.NsPerOp(), results.FloorNsecPerOp)
					b.ReportMetric(fl.NsPerOp()/res.NsPerOp(), results.FloorPerAlloc)
				})
			}
		}
	}
}

// TestHandOffStack builds and runs testdata/stackcheck.c: xmalloc's
// hand-off stack gives entries back last in, first out, holds no more than
// its capacity, and, with producers and consumers racing on it, hands every
// entry out exactly once and whole.
func TestHandOffStack(t *testing.T) {
	path, err := compileProgram("testdata/stackcheck.c")
	require.NoError(t, err)
	out, err := exec.Command(path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ok\n", string(out))
}
