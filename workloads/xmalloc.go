package workloads

// Xmalloc splits the threads into producers (the larger half) and consumers.
// Producers allocate 64-byte blocks in batches of 256 (Batch) and pass each
// full batch through a lock-free queue; consumers check and free every block
// and hand the empty batch back. Every free is remote. Waiting for the other
// side spins and yields, never sleeps on a futex, so futex time in a worker
// is the allocator's. With one thread, the thread produces and then consumes
// each batch itself. A sampled op's latency is the block's malloc (in the
// producer) plus its free (in the consumer).
var Xmalloc = register(Workload{
	Name:        "xmalloc",
	Doc:         "producers allocate 64 B blocks, consumers free them, batches through a lock-free queue",
	CrossThread: true,
	Defaults:    Params{MinSize: 64, MaxSize: 64, Batch: 256},
	Uses:        []string{"MinSize", "MaxSize", "Batch"},
	dist:        distUniform,
})
