package main

import (
	"io"
	"os"
	"runtime/debug"

	"github.com/allocbench/allocbench/internal/analysis/claims"
	"github.com/allocbench/allocbench/internal/analysis/compare"
	"github.com/allocbench/allocbench/internal/analysis/report"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	limitMemory()
	return compare.RunWith(args, stdout, stderr, claims.Judge)
}

func runReport(args []string, stdout, stderr io.Writer) error {
	limitMemory()
	return report.Run(args, stdout, stderr)
}

// memoryLimit is the Go heap's soft limit for compare and report: near it
// the garbage collector works harder instead of letting the heap double, so
// that a million result lines stay under a gigabyte of resident memory.
const memoryLimit = 768 << 20

// limitMemory sets memoryLimit, unless GOMEMLIMIT says otherwise.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
