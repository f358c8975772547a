package workloads

// Xmalloc is xmalloc-test of Lever and Boreham (2000), as mimalloc-bench
// runs it (`xmalloc-test -w T/2 -t 5 -s 64`): T/2 producer threads allocate
// batches of 4096 (ProducerBatch) 64-byte objects, writing min(size, 128)
// bytes of each, and queue them; T/2 consumer threads free every object of
// a batch and the batch itself, taking the batch queued last first (the
// original's batches form a stack). At most 100 (Backlog) full batches wait
// at once. A consumer with no batch, or a producer with the backlog full,
// sleeps until the other side signals, as at the original's condition
// variables. Every object is freed by another thread than the one that
// allocated it.
//
// With an odd thread count, one more thread produces a batch and consumes
// one in turn; with one thread, that thread frees its own batches, so
// nothing is freed remotely.
//
// Deviations: the original guards its stack with a mutex, sleeps at two
// condition variables and stops on a timer; here the stack is lock-free and
// a waiting thread sleeps in an eventfd, so futex time in a worker is the
// allocator's, and the CPU a thread spends waiting for the other side is
// kept out of cpu-nsec/op (idle-cpu-nsec/op shows it); the run ends after
// b.N objects.
// A sampled op's latency is the object's malloc plus its free.
var Xmalloc = register(Workload{
	Name:        "xmalloc",
	Doc:         "xmalloc-test: T/2 producers allocate 64 B objects in batches of 4096, T/2 consumers free them",
	CrossThread: true,
	Original:    "xmalloc-test (Lever & Boreham; mimalloc-bench: xmalloc-test -w T/2 -t 5 -s 64)",
	dist:        distUniform,
	fixedSize:   true,
})
