//go:build linux

package futex

import (
	"bufio"
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/accuracy"
	"golang.org/x/sys/unix"
)

const (
	futexWaitPrivate = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG

	calK    = 20
	calWait = 5 * time.Millisecond
	induced = calK * calWait
)

// worker is a goroutine locked to its own OS thread. Between jobs it parks
// blocked in read(2) on an eventfd, so that it makes no futex call and
// holds no P while parked (a spinning or channel-blocked locked goroutine
// would make its thread futex-sleep whenever the Go scheduler deschedules
// it).
type worker struct {
	tid    int
	efd    int
	job    atomic.Pointer[func()]
	runs   atomic.Int64
	quit   atomic.Bool
	exited chan struct{}
}

func newWorker(t *testing.T) *worker {
	t.Helper()
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	require.NoError(t, err)
	w := &worker{efd: efd, exited: make(chan struct{})}
	ready := make(chan int, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with us
		defer close(w.exited)
		ready <- unix.Gettid()
		var buf [8]byte
		for {
			if _, err := unix.Read(efd, buf[:]); err != nil {
				if err == unix.EINTR {
					continue
				}
				return
			}
			if w.quit.Load() {
				return
			}
			if f := w.job.Load(); f != nil {
				(*f)()
			}
			w.runs.Add(1)
		}
	}()
	w.tid = <-ready
	t.Cleanup(w.stop)
	return w
}

func (w *worker) kick() {
	var buf [8]byte
	binary.NativeEndian.PutUint64(buf[:], 1)
	_, _ = unix.Write(w.efd, buf[:])
}

// run starts f on the worker's thread.
func (w *worker) run(f func()) {
	w.job.Store(&f)
	w.kick()
}

// waitRuns waits until the worker completed n jobs.
func (w *worker) waitRuns(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for w.runs.Load() < n {
		require.True(t, time.Now().Before(deadline), "worker %d did not finish", w.tid)
		time.Sleep(200 * time.Microsecond)
	}
}

func (w *worker) stop() {
	if w.quit.Swap(true) {
		return
	}
	w.kick()
	<-w.exited
	unix.Close(w.efd)
}

// futexSleep waits d on a private futex word nobody wakes, retrying after
// EINTR. It returns the number of futex calls and the time they took as
// seen from user space.
func futexSleep(d time.Duration) (calls int, took time.Duration) {
	var word uint32
	start := time.Now()
	deadline := start.Add(d)
	for {
		rem := time.Until(deadline)
		if rem <= 0 {
			break
		}
		ts := unix.NsecToTimespec(rem.Nanoseconds())
		_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWaitPrivate, 0,
			uintptr(unsafe.Pointer(&ts)), 0, 0)
		calls++
		if e == unix.ETIMEDOUT {
			break
		}
	}
	return calls, time.Since(start)
}

// inducer returns a job doing calK waits of calWait and a place where the
// job records what it did.
type inducedResult struct {
	calls atomic.Int64
	took  atomic.Int64
}

func inducer(r *inducedResult) func() {
	return func() {
		for range calK {
			c, d := futexSleep(calWait)
			r.calls.Add(int64(c))
			r.took.Add(int64(d))
		}
	}
}

// moreProcs makes sure a locked worker returning from a syscall finds an
// idle P (otherwise its thread would futex-sleep waiting for one).
func moreProcs(t *testing.T) {
	old := runtime.GOMAXPROCS(16)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}

// unavailable skips the test, or fails it as root with ALLOCBENCH_REQUIRE
// set, where the tracepoint method is expected to work.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("ALLOCBENCH_REQUIRE") != "" && os.Geteuid() == 0 {
		t.Fatalf(format+" (needed as root with ALLOCBENCH_REQUIRE set)", args...)
	}
	t.Skipf(format, args...)
}

