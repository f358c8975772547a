//go:build linux

package futex

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Syscall numbers of futex_waitv, futex_wake, futex_wait and futex_requeue
// are the same on all architectures (generic table, 449 and 454-456).
var newFutexNrs = []int{449, 454, 455, 456}

// futexNrs returns the syscall numbers counted as futex on this arch.
func futexNrs() ([]int, error) {
	switch runtime.GOARCH {
	case "amd64":
		return append([]int{202}, newFutexNrs...), nil
	case "arm64":
		return append([]int{98}, newFutexNrs...), nil
	default:
		return nil, fmt.Errorf("futex syscall number unknown for GOARCH=%s", runtime.GOARCH)
	}
}

type sampledBackend struct {
	interval time.Duration
	nrs      []int

	threads []*sThread
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	lag     lagStats // written by the sampler until done is closed
}

type sThread struct {
	tid    int
	sysFD  int // /proc/self/task/<tid>/syscall, kept open for the window
	statFD int // /proc/self/task/<tid>/schedstat
	clock  int32

	cpu0, rq0 uint64
	t0        time.Time

	samples, off, futex uint64
	gone                bool
	goneWhy             string
}

type lagStats struct {
	ticks   int           // sampling rounds
	behind  int           // rounds that took longer than the interval
	maxWork time.Duration // longest round
	late    int           // rounds that started > 1 interval late
}

func openSampled(opts Options) (*sampledBackend, error) {
	nrs, err := futexNrs()
	if err != nil {
		return nil, err
	}
	// Probe with the calling thread: permission to read syscall files and
	// schedstat being populated.
	tid := unix.Gettid()
	p := fmt.Sprintf("/proc/self/task/%d/syscall", tid)
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		var buf [128]byte
		_, err = unix.Pread(fd, buf[:], 0)
		unix.Close(fd)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, procHint(err))
	}
	var buf [128]byte
	sfd, err := unix.Open("/proc/self/schedstat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /proc/self/schedstat: %w", err)
	}
	n, err := unix.Pread(sfd, buf[:], 0)
	unix.Close(sfd)
	if err != nil {
		return nil, fmt.Errorf("reading /proc/self/schedstat: %w", err)
	}
	if bytes.HasPrefix(buf[:n], []byte("0 0 0")) {
		return nil, errors.New("/proc/self/schedstat is all zero (kernel without sched_info accounting)")
	}
	return &sampledBackend{interval: opts.SampleInterval, nrs: nrs}, nil
}

// procHint explains permission errors on /proc/<tid>/syscall.
func procHint(err error) error {
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w (needs ptrace-read access to our own threads: is the process non-dumpable, or restricted by yama/LSM?)", err)
	}
	return err
}

// threadCPUClock is the clockid of a thread's CPU-time clock
// (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)).
func threadCPUClock(tid int) int32 {
	return int32((^uint32(tid))<<3 | 4 | 2)
}

func (b *sampledBackend) begin(tids []int) (err error) {
	threads := make([]*sThread, 0, len(tids))
	defer func() {
		if err != nil {
			closeThreads(threads)
		}
	}()
	for _, tid := range tids {
		t := &sThread{tid: tid, sysFD: -1, statFD: -1, clock: threadCPUClock(tid)}
		threads = append(threads, t)
		dir := fmt.Sprintf("/proc/self/task/%d/", tid)
		if t.sysFD, err = unix.Open(dir+"syscall", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("futex: tid %d is not a thread of this process", tid)
			}
			return fmt.Errorf("futex: opening %ssyscall: %w", dir, procHint(err))
		}
		if t.statFD, err = unix.Open(dir+"schedstat", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("futex: opening %sschedstat: %w", dir, err)
		}
	}
	var buf [128]byte
	for _, t := range threads {
		t.cpu0, t.rq0, err = t.read(buf[:])
		t.t0 = time.Now()
		if err != nil {
			return fmt.Errorf("futex: tid %d: %w", t.tid, err)
		}
	}
	b.threads = threads
	b.lag = lagStats{}
	b.start = time.Now()
	b.stop = make(chan struct{})
	b.done = make(chan struct{})
	go b.sample(threads, b.stop, b.done)
	return nil
}

// read returns the thread's CPU time (exact, from its CPU clock) and
// run-queue wait (schedstat), both in ns.
func (t *sThread) read(buf []byte) (cpu, rq uint64, err error) {
	n, err := unix.Pread(t.statFD, buf, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("reading schedstat: %w", err)
	}
	f := bytes.Fields(buf[:n])
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("malformed schedstat %q", buf[:n])
	}
	rq, err = strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("malformed schedstat %q", buf[:n])
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(t.clock, &ts); err != nil {
		// Fall back to schedstat's on-CPU time (may lag by a tick for a
		// running thread).
		cpu, perr := strconv.ParseUint(string(f[0]), 10, 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("thread CPU clock: %w", err)
		}
		return cpu, rq, nil
	}
	return uint64(ts.Nano()), rq, nil
}

