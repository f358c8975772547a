// Package futex measures how much wall time selected worker threads (by
// Linux TID) spend inside futex system calls during a measurement window.
//
// Two methods are available:
//
//   - Tracepoint: eBPF programs on the syscalls:sys_enter_futex /
//     sys_exit_futex tracepoints (and the futex_wait/futex_wake/futex_waitv/
//     futex_requeue ones where the kernel has them) sum, per thread and
//     in-kernel, the time between syscall entry and exit. Exact; needs root
//     or CAP_BPF+CAP_PERFMON and tracefs. It follows threads: a thread
//     created during the window by a tracked thread is tracked too, and a
//     tracked thread that exits has its totals kept (see Meter.Threads).
//   - Sampled: no privileges. schedstat gives each thread's blocked
//     (off-CPU, not runnable) time over the window, and a sampler goroutine
//     reading /proc/self/task/<tid>/syscall at a fixed rate estimates which
//     fraction of that blocked time was spent in futex. It only sees the
//     threads given to Begin.
//
// A process that cannot load BPF programs (one in a default container) can
// have a Server, run as root on the host, do the Tracepoint method for it
// over a unix socket (Options.Host); the meter's Method is then Tracepoint
// and OnHost is true.
//
// A Meter is opened once and reused for many Begin/End windows.
package futex

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Method is the way futex time is measured.
type Method string

const (
	// Tracepoint is exact: kernel tracepoints, summed in-kernel by eBPF.
	Tracepoint Method = "tracepoint"
	// Sampled is an estimate that needs no privileges.
	Sampled Method = "sampled"
	// Unavailable measures nothing: Begin/End work, Futex stays 0.
	Unavailable Method = "unavailable"
)

// Methods lists the valid non-empty Method values.
var Methods = []Method{Tracepoint, Sampled, Unavailable}

const (
	// DefaultSampleInterval is the sampling period of the Sampled method.
	DefaultSampleInterval = time.Millisecond
	// MinSampleInterval is the smallest accepted SampleInterval.
	MinSampleInterval = 50 * time.Microsecond
	// DefaultMaxThreads is the default Options.MaxThreads; it covers the
	// workloads' largest thread count (4096).
	DefaultMaxThreads = 4096
	// MaxThreadsLimit is the largest accepted Options.MaxThreads: the
	// kernel's ceiling on pid numbers (PID_MAX_LIMIT on 64-bit).
	MaxThreadsLimit = 1 << 22
)

// Options configures Open.
type Options struct {
	// Method: "" means auto: Tracepoint if it can be opened, else
	// Sampled, else Unavailable.
	Method Method
	// SampleInterval is the Sampled method's sampling period
	// (default DefaultSampleInterval).
	SampleInterval time.Duration
	// MaxThreads bounds how many tids Begin accepts with the Tracepoint
	// method (default DefaultMaxThreads, at most MaxThreadsLimit). Its map
	// holds twice as many threads, so that each tracked thread can have a
	// thread it created alive beside it.
	MaxThreads int
	// Host is the path of a host tracer's socket (see Server). With the
	// Tracepoint method or auto, the meter asks that server to measure
	// this process's threads with the Tracepoint method, on the host;
	// where it cannot be reached, the meter is opened as without it and
	// Reason says why.
	Host string
	// HostUnavailable says why there is no host tracer to ask; Reason
	// repeats it where the Tracepoint method is not used.
	HostUnavailable string
	// FollowProcesses makes the Tracepoint method follow child processes
	// too, not only threads: every task a tracked thread creates (a
	// thread, or a process by fork, vfork or posix_spawn) is tracked, so
	// that a window begun on a program's first thread before it runs
	// covers its whole process tree. A host tracer (Host) does not
	// follow processes; with FollowProcesses it is not asked.
	FollowProcesses bool
}

