package workloads

// Realloc grows buffers by doubling, as a Rust Vec or String or a C++ vector
// grows: each thread keeps 8 buffers (Buffers) at staggered stages, and each
// op takes the next one and doubles it with realloc, from 16 bytes
// (MinSize) up to 256 KiB (MaxSize); a buffer at full size is freed and
// started again at 16 bytes. An op is one realloc (which allocates and frees)
// or one free and malloc. The kernel checks that realloc kept the contents.
var Realloc = register(Workload{
	Name: "realloc",
	Doc:  "buffers grown by doubling realloc from 16 B to 256 KiB, then freed",
	dist: distUniform,
})
