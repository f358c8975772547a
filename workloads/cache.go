package workloads

// CacheThrash is Hoard's cache-thrash, with the parameters mimalloc-bench
// runs it with (`cache-thrash T 1000 1 2000000 T`): in each iteration every
// thread allocates a 1-byte object (MinSize), writes each byte and reads it
// back Writes/T times (2000000 in all, divided among the threads as the
// original does), and frees it. An allocator that gives two threads objects
// on one cache line makes that line bounce between cores: active false
// sharing.
//
// An op is one iteration of all threads (every thread runs b.N
// iterations), so the work per op is the same at every thread count and
// ns/op is the time of that fixed work: higher is worse, and the original's
// run time is 1000 × ns/op. A sampled op's latency is its malloc plus its
// free; the writes are not timed.
var CacheThrash = register(Workload{
	Name:        "cache-thrash",
	Doc:         "Hoard cache-thrash: per-thread 1-byte objects written over in a loop (active false sharing)",
	Original:    "cache-thrash (Hoard; mimalloc-bench: cache-thrash T 1000 1 2000000 T)",
	dist:        distUniform,
	fixedSize:   true,
	minBlock:    1,
	everyThread: true,
})

// CacheScratch is Hoard's cache-scratch (`cache-scratch T 1000 1 2000000
// T` in mimalloc-bench): as cache-thrash, but before the window the
// coordinating thread allocates one 1-byte object per worker, one right
// after another, and each worker frees its object first. An allocator that
// hands the freed object back to the thread that freed it keeps the shared
// cache line in play: passive false sharing. The first objects are freed by
// another thread than the one that allocated them, so floor skips this
// workload.
var CacheScratch = register(Workload{
	Name:        "cache-scratch",
	Doc:         "Hoard cache-scratch: objects from one thread freed by the workers, then their space reused (passive false sharing)",
	CrossThread: true,
	Original:    "cache-scratch (Hoard; mimalloc-bench: cache-scratch T 1000 1 2000000 T)",
	dist:        distUniform,
	fixedSize:   true,
	minBlock:    1,
	everyThread: true,
})