// ThreadStats is the result for one thread in the last window, or with
// TID 0 the summed result of tracked threads not listed on their own (see
// Meter.Threads).
type ThreadStats struct {
	// TID is the thread id, 0 for the aggregate entry.
	TID int
	// Futex is the time spent in futex syscalls. Tracepoint: exact sum of
	// (sys_exit - sys_enter) over the calls that entered inside the
	// window. Sampled: estimate (Blocked × FutexSamples/OffCPUSamples).
	Futex time.Duration
	// Calls is the number of futex calls (Tracepoint only; 0 for Sampled).
	Calls uint64
	// Wall is the length of this thread's window: Begin..End for a tid
	// given to Begin, creation..End for a spawned thread, and for the
	// aggregate entry the sum of its threads' lifetimes inside the window.
	Wall time.Duration

	// Tracepoint-method thread following (zero for Sampled).

	// Spawned is set for a thread that a tracked thread created during
	// the window (not one of the tids given to Begin).
	Spawned bool
	// Aggregated is the number of threads summed in the aggregate entry
	// (TID 0); 0 on every other entry.
	Aggregated int

	// Sampled-method detail (zero for Tracepoint).

	// OnCPU and RunQueue are the schedstat deltas over the window.
	OnCPU    time.Duration
	RunQueue time.Duration
	// OffCPU is the blocked time: Wall - OnCPU - RunQueue (clamped at 0).
	OffCPU time.Duration
	// Samples is the number of samples taken; OffCPUSamples of them found
	// the thread blocked (not "running") and FutexSamples of those found it
	// blocked in a futex syscall.
	Samples       uint64
	OffCPUSamples uint64
	FutexSamples  uint64
	// Exited is set when the thread disappeared during the window.
	// Sampled: its figures are then partial (see Warnings). Tracepoint,
	// when following threads: its totals were moved to the aggregate
	// entry and its own are zero (without following, an exit goes
	// unnoticed and the thread keeps its entry).
	Exited bool
}

// backend is one measuring method.
type backend interface {
	// begin starts a window for tids (validated: non-empty, unique, > 0).
	begin(tids []int) error
	// end closes the window and returns per-tid results in tids order,
	// plus warnings.
	end() ([]ThreadStats, []string, error)
	// abort drops an open window without results (used by Close).
	abort()
	close() error
	// followsThreads tells whether threads created by tracked threads
	// during a window are tracked too.
	followsThreads() bool
	// followsProcesses tells whether child processes created by tracked
	// threads are tracked too (Options.FollowProcesses).
	followsProcesses() bool
	// maxThreads is the most tids begin accepts, 0 for no limit.
	maxThreads() int
}

// Meter measures futex time of given threads over Begin/End windows. Its
// methods are safe for concurrent use, but windows do not overlap: Begin on
// a begun Meter is an error.
type Meter struct {
	mu       sync.Mutex
	method   Method
	onHost   bool
	reason   string
	mounted  string
	b        backend
	active   bool
	closed   bool
	stats    []ThreadStats
	warnings []string
}

// ErrClosed is returned by Begin and End on a closed Meter.
var ErrClosed = errors.New("futex: meter is closed")

