//go:build cgo

package workloads

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/cgoalloc"
)

var (
	cdriverOnce sync.Once
	cdriverPath string
	cdriverErr  error
)

// buildCDriver compiles testdata/cdriver.c with the kernels, using the
// compiler cgo uses, into a temporary directory.
func buildCDriver() (string, error) {
	cdriverOnce.Do(func() {
		cc := strings.Fields(os.Getenv("CC"))
		if len(cc) == 0 {
			out, err := exec.Command("go", "env", "CC").Output()
			if err != nil {
				cdriverErr = fmt.Errorf("go env CC: %w", err)
				return
			}
			cc = strings.Fields(string(out))
		}
		dir, err := os.MkdirTemp("", "allocbench-cdriver")
		if err != nil {
			cdriverErr = err
			return
		}
		sources, err := filepath.Glob("*.c")
		if err != nil || len(sources) == 0 {
			cdriverErr = fmt.Errorf("no kernel sources found: %v", err)
			return
		}
		cdriverPath = filepath.Join(dir, "cdriver")
		args := append(cc[1:], "-O2", "-pthread", "-I", "../cgoalloc", "-I", ".", "-o", cdriverPath, "testdata/cdriver.c")
		args = append(args, sources...)
		args = append(args, "-lm")
		if cgoalloc.Libc().Static {
			args = append(args, "-static")
		}
		if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
			cdriverErr = fmt.Errorf("%s %s: %v\n%s", cc[0], strings.Join(args, " "), err, out)
		}
	})
	return cdriverPath, cdriverErr
}

func runCDriver(path string, threads int, perThread, seed uint64) (ops, windowNs uint64, err error) {
	out, err := exec.Command(path, strconv.Itoa(threads), strconv.FormatUint(perThread, 10), strconv.FormatUint(seed, 10)).CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v: %s", path, err, out)
	}
	if _, err := fmt.Sscanf(string(out), "ops=%d window_ns=%d", &ops, &windowNs); err != nil {
		return 0, 0, fmt.Errorf("cdriver printed %q: %v", out, err)
	}
	return ops, windowNs, nil
}

func TestCDriverRuns(t *testing.T) {
	path, err := buildCDriver()
	require.NoError(t, err)
	ops, window, err := runCDriver(path, 2, 5000, 1)
	require.NoError(t, err)
	require.EqualValues(t, 10000, ops)
	require.Positive(t, window)
}

// BenchmarkHarnessOverhead runs churn on the C library's malloc from the Go
// harness and from a plain C pthread driver, alternately with the same ops
// and seed, and reports the ratio of their throughputs (go/c-throughput;
// 1.00 means the Go side costs nothing). Compare runs with benchstat.
func BenchmarkHarnessOverhead(b *testing.B) {
	path, err := buildCDriver()
	if err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("workload=churn/alloc=libc/threads=%d", threads), func(b *testing.B) {
			perThread := (uint64(b.N) + uint64(threads) - 1) / uint64(threads)
			seed := uint64(12345)
			res, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: threads, Ops: perThread * uint64(threads), Seed: seed})
			if err != nil {
				b.Fatal(err)
			}
			cops, cwin, err := runCDriver(path, threads, perThread, seed)
			if err != nil {
				b.Fatal(err)
			}
			goRate := res.OpsPerSec()
			cRate := float64(cops) / (float64(cwin) / 1e9)
			b.ReportMetric(res.NsPerOp(), "ns/op")
			b.ReportMetric(float64(cwin)/float64(cops), "c-ns/op")
			b.ReportMetric(goRate/cRate, "go/c-throughput")
		})
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
			b.ReportMetric(on.NsPerOp(), "ns/op")
			b.ReportMetric(off.NsPerOp(), "unsampled-ns/op")
			b.ReportMetric(on.NsPerOp()/off.NsPerOp(), "sampled/unsampled")
		})
	}
}
