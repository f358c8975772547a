//go:build cgo && linux

package futex

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const chainTimeout = 30 * time.Second

// pidModes runs f with the programs finding tids the plain way and through
// the pid-namespace helper (as in a container), where new threads are
// adopted at their first futex call.
func pidModes(t *testing.T, f func(t *testing.T)) {
	for _, mode := range []struct {
		name  string
		force bool
	}{{"global", false}, {"pidns-helper", true}} {
		t.Run(mode.name, func(t *testing.T) {
			forcePidNSHelper = mode.force
			defer func() { forcePidNSHelper = false }()
			f(t)
		})
	}
}

// openFollowing opens a tracepoint meter that follows threads.
func openFollowing(t *testing.T, opts Options) *Meter {
	t.Helper()
	opts.Method = Tracepoint
	m, err := Open(opts)
	if err != nil {
		unavailable(t, "tracepoint method not available here: %v", err)
	}
	t.Cleanup(func() { assert.NoError(t, m.Close()) })
	if !m.FollowsThreads() {
		unavailable(t, "the tracepoint method cannot follow threads here: %s", m.Reason())
	}
	return m
}

// startChain creates the chain's first thread from w's thread.
func startChain(t *testing.T, w *worker, ch *threadChain) {
	t.Helper()
	var err error
	runs := w.runs.Load()
	w.run(func() { err = ch.start() })
	w.waitRuns(t, runs+1)
	require.NoError(t, err)
}

func newChain(t *testing.T, generations, wakes int, keepLast bool) *threadChain {
	t.Helper()
	ch, err := newThreadChain(generations, wakes, keepLast)
	require.NoError(t, err)
	return ch
}

// assertDrained checks that End left no thread in the BPF maps.
func assertDrained(t *testing.T, m *Meter) {
	t.Helper()
	b := m.b.(*tpBackend)
	for _, bm := range []*ebpf.Map{b.m, b.f.pending} {
		if bm == nil {
			continue
		}
		ks, err := keys(bm)
		assert.NoError(t, err)
		assert.Empty(t, ks, "%s after End", bm)
	}
}

// split separates the first entry (the tracked worker) from the rest and
// sums the rest's calls.
func split(t *testing.T, st []ThreadStats, tid int) (rest []ThreadStats, calls uint64) {
	t.Helper()
	require.NotEmpty(t, st)
	require.Equal(t, tid, st[0].TID)
	assert.False(t, st[0].Exited)
	assert.False(t, st[0].Spawned)
	for _, s := range st[1:] {
		calls += s.Calls
	}
	return st[1:], calls
}

// TestFollowChain: a tracked thread starts a chain of 50 thread
// generations, each making a known number of futex calls; an untracked
// thread starts another chain in the same window. Exactly the tracked
// chain's calls are counted, in one aggregate entry, as all its threads
// exited. The chains run one after the other: running together, their
// threads would contend for libc's locks (thread stacks, malloc arenas),
// and the futex calls that contention makes would be counted too.
func TestFollowChain(t *testing.T) {
	moreProcs(t)
	pidModes(t, func(t *testing.T) {
		m := openFollowing(t, Options{})
		tracked, outsider := newWorker(t), newWorker(t)
		const generations, wakes = 50, 7
		ch := newChain(t, generations, wakes, false)
		defer ch.free()
		other := newChain(t, 30, 5, false)
		defer other.free()

		require.NoError(t, m.Begin([]int{tracked.tid}))
		startChain(t, outsider, other)
		require.NoError(t, other.wait(chainTimeout))
		startChain(t, tracked, ch)
		require.NoError(t, ch.wait(chainTimeout))
		require.NoError(t, m.End())
		assertDrained(t, m)

		rest, calls := split(t, m.Threads(), tracked.tid)
		assert.Equal(t, uint64(generations*wakes), calls, "futex calls of the tracked chain")
		require.Len(t, rest, 1, "only the aggregate of the exited threads: %+v", rest)
		agg := rest[0]
		assert.Zero(t, agg.TID)
		assert.Equal(t, generations, agg.Aggregated)
		assert.Positive(t, agg.Futex)
		assert.GreaterOrEqual(t, agg.Wall, agg.Futex)
		for _, w := range m.Warnings() {
			t.Log(w)
		}
	})
}

// TestFollowAliveAtEnd: a spawned thread still alive at End is listed on
// its own; after End it is no longer tracked.
func TestFollowAliveAtEnd(t *testing.T) {
	moreProcs(t)
	pidModes(t, func(t *testing.T) {
		m := openFollowing(t, Options{})
		tracked := newWorker(t)
		const generations, wakes = 3, 4
		ch := newChain(t, generations, wakes, true)
		defer ch.free()

		require.NoError(t, m.Begin([]int{tracked.tid}))
		startChain(t, tracked, ch)
		require.NoError(t, ch.wait(chainTimeout))
		require.NoError(t, m.End())
		assertDrained(t, m)
		rest, calls := split(t, m.Threads(), tracked.tid)
		assert.Equal(t, uint64(generations*wakes), calls)
		require.Len(t, rest, 2, "%+v", rest)
		last := ch.tids()[generations-1]
		assert.Equal(t, ThreadStats{TID: last, Spawned: true, Calls: wakes}, ThreadStats{TID: rest[0].TID, Spawned: rest[0].Spawned, Calls: rest[0].Calls})
		assert.Positive(t, rest[0].Wall)
		assert.Zero(t, rest[1].TID)
		assert.Equal(t, generations-1, rest[1].Aggregated)
		assert.Equal(t, uint64((generations-1)*wakes), rest[1].Calls)

		// The last thread exits during the next window: not counted.
		require.NoError(t, m.Begin([]int{tracked.tid}))
		require.NoError(t, ch.release(chainTimeout))
		require.NoError(t, m.End())
		assert.Len(t, m.Threads(), 1, "%+v", m.Threads())
	})
}

