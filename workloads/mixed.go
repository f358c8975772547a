package workloads

// Mixed allocates short-, medium- and long-lived blocks at once. Half the ops
// allocate a short-lived block of 16..271 bytes and free it at once; 30 in 64
// put a block of 32..4127 bytes into a ring of 256, freeing the oldest; 2 in
// 64 replace a random one of 2048 long-lived blocks of 64..2111 bytes. One
// medium-lived block in 8 (PassOneIn) is passed to the next thread's inbox (a
// lock-free queue), and the thread that passes one on frees one from its own
// inbox: so one medium-lived free in 8 is made by another thread than the
// one that allocated the block, which the remote-free-pct metric reports
// (12.5 by default; 0 with one thread, whose inbox is its own). Sizes are
// uniform within each class.
var Mixed = register(Workload{
	Name:        "mixed",
	Doc:         "short-, medium- and long-lived blocks at once, some freed by other threads",
	CrossThread: true,
})
