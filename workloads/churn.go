package workloads

// Churn is glibc's benchtests/bench-malloc-thread (glibc 2.26 and later):
// each thread keeps a working set of 1024 (Slots) blocks, starting empty;
// each op frees the block in the next slot and allocates one of the next
// size there. Slots and sizes come from two tables drawn once from glibc's
// rand() with its default seed: 8000 sizes from 4 to 32768 bytes (MinSize,
// MaxSize) with density proportional to 1/size², and 4 × Slots slot
// numbers; every thread walks both tables from the start. Every block is
// freed by the thread that allocated it. The original writes nothing into
// the blocks, and neither does churn's loop, but for the first and last
// byte of one latency-sampled block at a time, checked at its free; the
// loop does the original's work per op (both indices advanced and wrapped,
// both tables read) and adds only a test of malloc's answer and a compare
// that finds the marked block.
//
// Deviation: the original stops every thread when a 10-second alarm fires
// and divides the summed thread times by the iterations; here each thread
// runs an equal share of b.N ops and the window runs from the first
// thread's start to the last one's end.
var Churn = register(Workload{
	Name:     "churn",
	Doc:      "glibc bench-malloc-thread: free+malloc over 1024 slots, 4..32768 B with 1/size² density, from fixed tables",
	Original: "bench-malloc-thread (glibc benchtests, 2.26+: bench-malloc-thread T)",
	dist:     distInverseSquare,
	seed:     1,
	minBlock: 1,
})