func openMethod(t *testing.T, method Method) *Meter {
	t.Helper()
	m, err := Open(Options{Method: method})
	if method == Tracepoint && err != nil {
		unavailable(t, "tracepoint method not available here: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Close()) })
	require.Equal(t, method, m.Method())
	return m
}

func byTID(st []ThreadStats) map[int]ThreadStats {
	r := make(map[int]ThreadStats, len(st))
	for _, s := range st {
		r[s.TID] = s
	}
	return r
}

// calibrate runs one window: two listed threads each induce calK×calWait
// of futex waits, one listed thread stays idle, one unlisted thread
// induces the same waits. tol is the relative tolerance on Futex.
func calibrate(t *testing.T, m *Meter, tol float64) {
	t.Helper()
	measured := []*worker{newWorker(t), newWorker(t)}
	idle := newWorker(t)
	outsider := newWorker(t)
	tids := []int{measured[0].tid, measured[1].tid, idle.tid}

	res := make([]*inducedResult, len(measured))
	require.NoError(t, m.Begin(tids))
	for i, w := range measured {
		res[i] = &inducedResult{}
		w.run(inducer(res[i]))
	}
	var outRes inducedResult
	outsider.run(inducer(&outRes))
	for _, w := range measured {
		w.waitRuns(t, 1)
	}
	outsider.waitRuns(t, 1)
	require.NoError(t, m.End())

	st := m.Threads()
	require.Len(t, st, len(tids))
	got := byTID(st)
	_, counted := got[outsider.tid]
	assert.False(t, counted, "unlisted thread must not be reported")

	for i, w := range measured {
		s, ok := got[w.tid]
		require.True(t, ok)
		t.Logf("%s tid %d: futex %v (induced %v, user-space %v), calls %d (made %d), wall %v, offcpu %v, samples %d/%d/%d",
			m.Method(), w.tid, s.Futex, induced, time.Duration(res[i].took.Load()), s.Calls, res[i].calls.Load(),
			s.Wall, s.OffCPU, s.Samples, s.OffCPUSamples, s.FutexSamples)
		// The reference: for the tracepoint, the time the futex calls
		// took as seen around them from user space (nominal timeout plus
		// timer slack and wake-up latency, which the kernel counts too);
		// for sampling, the nominal blocked time (once the timeout fires
		// the thread is runnable, which sampling does not count as
		// blocked).
		ref := induced
		if m.Method() == Tracepoint {
			ref = time.Duration(res[i].took.Load())
		}
		if accuracy.On() {
			assert.InDelta(t, float64(ref), float64(s.Futex), tol*float64(ref),
				"tid %d futex %v vs induced %v", w.tid, s.Futex, ref)
		} else {
			assert.Positive(t, s.Futex, "tid %d: the waits are seen", w.tid)
		}
		assert.GreaterOrEqual(t, s.Wall, s.Futex)
		if m.Method() == Tracepoint {
			// Calls can exceed the calls made: the Go runtime may issue
			// a futex wake on this thread on its way out of a syscall.
			made := uint64(res[i].calls.Load())
			assert.GreaterOrEqual(t, s.Calls, made)
			assert.LessOrEqual(t, s.Calls, 2*made)
		} else {
			assert.Zero(t, s.Calls)
			assert.NotZero(t, s.Samples)
		}
	}
	s := got[idle.tid]
	t.Logf("%s idle tid %d: futex %v calls %d wall %v", m.Method(), idle.tid, s.Futex, s.Calls, s.Wall)
	assert.Less(t, s.Futex, time.Millisecond, "idle thread")
	for _, w := range m.Warnings() {
		// A loaded machine can make the sampler fall behind; anything
		// else is unexpected here.
		assert.Contains(t, w, "sampler")
		t.Log(w)
	}
}

func TestCalibrationTracepoint(t *testing.T) {
	moreProcs(t)
	m := openMethod(t, Tracepoint)
	t.Logf("attached: %s; reason %q", m.b.(*tpBackend).attachedSyscalls(), m.Reason())
	for range 2 { // reuse the meter with new threads
		calibrate(t, m, 0.10)
	}
	// End deleted every entry.
	var k uint32
	var v tpValue
	it := m.b.(*tpBackend).m.Iterate()
	assert.False(t, it.Next(&k, &v), "map should be empty after End, found tid %d", k)
}

func TestCalibrationTracepointPidNSHelper(t *testing.T) {
	moreProcs(t)
	forcePidNSHelper = true
	defer func() { forcePidNSHelper = false }()
	m := openMethod(t, Tracepoint)
	calibrate(t, m, 0.10)
}

func TestCalibrationSampled(t *testing.T) {
	moreProcs(t)
	m := openMethod(t, Sampled)
	for range 2 {
		calibrate(t, m, 0.25)
	}
}

func hasCap(t *testing.T, bit uint) bool {
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			require.NoError(t, err)
			return caps&(1<<bit) != 0
		}
	}
	return false
}