// Open prepares a meter. With Method "" it picks the best working method;
// Reason tells why it fell back. It fails only for bad Options or when a
// forced method cannot work.
func Open(opts Options) (*Meter, error) {
	if opts.SampleInterval < 0 {
		return nil, fmt.Errorf("futex: negative SampleInterval %v", opts.SampleInterval)
	}
	if opts.SampleInterval == 0 {
		opts.SampleInterval = DefaultSampleInterval
	}
	if opts.SampleInterval < MinSampleInterval {
		return nil, fmt.Errorf("futex: SampleInterval %v below minimum %v", opts.SampleInterval, MinSampleInterval)
	}
	if opts.MaxThreads < 0 {
		return nil, fmt.Errorf("futex: negative MaxThreads %d", opts.MaxThreads)
	}
	if opts.MaxThreads == 0 {
		opts.MaxThreads = DefaultMaxThreads
	}
	if opts.MaxThreads > MaxThreadsLimit {
		return nil, fmt.Errorf("futex: MaxThreads %d is above the limit %d", opts.MaxThreads, MaxThreadsLimit)
	}

	// What a host tracer said, for the Tracepoint method and auto.
	var hostNote string
	if opts.Method == Tracepoint || opts.Method == "" {
		switch {
		case opts.Host != "" && opts.FollowProcesses:
			hostNote = "host tracer: not asked, as it does not follow child processes"
		case opts.Host != "":
			hb, err := openHost(opts.Host)
			if err == nil {
				reason := ""
				if hb.note != "" {
					reason = "host tracer: " + hb.note
				}
				return &Meter{method: Tracepoint, onHost: true, reason: reason, b: hb}, nil
			}
			hostNote = fmt.Sprintf("host tracer: %v", err)
		case opts.HostUnavailable != "":
			hostNote = "no host tracer: " + opts.HostUnavailable
		}
	}

	switch opts.Method {
	case Tracepoint:
		b, note, mounted, err := openTracepoint(opts)
		if err != nil {
			if hostNote != "" {
				err = fmt.Errorf("%s; in this process: %w", hostNote, err)
			}
			return nil, fmt.Errorf("futex: method %q unavailable: %w", Tracepoint, err)
		}
		return &Meter{method: Tracepoint, reason: joinReasons(hostNote, note), mounted: mounted, b: b}, nil
	case Sampled:
		b, err := openSampled(opts)
		if err != nil {
			return nil, fmt.Errorf("futex: method %q unavailable: %w", Sampled, err)
		}
		return &Meter{method: Sampled, b: b}, nil
	case Unavailable:
		return &Meter{method: Unavailable, reason: "method unavailable requested", b: &nullBackend{}}, nil
	case "":
		// auto
	default:
		return nil, fmt.Errorf("futex: unknown method %q (valid: %q, %q, %q, or \"\" for auto)",
			string(opts.Method), Tracepoint, Sampled, Unavailable)
	}

	tb, note, mounted, terr := openTracepoint(opts)
	if terr == nil {
		return &Meter{method: Tracepoint, reason: joinReasons(hostNote, note), mounted: mounted, b: tb}, nil
	}
	reason := joinReasons(hostNote, note, fmt.Sprintf("tracepoint: %v", terr))
	sb, serr := openSampled(opts)
	if serr == nil {
		return &Meter{method: Sampled, reason: reason + "; using sampled", mounted: mounted, b: sb}, nil
	}
	reason += fmt.Sprintf("; sampled: %v; futex time unavailable", serr)
	return &Meter{method: Unavailable, reason: reason, mounted: mounted, b: &nullBackend{}}, nil
}

// Method returns the method in use.
func (m *Meter) Method() Method { return m.method }

// OnHost reports whether a host tracer (Options.Host) runs the method for
// this process.
func (m *Meter) OnHost() bool { return m.onHost }

