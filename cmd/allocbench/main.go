// Command allocbench builds every libc × allocator variant of the benchmarks,
// runs the matrix cell by cell, each in its own process, and ends with a
// comparison table and the published claims checked against this machine.
//
// Usage:
//
//	allocbench [flags]                  run the matrix (see -h)
//	allocbench containers [flags]       run it in distribution containers
//	allocbench fidelity [flags]         check churn against glibc's bench-malloc-thread
//	allocbench compare [label=]file...  compare result files
//	allocbench report [label=]file...   write an HTML report
//	allocbench version                  print the version and revision
//	allocbench help [command]           show the help of allocbench or of a command
//
// The exit status is 0 on success, 1 on a failure, 2 for bad usage (in
// every command), 3 when some cells failed and 130 when a signal stopped
// the run. The main job, containers and fidelity need Linux; compare and
// report work everywhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "allocbench:", err)
		os.Exit(exitCode(err))
	}
}