func TestAutoMethod(t *testing.T) {
	m, err := Open(Options{})
	require.NoError(t, err)
	defer m.Close()
	t.Logf("auto: %s, reason %q", m.Method(), m.Reason())
	const capSysAdmin, capPerfmon, capBPF = 21, 38, 39
	privileged := hasCap(t, capSysAdmin) || (hasCap(t, capBPF) && hasCap(t, capPerfmon))
	if privileged {
		assert.Equal(t, Tracepoint, m.Method())
	} else {
		assert.Equal(t, Sampled, m.Method())
		assert.Contains(t, m.Reason(), "tracepoint")
		assert.Contains(t, m.Reason(), "using sampled")
	}
}

func TestForcedSampled(t *testing.T) {
	m, err := Open(Options{Method: Sampled, SampleInterval: 2 * time.Millisecond})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, Sampled, m.Method())
	assert.Empty(t, m.Reason())
}

func TestBadOptions(t *testing.T) {
	_, err := Open(Options{Method: "strace"})
	require.Error(t, err)
	for _, s := range []string{`"strace"`, "tracepoint", "sampled", "unavailable"} {
		assert.Contains(t, err.Error(), s)
	}
	_, err = Open(Options{Method: Sampled, SampleInterval: -time.Millisecond})
	assert.Error(t, err)
	_, err = Open(Options{Method: Sampled, SampleInterval: time.Microsecond})
	assert.Error(t, err)
	_, err = Open(Options{MaxThreads: -1})
	assert.Error(t, err)
	_, err = Open(Options{MaxThreads: MaxThreadsLimit + 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), strconv.Itoa(MaxThreadsLimit+1))
	assert.Contains(t, err.Error(), strconv.Itoa(MaxThreadsLimit))
}

func availableMethods(t *testing.T) []Method {
	ms := []Method{Sampled, Unavailable}
	if m, err := Open(Options{Method: Tracepoint}); err == nil {
		m.Close()
		ms = append(ms, Tracepoint)
	} else {
		t.Logf("tracepoint not tested: %v", err)
	}
	return ms
}

func TestLifecycle(t *testing.T) {
	w := newWorker(t)
	for _, method := range availableMethods(t) {
		t.Run(string(method), func(t *testing.T) {
			m, err := Open(Options{Method: method})
			require.NoError(t, err)
			assert.Error(t, m.End(), "End without Begin")
			assert.Error(t, m.Begin(nil))
			assert.Error(t, m.Begin([]int{w.tid, w.tid}))
			assert.Error(t, m.Begin([]int{0}))
			if method != Tracepoint {
				assert.False(t, m.FollowsThreads(), "only the tracepoint method can follow threads")
				assert.Zero(t, m.MaxThreads())
			}
			require.NoError(t, m.Begin([]int{w.tid}))
			assert.Error(t, m.Begin([]int{w.tid}), "Begin while begun")
			require.NoError(t, m.End())
			require.Len(t, m.Threads(), 1)
			assert.Equal(t, w.tid, m.Threads()[0].TID)
			assert.Positive(t, m.Threads()[0].Wall)
			// Close with an open window, twice.
			require.NoError(t, m.Begin([]int{w.tid}))
			assert.NoError(t, m.Close())
			assert.NoError(t, m.Close())
			assert.ErrorIs(t, m.Begin([]int{w.tid}), ErrClosed)
			assert.ErrorIs(t, m.End(), ErrClosed)
		})
	}
}

