package bench

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/allocbench/allocbench/cgoalloc"
)

func TestMain(m *testing.M) {
	if os.Getenv(referenceEnv) != "" {
		if err := cgoalloc.PrepareProcess(); err != nil {
			fmt.Fprintln(os.Stderr, "allocbench:", err)
		}
		flag.Parse()
		if err := referenceChild(); err != nil {
			fmt.Fprintln(os.Stderr, "allocbench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	Main(m)
}

// BenchmarkWorkloads runs every workload on every allocator at every thread
// count.
func BenchmarkWorkloads(b *testing.B) { Matrix(b) }
