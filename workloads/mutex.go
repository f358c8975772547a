package workloads

// Mutex is a calibration workload with a known answer: it allocates nothing.
// The threads take one shared pthread mutex in turn, hold it for Hold of busy
// work and work Gap outside it. It checks the futex and off-CPU measurements
// rather than any allocator.
var Mutex = register(Workload{
	Name:        "mutex",
	Doc:         "calibration: threads contend on one mutex with a known hold time",
	CrossThread: false,
	Calibration: true,
})
