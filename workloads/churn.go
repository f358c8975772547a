package workloads

// Churn is the pattern of glibc's bench-malloc-thread. Each thread keeps
// 1024 live blocks (Slots); each op frees the block in a random slot and
// allocates a new one there, with sizes from 4 to 32768 bytes drawn with
// density proportional to 1/size² (most blocks are small, a few are large).
// Every block is freed by the thread that allocated it. The working set is
// filled before the window opens.
var Churn = register(Workload{
	Name:     "churn",
	Doc:      "random slot free+malloc, 4..32768 B with 1/size² density, 1024 live blocks per thread",
	Defaults: Params{MinSize: 4, MaxSize: 32768, Slots: 1024},
	Uses:     []string{"MinSize", "MaxSize", "Slots"},
	dist:     distInverseSquare,
})
