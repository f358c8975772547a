package bench

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/sysinfo"
	"github.com/allocbench/allocbench/workloads"
)

var (
	threadsFlag = flag.String("allocbench.threads", "", "comma-separated thread counts for the benchmarks (default: $"+ThreadsEnv+", else 1,2,NumCPU,2×NumCPU)")
	futexFlag   = flag.String("allocbench.futex", "", "futex measurement: auto, tracepoint, sampled or off (default: $"+FutexEnv+", else auto)")
)

// benchThreads and benchFutex are the thread list and futex method the
// benchmarks use, set in TestMain.
var (
	benchThreads []int
	benchFutex   string
)

func TestMain(m *testing.M) {
	if err := cgoalloc.PrepareProcess(); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
	}
	flag.Parse()
	if os.Getenv(referenceEnv) != "" {
		if err := referenceChild(); err != nil {
			fmt.Fprintln(os.Stderr, "allocbench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// setup checks every user-set option before anything runs, and prints the
// configuration lines ahead of benchmark results.
func setup() error {
	benchThreads = DefaultThreads()
	src, list := "", ""
	if v := os.Getenv(ThreadsEnv); v != "" {
		src, list = ThreadsEnv, v
	}
	if *threadsFlag != "" {
		src, list = "-allocbench.threads", *threadsFlag
	}
	if src != "" {
		ts, err := ParseThreads(list)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		benchThreads = ts
	}
	method, err := FutexMethod(*futexFlag)
	if err != nil {
		return err
	}
	if err := CheckRequired(); err != nil {
		return err
	}
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		return nil
	}
	lines := ConfigLines(alloc.Names())
	lines = append(lines, FutexConfigLines(method)...)
	benchFutex = method
	if used, _, err := workloads.FutexMeterInfo(method); err != nil || used == "unavailable" {
		benchFutex = workloads.FutexOff
	}
	return sysinfo.WriteConfig(os.Stdout, lines)
}

// BenchmarkWorkloads runs every workload on every allocator at every thread
// count.
func BenchmarkWorkloads(b *testing.B) {
	for _, w := range workloads.All() {
		b.Run("workload="+w.Name, func(b *testing.B) {
			for _, a := range alloc.Names() {
				b.Run("alloc="+a, func(b *testing.B) {
					for _, n := range benchThreads {
						b.Run("threads="+strconv.Itoa(n), func(b *testing.B) {
							Run(b, workloads.Config{Workload: w.Name, Alloc: a, Threads: n, Futex: benchFutex})
						})
					}
				})
			}
		})
	}
}
