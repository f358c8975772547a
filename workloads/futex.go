package workloads

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/allocbench/allocbench/internal/futex"
	"github.com/allocbench/allocbench/internal/suggest"
)

// FutexMethod is how the worker threads' futex time is measured: the one
// type that workloads, the benchmarks and the command line parse and pass
// on.
type FutexMethod string

// Futex measurement methods for Config.Futex.
const (
	// FutexOff measures no futex time; an empty Config.Futex means it too.
	FutexOff FutexMethod = "off"
	// FutexAuto takes the exact method where it can be opened, else the
	// estimate, else reports why neither works.
	FutexAuto FutexMethod = "auto"
	// FutexTracepoint sums, in the kernel, the time each worker thread
	// spends between entering and leaving the futex syscall (eBPF on the
	// syscalls:sys_enter_futex/sys_exit_futex tracepoints; needs root or
	// CAP_BPF and CAP_PERFMON).
	FutexTracepoint FutexMethod = "tracepoint"
	// FutexSampled estimates it with no privileges: each worker's blocked
	// time from schedstat, times the share of samples of
	// /proc/self/task/<tid>/syscall that found it in futex.
	FutexSampled FutexMethod = "sampled"
)

// FutexTracepointHost is how FutexMeterInfo names the tracepoint method
// when a host tracer runs it for this process: a benchmark in a container
// whose environment names the tracer's socket (FutexHostEnv).
const FutexTracepointHost = string(FutexTracepoint) + " (host)"

// The environment of a benchmark in a container: FutexHostEnv is the path
// of a host tracer's unix socket, which the tracepoint method (and auto)
// then uses; FutexHostUnavailableEnv says why there is none, and goes into
// the reason when the method falls back.
const (
	FutexHostEnv            = futex.HostEnv
	FutexHostUnavailableEnv = futex.HostUnavailableEnv
)

// FutexMethods lists the methods a user can choose, in the order help
// texts give them.
var FutexMethods = []FutexMethod{FutexAuto, FutexTracepoint, FutexSampled, FutexOff}

// ParseFutexMethod reads a user's choice of method; empty is auto.
func ParseFutexMethod(s string) (FutexMethod, error) {
	m := FutexMethod(strings.TrimSpace(s))
	if m == "" {
		return FutexAuto, nil
	}
	if err := m.Check(); err != nil {
		return "", err
	}
	return m, nil
}

// Off reports whether the method measures nothing (FutexOff or empty).
func (m FutexMethod) Off() bool { return m == "" || m == FutexOff }

func (m FutexMethod) String() string {
	if m == "" {
		return string(FutexOff)
	}
	return string(m)
}

// Check checks a Config.Futex value.
func (m FutexMethod) Check() error {
	if m == "" || slices.Contains(FutexMethods, m) {
		return nil
	}
	valid := make([]string, len(FutexMethods))
	for i, v := range FutexMethods {
		valid[i] = string(v)
	}
	return fmt.Errorf("unknown futex method %q%s (valid: %s)", string(m), suggest.DidYouMean(string(m), valid), strings.Join(valid, ", "))
}

// Futex is what was measured of the worker threads' futex syscalls inside
// the window.
type Futex struct {
	// Method is "tracepoint", "sampled" or "unavailable".
	Method string
	// Reason says why a better method was not used, or why nothing was
	// measured.
	Reason string
	// Warnings are problems that did not stop the measurement (a sampler
	// that fell behind, a thread that exited early).
	Warnings []string
	// Time is the futex time summed over the worker threads.
	Time time.Duration
	// Calls is the number of futex calls (tracepoint only).
	Calls   uint64
	Threads []FutexThread
}

// FutexThread is one thread's futex figures: a worker's, a thread a worker
// started inside the window (a later generation), or, with TID 0, the
// summed figures of the threads that ended inside the window.
type FutexThread struct {
	TID   int
	Time  time.Duration
	Calls uint64
}

// Measured reports whether futex time was measured at all.
func (f *Futex) Measured() bool {
	return f != nil && (f.Method == string(FutexTracepoint) || f.Method == string(FutexSampled))
}

// meters holds one open futex meter per method for the life of the
// process: opening attaches BPF programs, which is slow to undo. futexMu
// makes runs that measure futex take turns, as one meter has one window.
var (
	futexMu  sync.Mutex
	metersMu sync.Mutex
	meters   = map[FutexMethod]*futexMeter{}
)

type futexMeter struct {
	once sync.Once
	m    *futex.Meter
	err  error
}

// FutexMeterInfo opens (once) the meter for method and says which method it
// really uses (FutexTracepointHost when a host tracer runs it) and why;
// Reason is empty when the method asked for is used.
func FutexMeterInfo(method FutexMethod) (used, reason string, err error) {
	m, err := openMeter(method)
	if err != nil {
		return "", "", err
	}
	used = string(m.Method())
	if m.OnHost() {
		used = FutexTracepointHost
	}
	return used, m.Reason(), nil
}

// FutexMounted is where opening the meter for method (once) mounted
// tracefs, which was not mounted; "" when it mounted nothing or the meter
// cannot be opened. It is what the process did, not a setting: a later
// process finds tracefs mounted.
func FutexMounted(method FutexMethod) string {
	m, err := openMeter(method)
	if err != nil {
		return ""
	}
	return m.Mounted()
}

func openMeter(method FutexMethod) (*futex.Meter, error) {
	if err := method.Check(); err != nil {
		return nil, err
	}
	if method.Off() {
		return nil, fmt.Errorf("futex measurement is off")
	}
	metersMu.Lock()
	fm := meters[method]
	if fm == nil {
		fm = &futexMeter{}
		meters[method] = fm
	}
	metersMu.Unlock()
	fm.once.Do(func() {
		opts := futex.Options{Host: os.Getenv(FutexHostEnv), HostUnavailable: os.Getenv(FutexHostUnavailableEnv)}
		if method != FutexAuto {
			opts.Method = futex.Method(method)
		}
		fm.m, fm.err = futex.Open(opts)
	})
	return fm.m, fm.err
}

// futexObserver measures futex time around the window and passes Begin and
// End on to the user's observer.
type futexObserver struct {
	meter *futex.Meter
	next  Observer
}

func (o *futexObserver) Begin(tids []int) error {
	if err := o.meter.Begin(tids); err != nil {
		return err
	}
	if o.next != nil {
		return o.next.Begin(tids)
	}
	return nil
}

func (o *futexObserver) End() error {
	err := o.meter.End()
	if o.next != nil {
		if nerr := o.next.End(); err == nil {
			err = nerr
		}
	}
	return err
}

func (o *futexObserver) result() *Futex {
	f := &Futex{
		Method:   string(o.meter.Method()),
		Reason:   o.meter.Reason(),
		Warnings: o.meter.Warnings(),
	}
	for _, t := range o.meter.Threads() {
		f.Threads = append(f.Threads, FutexThread{TID: t.TID, Time: t.Futex, Calls: t.Calls})
		f.Time += t.Futex
		f.Calls += t.Calls
	}
	if f.Method == string(futex.Unavailable) && f.Reason == "" {
		f.Reason = "no futex measurement method could be opened"
	}
	return f
}

// followsThreads reports whether the meter also measures threads that the
// measured threads start while it is open (workloads with thread
// generations need that).
func followsThreads(m *futex.Meter) bool { return m.FollowsThreads() }
