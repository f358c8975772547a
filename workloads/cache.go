package workloads

// CacheThrash measures active false sharing: each op allocates an 8-byte
// block, writes into it 100 times (Writes) and frees it. An allocator that
// hands blocks on one cache line to different threads makes that line
// bounce between cores. A sampled op's latency is its malloc plus its free;
// the writes are not timed.
var CacheThrash = register(Workload{
	Name:     "cache-thrash",
	Doc:      "active false sharing: tiny per-thread blocks written in a loop",
	Defaults: Params{MinSize: 8, MaxSize: 8, Writes: 100},
	Uses:     []string{"MinSize", "MaxSize", "Writes"},
	dist:     distUniform,
})

// CacheScratch measures passive false sharing: the thread that sets up the
// run allocates one 8-byte block per worker, one after another so that they
// share cache lines, and hands them out. Each worker frees its block and
// then runs the cache-thrash loop; an allocator that reuses the freed block
// for the thread that freed it keeps the shared line in play. The first
// blocks are freed by other threads, so floor skips this workload.
var CacheScratch = register(Workload{
	Name:        "cache-scratch",
	Doc:         "passive false sharing: blocks from one thread freed by others, then reused",
	CrossThread: true,
	Defaults:    Params{MinSize: 8, MaxSize: 8, Writes: 100},
	Uses:        []string{"MinSize", "MaxSize", "Writes"},
	dist:        distUniform,
})