// sample is the sampler goroutine.
func (b *sampledBackend) sample(threads []*sThread, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tk := time.NewTicker(b.interval)
	defer tk.Stop()
	buf := make([]byte, 128)
	for {
		var tick time.Time
		select {
		case <-stop:
			return
		case tick = <-tk.C:
		}
		start := time.Now()
		if start.Sub(tick) > b.interval {
			b.lag.late++
		}
		for _, t := range threads {
			if t.gone {
				continue
			}
			n, err := unix.Pread(t.sysFD, buf, 0)
			if err != nil || n == 0 {
				t.gone = true
				if err == nil {
					err = errors.New("empty read")
				}
				t.goneWhy = fmt.Sprintf("sampling stopped after %d samples: %v", t.samples, err)
				continue
			}
			t.samples++
			b.classify(t, buf[:n])
		}
		work := time.Since(start)
		b.lag.ticks++
		if work > b.interval {
			b.lag.behind++
		}
		if work > b.lag.maxWork {
			b.lag.maxWork = work
		}
	}
}

// classify counts one /proc/<tid>/syscall reading: "running", or the
// syscall number (-1 when blocked outside a syscall) followed by args.
func (b *sampledBackend) classify(t *sThread, s []byte) {
	if i := bytes.IndexAny(s, " \n"); i >= 0 {
		s = s[:i]
	}
	if string(s) == "running" {
		return
	}
	t.off++
	nr, err := strconv.Atoi(string(s))
	if err != nil {
		return
	}
	for _, f := range b.nrs {
		if nr == f {
			t.futex++
			return
		}
	}
}

func (b *sampledBackend) end() ([]ThreadStats, []string, error) {
	close(b.stop)
	<-b.done
	window := time.Since(b.start)
	var warns []string
	var buf [128]byte
	stats := make([]ThreadStats, len(b.threads))
	for i, t := range b.threads {
		cpu1, rq1, err := t.read(buf[:])
		t1 := time.Now()
		st := ThreadStats{
			TID:           t.tid,
			Wall:          t1.Sub(t.t0),
			Samples:       t.samples,
			OffCPUSamples: t.off,
			FutexSamples:  t.futex,
		}
		if err != nil || t.gone {
			// Exited (or unreadable): only the sample count is left.
			st.Exited = true
			st.Futex = time.Duration(t.futex) * b.interval
			why := t.goneWhy
			if why == "" {
				why = err.Error()
			}
			warns = append(warns, fmt.Sprintf("tid %d exited or became unreadable during the window (%s); Futex estimated from samples only", t.tid, why))
			stats[i] = st
			continue
		}
		st.OnCPU = time.Duration(sub0(cpu1, t.cpu0))
		st.RunQueue = time.Duration(sub0(rq1, t.rq0))
		st.OffCPU = max(st.Wall-st.OnCPU-st.RunQueue, 0)
		if t.off > 0 {
			st.Futex = time.Duration(float64(st.OffCPU) * float64(t.futex) / float64(t.off))
		}
		stats[i] = st
	}
	closeThreads(b.threads)
	b.threads = nil

	l := b.lag
	if l.behind >= 3 {
		warns = append(warns, fmt.Sprintf("sampler fell behind: %d of %d rounds overran the %v interval (longest %v), %d started late",
			l.behind, l.ticks, b.interval, l.maxWork, l.late))
	}
	if exp := int(window / b.interval); exp >= 20 && l.ticks < exp*3/4 {
		warns = append(warns, fmt.Sprintf("sampler took %d rounds over %v, expected about %d at %v", l.ticks, window, exp, b.interval))
	}
	return stats, warns, nil
}

func sub0(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func closeThreads(ts []*sThread) {
	for _, t := range ts {
		if t.sysFD >= 0 {
			unix.Close(t.sysFD)
			t.sysFD = -1
		}
		if t.statFD >= 0 {
			unix.Close(t.statFD)
			t.statFD = -1
		}
	}
}

func (b *sampledBackend) abort() {
	if b.stop != nil && b.threads != nil {
		close(b.stop)
		<-b.done
	}
	closeThreads(b.threads)
	b.threads = nil
}

func (b *sampledBackend) close() error { return nil }

// followsThreads is false: the sampler only knows the tids given to begin.
func (b *sampledBackend) followsThreads() bool { return false }

func (b *sampledBackend) followsProcesses() bool { return false }

func (b *sampledBackend) maxThreads() int { return 0 }
