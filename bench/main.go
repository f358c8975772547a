package bench

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
	"github.com/allocbench/allocbench/internal/sysinfo"
	"github.com/allocbench/allocbench/workloads"
)

// The flags Main adds to the test binary's command line (after go test's
// -args).
const (
	// ThreadsFlag sets the thread counts of Matrix, as a comma-separated
	// list; it wins over ThreadsEnv.
	ThreadsFlag = "allocbench.threads"
	// FutexFlag sets the futex measurement of Matrix; it wins over
	// FutexEnv.
	FutexFlag = "allocbench.futex"
	// LibsFlag adds the user's own allocator libraries,
	// name=/path/to/lib.so[:prefix],...; it wins over LibsEnv.
	LibsFlag = "allocbench.libs"
	// FreshFlag, true, makes every run of Run the only run of a fresh
	// process (workloads.RunFresh), as a published benchmark runs; it wins
	// over FreshEnv.
	FreshFlag = "allocbench.fresh"
)

// FreshEnv is FreshFlag's environment variable: true or false.
const FreshEnv = "ALLOCBENCH_FRESH"

// matrixSettings are the thread counts and the futex method Matrix uses,
// and whether Run makes each run in a fresh process.
type matrixSettings struct {
	threads []int
	futex   workloads.FutexMethod
	fresh   bool
}

var (
	settingsMu sync.Mutex
	settings   *matrixSettings
)

// Main is the TestMain of a package whose benchmarks call Run or Matrix:
//
//	func TestMain(m *testing.M) { bench.Main(m) }
//
// It re-executes the test binary once with the static TLS that jemalloc
// needs (see cgoalloc.PrepareProcess), adds ThreadsFlag, FutexFlag and
// LibsFlag to the command line and parses it, checks every option and RequireEnv
// before anything runs, prints the configuration lines (C library,
// allocators, kernel, CPU, cgroup limits, futex method) ahead of the
// benchmark results when benchmarks run, and exits with m.Run's status;
// a bad option exits with status 2 and the bad value in the message.
func Main(m *testing.M) {
	if err := cgoalloc.PrepareProcess(); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
	}
	defineFlag(ThreadsFlag, "comma-separated thread counts for the benchmarks (default: $"+ThreadsEnv+", else 1,2,NumCPU,2×NumCPU)")
	defineFlag(FutexFlag, "futex measurement: auto, tracepoint, sampled or off (default: $"+FutexEnv+", else auto)")
	defineFlag(LibsFlag, "your own allocator libraries, name=/path/to/lib.so[:prefix],... (default: $"+LibsEnv+")")
	defineFlag(FreshFlag, "true: every run is the only run of a fresh process, as a published benchmark runs (default: $"+FreshEnv+", else false)")
	flag.Parse()
	if _, err := UserLibs(flag.Lookup(LibsFlag).Value.String()); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
		os.Exit(2)
	}
	if err := setup(flag.Lookup(ThreadsFlag).Value.String(), flag.Lookup(FutexFlag).Value.String(),
		flag.Lookup(FreshFlag).Value.String()); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// defineFlag defines a string flag on the command line unless one of that
// name is there already (Main called twice in one process).
func defineFlag(name, usage string) {
	if flag.Lookup(name) == nil {
		flag.String(name, "", usage)
	}
}

// resolveSettings reads the thread counts, the futex method and whether runs
// are fresh processes from the flags' values, else the environment, else
// the defaults.
func resolveSettings(threadsFlag, futexFlag, freshFlag string) (*matrixSettings, error) {
	s := &matrixSettings{threads: DefaultThreads()}
	src, list := "", ""
	if v := os.Getenv(ThreadsEnv); v != "" {
		src, list = ThreadsEnv, v
	}
	if threadsFlag != "" {
		src, list = "-"+ThreadsFlag, threadsFlag
	}
	if src != "" {
		ts, err := ParseThreads(list)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		s.threads = ts
	}
	method, err := FutexMethod(futexFlag)
	if err != nil {
		return nil, err
	}
	s.futex = method
	if s.fresh, err = parseFresh(freshFlag); err != nil {
		return nil, err
	}
	return s, nil
}

// parseFresh reads FreshFlag's value, else FreshEnv's, else false.
func parseFresh(flagValue string) (bool, error) {
	src, v := "", ""
	if e := os.Getenv(FreshEnv); e != "" {
		src, v = FreshEnv, e
	}
	if flagValue != "" {
		src, v = "-"+FreshFlag, flagValue
	}
	if src == "" {
		return false, nil
	}
	fresh, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("%s: %q is not true or false", src, v)
	}
	return fresh, nil
}

// usableFutex is method, or off where no futex method works here: the
// benchmarks then run unmeasured rather than fail.
func usableFutex(method workloads.FutexMethod) workloads.FutexMethod {
	if used, _, err := workloads.FutexMeterInfo(method); err != nil || used == "unavailable" {
		return workloads.FutexOff
	}
	return method
}

// setup checks every user-set option before anything runs, and prints the
// configuration lines ahead of benchmark results.
func setup(threadsFlag, futexFlag, freshFlag string) error {
	s, err := resolveSettings(threadsFlag, futexFlag, freshFlag)
	if err != nil {
		return err
	}
	if err := CheckRequired(); err != nil {
		return err
	}
	settingsMu.Lock()
	settings = s
	settingsMu.Unlock()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		return nil
	}
	lines := ConfigLines(alloc.Names())
	lines = append(lines, FutexConfigLines(s.futex)...)
	lines = append(lines, sysinfo.KV{Key: results.FreshProcessKey, Value: strconv.FormatBool(s.fresh)})
	if !s.futex.Off() {
		if where := workloads.FutexMounted(s.futex); where != "" {
			// Said apart from the configuration: the next process finds
			// tracefs mounted, and its lines must not differ from these.
			fmt.Fprintf(os.Stderr, "allocbench: tracefs was not mounted; mounted it at %s\n", where)
		}
	}
	s.futex = usableFutex(s.futex)
	return sysinfo.WriteConfig(os.Stdout, lines)
}

// currentSettings returns what Main set up or, for a package without Main,
// the settings from the environment and the defaults.
func currentSettings(b *testing.B) *matrixSettings {
	settingsMu.Lock()
	defer settingsMu.Unlock()
	if settings == nil {
		s, err := resolveSettings("", "", "")
		if err != nil {
			b.Fatal(err)
		}
		s.futex = usableFutex(s.futex)
		settings = s
	}
	return settings
}

// Matrix runs every workload on every allocator at every thread count, as
// sub-benchmarks of b named workload=<w>/alloc=<a>/threads=<n>, each with
// Run. Another module runs the whole matrix with
//
//	func TestMain(m *testing.M)            { bench.Main(m) }
//	func BenchmarkAllocators(b *testing.B) { bench.Matrix(b) }
//
// and `go test -bench Allocators -args -allocbench.threads=1,4`. The thread
// counts and the futex method are Main's (ThreadsFlag, FutexFlag,
// ThreadsEnv, FutexEnv); allocators that are not installed are skipped and
// said so on stderr.
func Matrix(b *testing.B) {
	s := currentSettings(b)
	for _, w := range workloads.All() {
		b.Run("workload="+w.Name, func(b *testing.B) {
			for _, a := range alloc.Names() {
				b.Run("alloc="+a, func(b *testing.B) {
					for _, n := range s.threads {
						b.Run("threads="+strconv.Itoa(n), func(b *testing.B) {
							Run(b, workloads.Config{Workload: w.Name, Alloc: a, Threads: n, Futex: s.futex})
						})
					}
				})
			}
		})
	}
}
