package workloads

// Threadtest has each thread allocate a batch of 1000 (Batch) 8-byte blocks
// and then free the whole batch, over and over. A sampled op's latency is the
// block's malloc plus its free.
var Threadtest = register(Workload{
	Name: "threadtest",
	Doc:  "each thread allocates a batch of blocks, then frees the batch",
	dist: distUniform,
})
