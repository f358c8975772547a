//go:build cgo

package workloads

import (
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocbench/allocbench/internal/accuracy"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/cgoalloc"
	"github.com/allocbench/allocbench/internal/results"
)

func TestMain(m *testing.M) {
	if err := cgoalloc.PrepareProcess(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestLookupAndParseList(t *testing.T) {
	w, err := Lookup("churn")
	require.NoError(t, err)
	assert.Equal(t, "churn", w.Name)

	_, err = Lookup("chrun")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"chrun"`)
	assert.Contains(t, err.Error(), "larson", "the error lists the valid names")

	all, err := ParseList("all")
	require.NoError(t, err)
	for _, w := range all {
		assert.False(t, w.Calibration, "all leaves out calibration workloads")
	}
	assert.Len(t, all, len(Names())-1)

	ws, err := ParseList("larson, churn,larson")
	require.NoError(t, err)
	require.Len(t, ws, 2)
	assert.Equal(t, "larson", ws[0].Name)
	assert.Equal(t, "churn", ws[1].Name)

	for _, bad := range []string{"", "churn,,larson", "churn,nope"} {
		_, err := ParseList(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestResolve(t *testing.T) {
	p, err := Churn.Resolve(Params{})
	require.NoError(t, err)
	assert.Equal(t, Churn.Defaults, p)

	p, err = Churn.Resolve(Params{MaxSize: 1024})
	require.NoError(t, err)
	assert.EqualValues(t, 4, p.MinSize)
	assert.EqualValues(t, 1024, p.MaxSize)

	cases := []struct {
		w    Workload
		p    Params
		want string
	}{
		{Churn, Params{MinSize: 100, MaxSize: 10}, "min size 100 is above max size 10"},
		{Churn, Params{MinSize: 64}, ""}, // 64 <= 32768: fine
		{Churn, Params{MaxSize: 2 << 30}, "above the limit"},
		{Churn, Params{Batch: 10}, "does not take Batch"},
		{Churn, Params{Slots: maxSlots + 1}, "Slots 16777217 is out of range"},
		{Mixed, Params{MinSize: 8}, "does not take MinSize"},
		{Mutex, Params{Hold: -1}, "must not be negative"},
		{Mutex, Params{Hold: 2 * maxHoldTime}, "at most"},
		{Larson, Params{HandOff: maxHandOff + 1}, "HandOff"},
	}
	for _, c := range cases {
		_, err := c.w.Resolve(c.p)
		if c.want == "" {
			assert.NoError(t, err, "%s %+v", c.w.Name, c.p)
			continue
		}
		if assert.Error(t, err, "%s %+v", c.w.Name, c.p) {
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), c.w.Name, "the error names the workload")
		}
	}
}

func TestValidateBadInput(t *testing.T) {
	good := Config{Workload: "churn", Alloc: "libc", Threads: 2, Ops: 10}
	_, _, err := good.Validate()
	require.NoError(t, err)

	cases := []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.Threads = 0 }, "thread count 0 is out of range (valid: 1..4096)"},
		{func(c *Config) { c.Threads = 4097 }, "thread count 4097"},
		{func(c *Config) { c.Threads = -3 }, "thread count -3"},
		{func(c *Config) { c.Ops = 0 }, "ops must be at least 1"},
		{func(c *Config) { c.Workload = "nope" }, `unknown workload "nope"`},
		{func(c *Config) { c.Params.MinSize, c.Params.MaxSize = 9, 3 }, "min size 9 is above max size 3"},
		{func(c *Config) { c.Samples = 1 << 25 }, "samples"},
	}
	for _, c := range cases {
		cfg := good
		c.mut(&cfg)
		_, err := Run(cfg)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
	_, err = Run(Config{Workload: "churn", Alloc: "ptmalloc9", Threads: 1, Ops: 10})
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), `unknown allocator "ptmalloc9"`)
		assert.Contains(t, err.Error(), "jemalloc")
	}
}

// available returns the allocators this process can use; with
// ALLOCBENCH_REQUIRE set, a missing one fails the test instead.
func available(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, info := range cgoalloc.Probe(alloc.Names()) {
		if info.Available() {
			names = append(names, info.Name)
			continue
		}
		if cgoalloc.Required(info.Name) {
			t.Errorf("allocator %s is required but cannot be used: %s", info.Name, info.Skipped)
		} else {
			t.Logf("skipping allocator %s: %s", info.Name, info.Skipped)
		}
	}
	return names
}

// TestEveryWorkloadEveryAllocator runs each workload briefly on each
// available allocator and checks integrity and that the figures are sane.
// It asserts no timing: only relations that hold on any machine.
func TestEveryWorkloadEveryAllocator(t *testing.T) {
	allocs := available(t)
	require.NotEmpty(t, allocs)
	for _, w := range catalogue {
		for _, a := range allocs {
			for _, threads := range []int{1, 3} {
				ops := uint64(20000)
				var params Params
				switch {
				case w.Name == "mutex":
					ops = 200
				case w.everyThread:
					// An op is one iteration of every thread: fewer,
					// with fewer writes each.
					ops, params = 2000, Params{Writes: 600}
				}
				cfg := Config{Workload: w.Name, Alloc: a, Threads: threads, Ops: ops, Params: params}
				res, err := Run(cfg)
				if w.CrossThread && a == alloc.Floor {
					require.Error(t, err)
					assert.True(t, IsSkip(err), "floor skips %s with a reason: %v", w.Name, err)
					continue
				}
				require.NoError(t, err, "%s/%s/%d", w.Name, a, threads)
				checkSane(t, cfg, w, res)
			}
		}
	}
}

func checkSane(t *testing.T, cfg Config, w Workload, res Result) {
	t.Helper()
	name := res.Workload + "/" + res.Alloc
	assert.Equal(t, cfg.Threads, len(res.Workers), name)
	assert.GreaterOrEqual(t, res.Ops(), cfg.Ops, "%s: every op requested ran", name)
	switch w.Name {
	case "mutex":
	case "mixed":
		// Blocks handed to the queue wait there, so a few fewer frees.
		assert.LessOrEqual(t, res.Frees(), res.Ops(), name)
		assert.GreaterOrEqual(t, float64(res.Frees()), 0.9*float64(res.Ops()), name)
	default:
		assert.Equal(t, res.Ops()*uint64(res.OpThreads), res.Frees()-extraFrees(w, cfg.Threads), "%s: every block allocated in the window was freed in it", name)
	}
	assert.Positive(t, res.Window, name)
	tids := map[int]bool{}
	for _, wk := range res.Workers {
		assert.Positive(t, wk.TID, name)
		tids[wk.TID] = true
		assert.Empty(t, wk.Err, name)
		assert.LessOrEqual(t, wk.Wall, res.Window, "%s: a thread's part lies inside the window", name)
		if wk.SchedstatKnown && accuracy.On() {
			// Slack for the clocks' different granularity.
			assert.LessOrEqual(t, float64(wk.OnCPU), float64(wk.Wall)*1.05+2e6, "%s: on-CPU time within wall time", name)
		}
	}
	assert.Len(t, tids, cfg.Threads, "%s: each worker ran on its own thread", name)
	if w.Name != "mutex" {
		assert.Positive(t, res.PeakLive, "%s: live bytes were counted", name)
	}
	require.Positive(t, res.Latency.Samples, name)
	assert.LessOrEqual(t, res.Latency.P50, res.Latency.P99, name)
	assert.LessOrEqual(t, res.Latency.P99, res.Latency.P999, name)
	byUnit := map[string]float64{}
	for _, m := range res.Metrics() {
		assert.False(t, math.IsNaN(m.Value) || math.IsInf(m.Value, 0) || m.Value < 0, "%s: %s = %v", name, m.Unit, m.Value)
		byUnit[m.Unit] = m.Value
	}
	for _, u := range []string{results.NsPerOp, results.CPUNsecPerOp, results.SysNsecPerOp, results.VcswPerOp, results.MinfltPerOp, results.P50Nsec, results.P99Nsec, results.P999Nsec, results.LatencySamples} {
		assert.Contains(t, byUnit, u, name)
	}
	assert.Equal(t, float64(res.Latency.Samples), byUnit[results.LatencySamples], name)
	if res.MemoryKnown {
		assert.Contains(t, byUnit, results.PeakRSSBytes, name)
		if res.PeakLive > 0 {
			assert.Equal(t, float64(res.PeakLive), byUnit[results.PeakLiveBytes], name)
		}
		// The kernel's RSS counters are summed per CPU and may lag by a
		// few pages, so the peak can read a little under the baseline.
		assert.GreaterOrEqual(t, float64(res.PeakRSS), float64(res.BaseRSS)-float64(1<<20), name)
	}
	// cpu-nsec/op is the workers' CPU time over the ops, and that time
	// cannot exceed their own parts of the window (each inside it, above),
	// with the same slack for the two clocks. (A bound of threads × ns/op
	// failed now and then on a VM: in a window of a fraction of a
	// millisecond, the thread CPU clock and the monotonic clock can
	// disagree by more than the window.)
	var cpu, most float64
	for _, wk := range res.Workers {
		cpu += float64(wk.CPU())
		most += float64(wk.Wall)*1.05 + 2e6
	}
	perOp := cpu / float64(res.Ops())
	assert.InDelta(t, perOp, byUnit[results.CPUNsecPerOp], 1e-9*perOp+1e-9, "%s: cpu-nsec/op is the workers' CPU time per op", name)
	if accuracy.On() {
		assert.LessOrEqual(t, cpu, most, "%s: CPU time within the threads' parts of the window", name)
	}
}

// extraFrees is the number of frees a workload makes in its window of
// blocks allocated before it: cache-scratch's handed-over first blocks.
func extraFrees(w Workload, threads int) uint64 {
	if w.Name == "cache-scratch" {
		return uint64(threads)
	}
	return 0
}

func TestBrokenAllocatorIsCaught(t *testing.T) {
	for _, w := range []string{"churn", "larson", "xmalloc", "threadtest", "realloc", "large", "mixed", "cache-thrash"} {
		for _, mode := range []faultyMode{faultyNull, faultyReuse, faultyInside} {
			if mode != faultyNull && w == "cache-thrash" {
				continue // it frees each block before the next malloc: nothing to overlap
			}
			if mode == faultyInside && w != "churn" && w != "larson" {
				continue // the check of live blocks' address ranges is theirs
			}
			f, err := newFaultyAllocator(mode, 97)
			require.NoError(t, err)
			ops := uint64(5000)
			if w == "churn" || w == "larson" || w == "xmalloc" {
				// These check blocks at sampled ops and when a
				// share ends (churn and larson: every live block's
				// address range), not at every op.
				ops = 200000
			}
			_, err = run(Config{Workload: w, Alloc: f.Name(), Threads: 2, Ops: ops}, f)
			require.Error(t, err, "%s on %s must fail", w, f.Name())
			msg := err.Error()
			assert.Contains(t, msg, "workload "+w, msg)
			assert.Contains(t, msg, "allocator "+f.Name(), msg)
			assert.Contains(t, msg, "thread ", msg)
			switch mode {
			case faultyNull:
				assert.Contains(t, msg, "returned NULL", msg)
			case faultyReuse:
				assert.Regexp(t, "lost its pattern|did not keep the contents|overlap", msg)
			case faultyInside:
				// A block 16 bytes into another is seen by its address
				// range, whatever the bytes say.
				assert.Regexp(t, "lost its pattern|overlap", msg)
			}
		}
	}
}

// TestDisjointCheckSeesOverlap runs churn and larson on an allocator that
// places a block inside the one before it, with latency sampling off so
// that only the address-range check of the live blocks can catch it.
func TestDisjointCheckSeesOverlap(t *testing.T) {
	for _, w := range []string{"churn", "larson"} {
		f, err := newFaultyAllocator(faultyInside, 97)
		require.NoError(t, err)
		_, err = run(Config{Workload: w, Alloc: f.Name(), Threads: 2, Ops: 200000, Samples: -1}, f)
		require.Error(t, err, w)
		assert.Contains(t, err.Error(), "overlap: the allocator handed out live memory twice", w)
	}
}

func TestSampling(t *testing.T) {
	capacity, mask := sampling(0, 1000)
	assert.EqualValues(t, DefaultSamples, capacity)
	assert.EqualValues(t, minSampleEvery-1, mask, "never denser than one op in %d", minSampleEvery)

	capacity, mask = sampling(100, 1_000_000)
	assert.EqualValues(t, 100, capacity)
	assert.LessOrEqual(t, uint64(1_000_000)/(mask+1), uint64(100), "samples fit the cap")
	assert.Zero(t, (mask+1)&mask, "spacing is a power of two")

	capacity, mask = sampling(-1, 1000)
	assert.Zero(t, capacity)
	assert.Equal(t, ^uint64(0), mask)

	res, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 1, Ops: 10000, Samples: -1})
	require.NoError(t, err)
	assert.Zero(t, res.Latency.Samples, "sampling off records nothing")
}

func TestQuantiles(t *testing.T) {
	var s []float64
	for i := 1; i <= 1000; i++ {
		s = append(s, float64(i))
	}
	q := quantiles(s)
	assert.Equal(t, 1000, q.Samples)
	assert.Equal(t, 500.0, q.P50)
	assert.Equal(t, 990.0, q.P99)
	assert.Equal(t, 999.0, q.P999)
	assert.Equal(t, Latency{}, quantiles(nil))
}

type recorder struct {
	begun, ended int
	tids         []int
}

func (r *recorder) Begin(tids []int) error { r.begun++; r.tids = tids; return nil }
func (r *recorder) End() error             { r.ended++; return nil }

func TestObserverSeesTheWorkers(t *testing.T) {
	rec := &recorder{}
	res, err := Run(Config{Workload: "churn", Alloc: "libc", Threads: 3, Ops: 3000, Observer: rec})
	require.NoError(t, err)
	assert.Equal(t, 1, rec.begun)
	assert.Equal(t, 1, rec.ended)
	require.Len(t, rec.tids, 3)
	for i, wk := range res.Workers {
		assert.Equal(t, wk.TID, rec.tids[i])
	}
}

// TestMixedRemoteShare checks that mixed frees the documented share of its
// medium-lived blocks on another thread (a count, not a time).
func TestMixedRemoteShare(t *testing.T) {
	for _, threads := range []int{2, 4} {
		res, err := Run(Config{Workload: "mixed", Alloc: alloc.Libc, Threads: threads, Ops: 400000})
		require.NoError(t, err)
		var medium, remote uint64
		for _, w := range res.Workers {
			medium += w.MediumFrees
			remote += w.RemoteFrees
		}
		require.Positive(t, medium)
		share := float64(remote) / float64(medium)
		assert.InDelta(t, 1.0/8, share, 0.01, "threads=%d: %d of %d medium-lived frees were remote", threads, remote, medium)
	}
	res, err := Run(Config{Workload: "mixed", Alloc: alloc.Libc, Threads: 1, Ops: 100000})
	require.NoError(t, err)
	assert.Zero(t, res.Workers[0].RemoteFrees, "one thread frees nothing remotely")
}

// TestGlibcRandSequence checks that churn's tables come from the sequence
// glibc's rand() gives, as bench-malloc-thread's do.
func TestGlibcRandSequence(t *testing.T) {
	for _, seed := range []uint32{1, 4141, 0} {
		bad, ok := glibcRandMismatches(seed, 100000)
		if !ok {
			t.Skip("the C library is not glibc: nothing to compare with")
		}
		assert.Zero(t, bad, "seed %d", seed)
	}
}

// TestLarsonGenerations checks the Larson–Krishnan protocol by counts: each
// worker's share runs in generations of Rounds × Slots ops, each on a new
// thread, and every op of the share runs.
func TestLarsonGenerations(t *testing.T) {
	cfg := Config{Workload: "larson", Alloc: alloc.Libc, Threads: 2, Ops: 2 * 10500,
		Params: Params{Slots: 100, Rounds: 10}}
	res, err := Run(cfg)
	require.NoError(t, err)
	for _, w := range res.Workers {
		assert.EqualValues(t, 10500, w.Ops)
		assert.Equal(t, 11, w.Generations, "10500 ops in generations of 1000")
	}
	res, err = Run(Config{Workload: "larson", Alloc: alloc.Libc, Threads: 3, Ops: 3000})
	require.NoError(t, err)
	for _, w := range res.Workers {
		assert.Equal(t, 1, w.Generations, "a share below one generation stays on the first thread")
	}
	// MinOps is enough for MinGenerations generations on every worker.
	ops := Larson.MinOps(2)
	res, err = Run(Config{Workload: "larson", Alloc: alloc.Libc, Threads: 2, Ops: ops})
	require.NoError(t, err)
	for _, w := range res.Workers {
		assert.Equal(t, MinGenerations, w.Generations, "%d ops", ops)
	}
	assert.Zero(t, Churn.MinOps(2), "churn shows its protocol in any run")
}

// TestRSSPerLiveByteIsStable measures the same cell five times for every
// allocator, the allocators taking turns, so that each one's runs come
// after the others' too: measured in a fresh process each time, the figure
// must not drift with the runs before it. A process's later runs report no
// memory at all rather than a figure that depends on them.
func TestRSSPerLiveByteIsStable(t *testing.T) {
	accuracy.Require(t)
	var names []string
	for _, a := range alloc.Names() {
		if _, err := cgoalloc.Open(a); err == nil || cgoalloc.Required(a) {
			names = append(names, a)
		}
	}
	// 100000 slots: a live set of some 7 MiB, far above page granularity.
	cfg := func(a string) Config {
		return Config{Workload: "churn", Alloc: a, Threads: 2, Ops: 2_000_000, Params: Params{Slots: 100000}}
	}
	vals := map[string][]float64{}
	for i := 0; i < 5; i++ {
		for _, a := range names {
			m, err := MeasureMemory(cfg(a))
			require.NoError(t, err, a)
			v := Result{}.WithMemory(m).RSSPerLiveByte()
			require.False(t, math.IsNaN(v), "%s: memory figures are measured", a)
			vals[a] = append(vals[a], v)
		}
	}
	for _, a := range names {
		lo, hi := slices.Min(vals[a]), slices.Max(vals[a])
		assert.LessOrEqual(t, hi, lo*1.10, "%s: five identical runs: %v", a, vals[a])
		assert.Greater(t, lo, 0.5, "%s: the allocator holds at least half of what it hands out", a)
	}

	// In this process, after a first run, a run reports no memory.
	_, err := Run(cfg(alloc.Libc))
	require.NoError(t, err)
	res, err := Run(cfg(alloc.Libc))
	require.NoError(t, err)
	assert.False(t, res.MemoryKnown, "a process's later runs leave memory to MeasureMemory")
	_, err = MeasureMemory(Config{Workload: "churn", Alloc: alloc.Libc, Threads: 0, Ops: 1})
	require.Error(t, err, "a bad Config fails before a process starts")
}

// TestRunFresh checks that RunFresh makes its run in another process, as
// that process's only run, and brings back the whole result: every op, the
// workers' own counts, latency samples, the futex method asked for, and no
// memory figures (a timed run writes nothing more into its blocks).
func TestRunFresh(t *testing.T) {
	before := runs.Load()
	self, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	for _, w := range []string{"churn", "larson", "xmalloc"} {
		cfg := Config{Workload: w, Alloc: alloc.Libc, Threads: 2, Ops: 300_000, Futex: FutexOff}
		res, err := RunFresh(cfg)
		require.NoError(t, err, w)
		assert.Equal(t, cfg.Ops, res.Ops(), w)
		assert.Equal(t, w, res.Workload)
		assert.Equal(t, alloc.Libc, res.Alloc)
		require.Len(t, res.Workers, 2, w)
		for _, wk := range res.Workers {
			assert.Positive(t, wk.Ops+wk.Frees, w)
			assert.Positive(t, wk.TID, w)
			for _, e := range self {
				assert.NotEqual(t, strconv.Itoa(wk.TID), e.Name(), "%s: worker %d ran in this process", w, wk.TID)
			}
		}
		assert.Positive(t, res.Window, w)
		assert.Positive(t, res.Latency.Samples, w)
		assert.False(t, res.MemoryKnown, "%s: a timed run reports no memory", w)
		assert.Nil(t, res.Futex, "%s: futex measurement was off", w)
	}
	assert.Equal(t, before, runs.Load(), "no run was made in this process")

	_, err = RunFresh(Config{Workload: "churn", Alloc: alloc.Libc, Threads: 1, Ops: 10, Observer: &recorder{}})
	require.ErrorContains(t, err, "Observer")
	_, err = RunFresh(Config{Workload: "churn", Alloc: alloc.Libc, Threads: 0, Ops: 1})
	require.Error(t, err, "a bad Config fails before a process starts")
	_, err = RunFresh(Config{Workload: "xmalloc", Alloc: alloc.Floor, Threads: 2, Ops: 1000})
	require.Error(t, err)
	assert.True(t, IsSkip(err), "a combination that cannot run is skipped in the child as here: %v", err)
}

// TestSamplesCoverTheWindow checks that latency samples stay spread over
// every record a thread makes, whatever their number: past the cap, every
// other sample is kept and then every other record.
func TestSamplesCoverTheWindow(t *testing.T) {
	for _, n := range []uint64{10, 64, 65, 1000, 123457} {
		kept := keptSamples(64, n)
		require.NotEmpty(t, kept, "n=%d", n)
		assert.LessOrEqual(t, len(kept), 64, "n=%d", n)
		if n <= 64 {
			assert.Len(t, kept, int(n))
			continue
		}
		assert.GreaterOrEqual(t, len(kept), 32, "n=%d: at least half the buffer", n)
		step := kept[1] - kept[0]
		for i := 1; i < len(kept); i++ {
			require.Equal(t, step, kept[i]-kept[i-1], "n=%d: evenly spaced", n)
		}
		assert.Greater(t, uint64(kept[len(kept)-1])+uint64(step), n-1, "n=%d: the last records are covered", n)
	}
	assert.Empty(t, keptSamples(0, 1000), "sampling off keeps nothing")
	// And in a run: the consumers of xmalloc record more than their share
	// of ops would suggest; they still keep samples.
	res, err := Run(Config{Workload: "xmalloc", Alloc: alloc.Libc, Threads: 2, Ops: 4_000_000, Samples: 64})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Latency.Samples, 32)
}

// Each workload of the catalogue has the C kernel registered under its
// name, and each registered kernel is a workload: the name is written once
// per language, in the kernel's AB_KERNEL line and the Go file's record.
func TestKernelsAreRegisteredOnce(t *testing.T) {
	names := kernelNames()
	assert.ElementsMatch(t, Names(), names)
	seen := map[string]bool{}
	for _, n := range names {
		assert.False(t, seen[n], "kernel %s is registered twice", n)
		seen[n] = true
	}
}
