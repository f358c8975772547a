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

func newFaultyAllocator(reuse bool, every uint64) (*faultyAllocator, error) {
	mode := C.int(C.AB_FAULTY_NULL)
	name := "faulty-null"
	if reuse {
		mode, name = C.AB_FAULTY_REUSE, "faulty-reuse"
	}
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
