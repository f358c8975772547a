// Package bench runs the allocbench workloads as Go benchmarks and prints
// the configuration that travels with their results.
//
// The benchmarks are named
//
//	BenchmarkWorkloads/workload=<w>/alloc=<a>/threads=<n>
//
// so that `go test -bench 'Workloads/workload=larson/alloc=jemalloc'`
// selects and `benchstat -col /alloc` pivots. Another project's benchmark can
// run any workload on any allocator with Run, and the whole matrix with
// Matrix; its TestMain calls Main, which does what this package's does:
//
//	func TestMain(m *testing.M)            { bench.Main(m) }
//	func BenchmarkAllocators(b *testing.B) { bench.Matrix(b) }
//	func BenchmarkMine(b *testing.B) {
//		bench.Run(b, workloads.Config{Workload: "larson", Alloc: "mimalloc", Threads: 4})
//	}
package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/workloads"
)

// RequireEnv names the environment variable that turns a missing allocator
// into a failure instead of a skip: "all", or a comma-separated list of
// allocator names. CI sets it so that it cannot pass by skipping.
const RequireEnv = cgoalloc.RequireEnv

// LibsEnv names the environment variable that adds the user's own
// allocator libraries to the benchmarks: name=/path/to/lib.so[:prefix],...
const LibsEnv = "ALLOCBENCH_LIBS"

// UserLibs parses and registers the user's libraries from flagValue, else
// from LibsEnv, checking each before any work (see alloc.ParseUser): a
// missing file, missing entry points, a name of a built-in allocator, or a
// library that LD_PRELOAD makes the process's own malloc is an error.
func UserLibs(flagValue string) ([]alloc.Spec, error) {
	v, src := strings.TrimSpace(flagValue), "-allocbench.libs"
	if v == "" {
		v, src = strings.TrimSpace(os.Getenv(LibsEnv)), LibsEnv
	}
	if v == "" {
		return nil, nil
	}
	libs, err := alloc.ParseUsers(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	for _, l := range libs {
		if err := alloc.CheckNotPreloaded(l, os.Getenv("LD_PRELOAD")); err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
	}
	return libs, nil
}

// Run runs cfg as a benchmark: b.N ops in total, split across cfg.Threads
// worker threads, reporting the metrics of workloads.Result.Metrics. An
// empty cfg.Futex takes Main's futex method (FutexFlag, FutexEnv, else
// auto), as Matrix does; workloads.FutexOff measures none. A bad cfg, an
// unknown allocator among them, fails the benchmark. A combination that
// cannot run (floor with a cross-thread workload, an allocator that is not
// installed) is skipped with the reason, unless RequireEnv names the
// allocator. A skipped allocator is also named on stderr, once per
// process, since go test shows skips only with -v. With FreshFlag (or
// FreshEnv) true, each run is the only run of a fresh process
// (workloads.RunFresh), and cfg.Observer must be nil.
func Run(b *testing.B, cfg workloads.Config) workloads.Result {
	b.Helper()
	cfg.Ops = uint64(b.N)
	if _, _, err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	if _, err := alloc.Lookup(cfg.Alloc); err != nil {
		b.Fatal(err)
	}
	if cfg.Futex == "" {
		cfg.Futex = currentSettings(b).futex
	}
	if _, err := cgoalloc.Open(cfg.Alloc); err != nil {
		if Required(cfg.Alloc) {
			b.Fatalf("allocator %s is required by %s but cannot be used: %v", cfg.Alloc, RequireEnv, err)
		}
		sayUnavailable(os.Stderr, cfg.Alloc, err)
		b.Skip(err)
	}
	// Only the measured window counts toward -benchtime: thread start, the
	// barriers and the allocator's trim stay off the benchmark's clock, so
	// b.N grows until the window itself is long enough.
	b.StopTimer()
	var res workloads.Result
	var err error
	if currentSettings(b).fresh {
		// The window is in another process: the clock runs over the whole
		// child, whose start-up makes b.N grow a little less; the ns/op
		// reported is the window's (see Report).
		b.StartTimer()
		res, err = workloads.RunFresh(cfg)
		b.StopTimer()
	} else {
		cfg.Observer = &windowTimer{b: b, next: cfg.Observer}
		res, err = workloads.Run(cfg)
	}
	if workloads.IsSkip(err) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	// Only the last call's metrics are reported. Its memory figures come
	// from a fresh process (see workloads.MeasureMemory): in this one,
	// earlier runs and other allocators have left memory behind.
	if lastCall(b) {
		m, err := workloads.MeasureMemory(cfg)
		if err != nil {
			b.Fatal(err)
		}
		res = res.WithMemory(m)
	}
	Report(b, res)
	return res
}

// unavailableSaid records the allocators sayUnavailable has named.
var unavailableSaid sync.Map

// sayUnavailable tells w, once per allocator, that its benchmarks are
// skipped and why.
func sayUnavailable(w io.Writer, name string, why error) {
	if _, said := unavailableSaid.LoadOrStore(name, true); !said {
		fmt.Fprintf(w, "allocbench: skipping the benchmarks of %s: %v (set %s=%s to make this an error)\n", name, why, RequireEnv, name)
	}
}

// lastCall reports whether the testing package will stop calling the
// benchmark function after this call: its measured time has reached
// -test.benchtime, or b.N is the count that -test.benchtime fixes ("100x").
func lastCall(b *testing.B) bool {
	bt := "1s"
	if f := flag.Lookup("test.benchtime"); f != nil {
		bt = f.Value.String()
	}
	if n, ok := strings.CutSuffix(bt, "x"); ok {
		count, err := strconv.Atoi(n)
		return err == nil && b.N >= count
	}
	d, err := time.ParseDuration(bt)
	return err == nil && b.Elapsed() >= d
}

// windowTimer runs the benchmark's clock during the measured window only.
type windowTimer struct {
	b    *testing.B
	next workloads.Observer
}

func (t *windowTimer) Begin(tids []int) error {
	if t.next != nil {
		if err := t.next.Begin(tids); err != nil {
			return err
		}
	}
	t.b.StartTimer()
	return nil
}

func (t *windowTimer) End() error {
	t.b.StopTimer()
	if t.next != nil {
		return t.next.End()
	}
	return nil
}

// Report reports a result's metrics on b.
func Report(b *testing.B, res workloads.Result) {
	for _, m := range res.Metrics() {
		b.ReportMetric(m.Value, m.Unit)
	}
}

// Required reports whether RequireEnv names the allocator (see
// cgoalloc.Required).
func Required(name string) bool { return cgoalloc.Required(name) }

// CheckRequired returns an error naming every allocator that RequireEnv asks
// for but this process cannot use. "all" means every allocator this build
// can have (cgoalloc.Buildable): a static binary cannot load shared
// libraries, so there "all" means the allocators linked in.
func CheckRequired() error {
	v := strings.TrimSpace(os.Getenv(RequireEnv))
	if v == "" {
		return nil
	}
	names, err := alloc.ParseList(v)
	if err != nil {
		return fmt.Errorf("%s: %w", RequireEnv, err)
	}
	var missing []string
	for _, info := range cgoalloc.Probe(names) {
		if info.Available() {
			continue
		}
		if v == "all" && !cgoalloc.Buildable(info.Name) {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", info.Name, info.Skipped))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s=%s, but these allocators cannot be used: %s", RequireEnv, v, strings.Join(missing, "; "))
	}
	return nil
}
