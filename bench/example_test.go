package bench_test

import (
	"testing"

	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/workloads"
)

// Another project's benchmark runs a workload on an allocator with one
// call; it reports ns/op, CPU, off-CPU, context switches, page faults,
// memory and latency quantiles, and skips with the reason when the
// allocator is not installed.
func ExampleRun() {
	benchmarkLarsonMimalloc := func(b *testing.B) {
		bench.Run(b, workloads.Config{Workload: "larson", Alloc: "mimalloc", Threads: 4})
	}
	_ = benchmarkLarsonMimalloc
}