func TestSampledUnknownTID(t *testing.T) {
	m := openMethod(t, Sampled)
	err := m.Begin([]int{1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a thread of this process")
	// The meter is still usable.
	w := newWorker(t)
	require.NoError(t, m.Begin([]int{w.tid}))
	require.NoError(t, m.End())
}

func TestSampledThreadExits(t *testing.T) {
	moreProcs(t)
	m := openMethod(t, Sampled)
	stays, leaves := newWorker(t), newWorker(t)
	require.NoError(t, m.Begin([]int{stays.tid, leaves.tid}))
	time.Sleep(10 * time.Millisecond)
	leaves.stop() // its goroutine returns while locked: the thread exits
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, m.End())
	got := byTID(m.Threads())
	assert.True(t, got[leaves.tid].Exited)
	assert.False(t, got[stays.tid].Exited)
	ws := strings.Join(m.Warnings(), "\n")
	assert.Contains(t, ws, strconv.Itoa(leaves.tid))
	assert.NotContains(t, ws, strconv.Itoa(stays.tid)+" ")
}

// TestIdleOverhead: threads parked for the whole window show no futex
// time; Begin/End latency is logged, not asserted.
func TestIdleOverhead(t *testing.T) {
	const n = 8
	var tids []int
	for range n {
		tids = append(tids, newWorker(t).tid)
	}
	for _, method := range availableMethods(t) {
		if method == Unavailable {
			continue
		}
		t.Run(string(method), func(t *testing.T) {
			m := openMethod(t, method)
			const rounds = 50
			var begin, end time.Duration
			for range rounds {
				t0 := time.Now()
				require.NoError(t, m.Begin(tids))
				t1 := time.Now()
				time.Sleep(2 * time.Millisecond)
				t2 := time.Now()
				require.NoError(t, m.End())
				begin += t1.Sub(t0)
				end += time.Since(t2)
				for _, s := range m.Threads() {
					assert.Zero(t, s.Futex, "tid %d", s.TID)
					assert.Zero(t, s.Calls, "tid %d", s.TID)
					assert.Zero(t, s.FutexSamples, "tid %d", s.TID)
				}
			}
			t.Logf("%s, %d threads: Begin %v, End %v on average", method, n, begin/rounds, end/rounds)
		})
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// settled waits for goroutines started by the meter to go away.
func settledGoroutines(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > limit; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestNoLeaks(t *testing.T) {
	var tids []int
	for range 4 {
		tids = append(tids, newWorker(t).tid)
	}
	for _, method := range availableMethods(t) {
		t.Run(string(method), func(t *testing.T) {
			cycle := func(m *Meter) {
				require.NoError(t, m.Begin(tids))
				require.NoError(t, m.End())
			}
			// Warm up (lazy runtime/library state).
			m, err := Open(Options{Method: method})
			require.NoError(t, err)
			cycle(m)
			require.NoError(t, m.Close())

			fds, gs := countFDs(t), runtime.NumGoroutine()
			m, err = Open(Options{Method: method})
			require.NoError(t, err)
			for range 200 {
				cycle(m)
			}
			require.NoError(t, m.Close())
			assert.LessOrEqual(t, countFDs(t), fds, "fds after 200 windows")
			assert.LessOrEqual(t, settledGoroutines(gs), gs, "goroutines after 200 windows")

			for range 50 {
				m, err := Open(Options{Method: method})
				require.NoError(t, err)
				cycle(m)
				require.NoError(t, m.Close())
			}
			assert.LessOrEqual(t, countFDs(t), fds, "fds after 50 Open/Close")
			assert.LessOrEqual(t, settledGoroutines(gs), gs, "goroutines after 50 Open/Close")
		})
	}
}

func TestTracepointMaxThreads(t *testing.T) {
	m, err := Open(Options{Method: Tracepoint, MaxThreads: 2})
	if err != nil {
		unavailable(t, "tracepoint method not available here: %v", err)
	}
	defer m.Close()
	tids := []int{newWorker(t).tid, newWorker(t).tid, newWorker(t).tid}
	err = m.Begin(tids)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxThreads")
	// The failed Begin left nothing behind.
	require.NoError(t, m.Begin(tids[:2]))
	require.NoError(t, m.End())
	assert.Len(t, m.Threads(), 2)
}

// fakeTIDs returns n tids above PID_MAX_LIMIT, which no thread can have.
func fakeTIDs(n int) []int {
	tids := make([]int, n)
	for i := range tids {
		tids[i] = MaxThreadsLimit + 1 + i
	}
	return tids
}

// TestTracepointDefaultCapacity: the default meter takes the workloads'
// largest thread count, and one more tid is refused before any work with
// both numbers in the message.
func TestTracepointDefaultCapacity(t *testing.T) {
	m := openMethod(t, Tracepoint)
	require.Equal(t, DefaultMaxThreads, m.MaxThreads())
	for _, n := range []int{1100, DefaultMaxThreads} {
		require.NoError(t, m.Begin(fakeTIDs(n)), "%d tids", n)
		require.NoError(t, m.End())
		st := m.Threads()
		require.Len(t, st, n)
		for _, s := range st {
			assert.Zero(t, s.Calls)
			assert.False(t, s.Exited)
		}
	}
	err := m.Begin(fakeTIDs(DefaultMaxThreads + 1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), strconv.Itoa(DefaultMaxThreads+1))
	assert.Contains(t, err.Error(), strconv.Itoa(DefaultMaxThreads))
	assert.Contains(t, err.Error(), "MaxThreads")
	// Refused before anything was tracked.
	var k uint32
	var v tpValue
	assert.False(t, m.b.(*tpBackend).m.Iterate().Next(&k, &v), "map should be empty, found tid %d", k)
	require.NoError(t, m.Begin(fakeTIDs(1)))
	require.NoError(t, m.End())
}
