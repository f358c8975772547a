//go:build cgo

package workloads

/*
#cgo CFLAGS: -I${SRCDIR}/../cgoalloc
#include <stdlib.h>
#include "faulty.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/allocbench/allocbench/alloc"
)

// faultyAllocator is a broken allocator for the tests that check the kernels
// catch what a broken allocator does: every every-th malloc returns NULL
// (reuse false) or the previous block again (reuse true). Only one exists at
// a time; a later call reconfigures it.
type faultyAllocator struct {
	table *C.ab_allocator
	name  string
}

// A faultyMode is how a faulty allocator breaks.
type faultyMode int

const (
	faultyNull   faultyMode = C.AB_FAULTY_NULL   // malloc returns NULL
	faultyReuse  faultyMode = C.AB_FAULTY_REUSE  // malloc returns the previous block again
	faultyInside faultyMode = C.AB_FAULTY_INSIDE // malloc returns an address inside the previous block
)

func (m faultyMode) String() string {
	switch m {
	case faultyNull:
		return "null"
	case faultyReuse:
		return "reuse"
	case faultyInside:
		return "inside"
	}
	return fmt.Sprintf("faultyMode(%d)", int(m))
}

func newFaultyAllocator(m faultyMode, every uint64) (*faultyAllocator, error) {
	mode, name := C.int(m), "faulty-"+m.String()
	t := (*C.ab_allocator)(C.calloc(1, C.sizeof_ab_allocator))
	if C.ab_faulty_init(t, mode, C.uint64_t(every)) != 0 {
		C.free(unsafe.Pointer(t))
		return nil, fmt.Errorf("mapping the faulty allocator's arena failed")
	}
	return &faultyAllocator{table: t, name: name}, nil
}

func (f *faultyAllocator) Name() string { return f.name }
func (f *faultyAllocator) Spec() alloc.Spec {
	return alloc.Spec{Name: f.name, CrossThreadFree: true}
}
func (f *faultyAllocator) Table() unsafe.Pointer { return unsafe.Pointer(f.table) }
func (f *faultyAllocator) Trim()                 {}
