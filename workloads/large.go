package workloads

// Large replaces random blocks of 64 KiB to 4 MiB (uniform in the logarithm
// of the size) in 8 slots per thread (Slots), across the mmap threshold of
// most allocators. Only the first and last byte of a block are written, so
// each op faults in at most two pages.
var Large = register(Workload{
	Name: "large",
	Doc:  "random replacement of 64 KiB..4 MiB blocks, across the mmap threshold",
	dist: distLog,
})
