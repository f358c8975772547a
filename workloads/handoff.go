package workloads

// Handoff simulates a server that passes its work between long-lived
// threads (the larson of earlier versions of this project, not the
// published protocol): threads replace random blocks (8 to 1000 bytes,
// uniform) in arrays of 1000 live blocks (Slots),
// and every HandOff ops a thread passes its array on through a lock-free
// queue and takes the oldest waiting one, so most blocks are freed by a
// thread other than the one that allocated them. There are two arrays per
// thread.
var Handoff = register(Workload{
	Name:        "handoff",
	Doc:         "server simulation: random replacement in slot arrays handed between threads",
	CrossThread: true,
	dist:        distUniform,
})