// TestFollowTrackedExits: a tid given to Begin that exits is marked
// Exited, and its calls move to the aggregate.
func TestFollowTrackedExits(t *testing.T) {
	pidModes(t, func(t *testing.T) {
		m := openFollowing(t, Options{})
		stays := newWorker(t)
		leaves := newWorker(t)
		require.NoError(t, m.Begin([]int{stays.tid, leaves.tid}))
		var made int
		leaves.run(func() { made, _ = futexSleep(time.Millisecond) })
		leaves.waitRuns(t, 1)
		leaves.stop() // its goroutine returns while locked: the thread exits
		require.NoError(t, waitGone(leaves.tid, chainTimeout))
		require.NoError(t, m.End())
		st := m.Threads()
		require.Len(t, st, 3, "%+v", st)
		assert.Equal(t, stays.tid, st[0].TID)
		assert.False(t, st[0].Exited)
		assert.Equal(t, ThreadStats{TID: leaves.tid, Exited: true}, st[1])
		assert.Zero(t, st[2].TID)
		assert.Equal(t, 1, st[2].Aggregated)
		// The Go runtime may add a futex call on the thread's way out.
		assert.GreaterOrEqual(t, st[2].Calls, uint64(made))
		assert.GreaterOrEqual(t, st[2].Futex, time.Millisecond)
	})
}

// TestFollowSkipsProcesses: a child process forked by a tracked thread is
// not followed.
func TestFollowSkipsProcesses(t *testing.T) {
	moreProcs(t)
	pidModes(t, func(t *testing.T) {
		m := openFollowing(t, Options{})
		tracked := newWorker(t)
		require.NoError(t, m.Begin([]int{tracked.tid}))
		var err error
		tracked.run(func() { err = forkWithWakes(10) })
		tracked.waitRuns(t, 1)
		require.NoError(t, err)
		require.NoError(t, m.End())
		st := m.Threads()
		assert.Len(t, st, 1, "only the tracked thread: %+v", st)
	})
}

// TestFollowManyGenerations: 2000 generations go through a map of 8
// entries, as exited threads leave it.
func TestFollowManyGenerations(t *testing.T) {
	moreProcs(t)
	pidModes(t, func(t *testing.T) {
		m := openFollowing(t, Options{MaxThreads: 4})
		tracked := newWorker(t)
		const generations = 2000
		ch := newChain(t, generations, 1, false)
		defer ch.free()
		require.NoError(t, m.Begin([]int{tracked.tid}))
		startChain(t, tracked, ch)
		require.NoError(t, ch.wait(chainTimeout))
		require.NoError(t, m.End())
		rest, calls := split(t, m.Threads(), tracked.tid)
		assert.Equal(t, uint64(generations), calls)
		require.Len(t, rest, 1)
		assert.Equal(t, generations, rest[0].Aggregated)
	})
}

// TestFollowMapFull: when the map has no room for a new thread, End says
// its time is missing.
func TestFollowMapFull(t *testing.T) {
	moreProcs(t)
	pidModes(t, func(t *testing.T) {
		// Room for 2 threads: the tracked one and one it creates; a second
		// one, created while the first is alive, is not followed.
		m := openFollowing(t, Options{MaxThreads: 1})
		tracked := newWorker(t)
		first, second := newChain(t, 1, 1, true), newChain(t, 1, 1, true)
		defer first.free()
		defer second.free()
		require.NoError(t, m.Begin([]int{tracked.tid}))
		startChain(t, tracked, first)
		require.NoError(t, first.wait(chainTimeout))
		startChain(t, tracked, second)
		require.NoError(t, second.wait(chainTimeout))
		err := m.End()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "1 threads created by tracked threads were not followed")
		rest, calls := split(t, m.Threads(), tracked.tid)
		assert.Equal(t, uint64(1), calls, "the first thread was followed")
		require.Len(t, rest, 1)
		assert.Equal(t, first.tids()[0], rest[0].TID)
		require.NoError(t, first.release(chainTimeout))
		require.NoError(t, second.release(chainTimeout))

		// The next window starts clean.
		require.NoError(t, m.Begin([]int{tracked.tid}))
		require.NoError(t, m.End())
		assert.Len(t, m.Threads(), 1)
	})
}

// TestFollowNoLeaks: meters that followed threads release every map,
// program and link on Close.
func TestFollowNoLeaks(t *testing.T) {
	moreProcs(t)
	tracked := newWorker(t)
	window := func(m *Meter) {
		ch := newChain(t, 5, 1, false)
		defer ch.free()
		require.NoError(t, m.Begin([]int{tracked.tid}))
		startChain(t, tracked, ch)
		require.NoError(t, ch.wait(chainTimeout))
		require.NoError(t, m.End())
		assert.Len(t, m.Threads(), 2)
	}
	pidModes(t, func(t *testing.T) {
		// Warm up (lazy runtime/library state).
		m := openFollowing(t, Options{})
		window(m)
		require.NoError(t, m.Close())

		fds := countFDs(t)
		for range 10 {
			m, err := Open(Options{Method: Tracepoint})
			require.NoError(t, err)
			window(m)
			require.NoError(t, m.Close())
		}
		assert.LessOrEqual(t, countFDs(t), fds, "fds after 10 Open/Close")
	})
}
