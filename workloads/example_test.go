//go:build cgo

package workloads_test

import (
	"fmt"

	"github.com/allocbench/allocbench/workloads"
)

// Run one workload on one allocator and read the result. The counts are
// exact; the times depend on the machine.
func ExampleRun() {
	res, err := workloads.Run(workloads.Config{
		Workload: "churn",
		Alloc:    "libc",
		Threads:  2,
		Ops:      100000,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Workload, res.Alloc, res.Threads, "threads")
	fmt.Println("ops:", res.Ops(), "frees:", res.Frees())
	fmt.Println("throughput measured:", res.OpsPerSec() > 0)
	// Output:
	// churn libc 2 threads
	// ops: 100000 frees: 100000
	// throughput measured: true
}