// joinReasons joins the non-empty parts with "; ".
func joinReasons(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

// Reason says why auto selection fell back, or why the tracepoint method
// does not follow threads; "" if there is nothing to say. It describes the
// machine, not what opening the meter did to it (see Mounted), so every
// process on the same machine gives the same reason.
func (m *Meter) Reason() string { return m.reason }

// Mounted is where opening the meter mounted tracefs, which was not
// mounted; "" when it mounted nothing. Only the first process to open a
// meter on a machine mounts it.
func (m *Meter) Mounted() string { return m.mounted }

// FollowsThreads tells whether the meter also measures threads that the
// tracked threads create during a window (and threads those create, and so
// on). Only the Tracepoint method can; when it is false, a workload whose
// threads hand their work to new threads is not measured by this meter.
func (m *Meter) FollowsThreads() bool { return m.b.followsThreads() }

// FollowsProcesses tells whether the meter also measures child processes
// that the tracked threads create during a window, and everything those
// create: Options.FollowProcesses with the Tracepoint method in this
// process.
func (m *Meter) FollowsProcesses() bool { return m.b.followsProcesses() }

// MaxThreads is the most tids Begin accepts, or 0 when the method has no
// limit of its own.
func (m *Meter) MaxThreads() int { return m.b.maxThreads() }

// Begin opens a window: from now on the futex time of these threads is
// counted, and where FollowsThreads is true that of every thread they
// create during the window. The threads should be alive and not inside a
// futex call (a call already in progress at Begin is not counted). More
// tids than MaxThreads is an error.
func (m *Meter) Begin(tids []int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.active {
		return errors.New("futex: Begin on a meter whose window is already open (call End first)")
	}
	if len(tids) == 0 {
		return errors.New("futex: Begin with no tids")
	}
	if lim := m.b.maxThreads(); lim > 0 && len(tids) > lim {
		return fmt.Errorf("futex: Begin with %d tids, more than MaxThreads %d of method %s (set Options.MaxThreads, up to %d)",
			len(tids), lim, m.method, MaxThreadsLimit)
	}
	seen := make(map[int]struct{}, len(tids))
	for _, tid := range tids {
		if tid <= 0 {
			return fmt.Errorf("futex: invalid tid %d", tid)
		}
		if _, dup := seen[tid]; dup {
			return fmt.Errorf("futex: duplicate tid %d", tid)
		}
		seen[tid] = struct{}{}
	}
	cp := append([]int(nil), tids...)
	if err := m.b.begin(cp); err != nil {
		return err
	}
	m.active = true
	m.stats = nil
	m.warnings = nil
	return nil
}

// End closes the window. The results are available from Threads and
// Warnings until the next Begin.
func (m *Meter) End() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if !m.active {
		return errors.New("futex: End without Begin")
	}
	m.active = false
	st, warns, err := m.b.end()
	m.stats = st
	m.warnings = warns
	return err
}

// Threads returns per-thread results for the last completed window. The
// first entries are the tids given to Begin, in that order. When the meter
// follows threads, they are followed by the threads spawned during the
// window and still alive at End (Spawned set, by increasing TID), and, if
// any tracked thread exited during the window, by one aggregate entry with
// TID 0 holding the summed Futex, Calls and Wall of all such threads
// (Aggregated says how many). A tid given to Begin that exited has Exited
// set and zero totals, as they are in the aggregate. So sums of Futex,
// Calls and Wall over Threads count every tracked thread exactly once.
//
// In a pid namespace other than the initial one, a spawned thread that
// made no futex call is also summed in the aggregate entry, as its tid in
// this namespace is not known.
func (m *Meter) Threads() []ThreadStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ThreadStats(nil), m.stats...)
}

// Warnings returns problems noticed during the last completed window
// (sampler falling behind, threads that exited, a thread inside futex at
// End, ...). Nil when there were none.
func (m *Meter) Warnings() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.warnings...)
}

// Close releases everything the meter holds. It is idempotent.
func (m *Meter) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if m.active {
		m.b.abort()
		m.active = false
	}
	return m.b.close()
}

// nullBackend is the Unavailable method: it only measures wall time.
type nullBackend struct {
	tids  []int
	start time.Time
}

func (n *nullBackend) begin(tids []int) error {
	n.tids, n.start = tids, time.Now()
	return nil
}

func (n *nullBackend) end() ([]ThreadStats, []string, error) {
	wall := time.Since(n.start)
	st := make([]ThreadStats, len(n.tids))
	for i, tid := range n.tids {
		st[i] = ThreadStats{TID: tid, Wall: wall}
	}
	n.tids = nil
	return st, []string{"futex time unavailable: Futex is not measured"}, nil
}

func (n *nullBackend) abort()                 { n.tids = nil }
func (n *nullBackend) close() error           { return nil }
func (n *nullBackend) followsThreads() bool   { return false }
func (n *nullBackend) followsProcesses() bool { return false }
func (n *nullBackend) maxThreads() int        { return 0 }
