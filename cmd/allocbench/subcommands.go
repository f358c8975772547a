package main

import (
	"os"
	"runtime/debug"
)

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
