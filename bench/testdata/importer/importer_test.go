// Package importer is another module that runs allocbench's whole
// benchmark matrix, as the README and docs/benchmarks.md show, and workloads of its own choice
// with Run; tests of package bench run it.
package importer

import (
	"testing"

	"github.com/allocbench/allocbench/bench"
	"github.com/allocbench/allocbench/workloads"
)

func TestMain(m *testing.M)            { bench.Main(m) }
func BenchmarkAllocators(b *testing.B) { bench.Matrix(b) }

// BenchmarkMine leaves the futex method to Main.
func BenchmarkMine(b *testing.B) {
	bench.Run(b, workloads.Config{Workload: "churn", Alloc: "libc", Threads: 2})
}

// BenchmarkMisspelt names an allocator that does not exist.
func BenchmarkMisspelt(b *testing.B) {
	bench.Run(b, workloads.Config{Workload: "churn", Alloc: "jemaloc", Threads: 1})
}
