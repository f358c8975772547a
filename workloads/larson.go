package workloads

// Larson is the server simulation of Larson and Krishnan (1998), with the
// parameters mimalloc-bench runs it with (`larson 5 8 1000 5000 100 4141 T`:
// sizes 8..999 bytes, 5000 blocks per thread, 100 rounds, seed 4141). The
// coordinating thread allocates every block first, shuffles them and
// replaces each about four times; each worker then replaces random blocks of
// its own array (lran2 draws the slot and the size; two bytes are written
// into each new block), and after Rounds × Slots replacements starts a new
// thread that takes the array over and ends itself. So the first blocks are
// freed by another thread than the one that allocated them, and thread
// creation and exit happen inside the window, as in the original.
//
// Deviation: the original stops every thread when a timer fires; here each
// worker's chain of threads runs an equal share of the ops (b.N in total),
// and the last generation of a chain stops there.
var Larson = register(Workload{
	Name:        "larson",
	Doc:         "Larson–Krishnan server simulation: random replacement, thread generations taking arrays over",
	CrossThread: true,
	Generations: true,
	Original:    "larson (Larson & Krishnan; mimalloc-bench: larson 5 8 1000 5000 100 4141 T)",
	dist:        distUniform,
	seed:        4141,
	minBlock:    2,
})
