// Package cgoalloc loads the allocators that package alloc names and hands
// their entry points to the C workload kernels. The C library's malloc and the
// harness's floor allocator are part of the binary; jemalloc, mimalloc and
// tcmalloc are the system's shared libraries, opened at run time in the same
// process so that one binary compares them side by side.
//
// Every allocator is identified by what it reports about itself (its version)
// and by the object the dynamic linker resolves its entry points to, so a
// figure can never carry the wrong allocator's name.
package cgoalloc

/*
#cgo CFLAGS: -O2 -Wall -Wno-format-truncation
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "allocator.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/allocbench/allocbench/alloc"
)

// Allocator is an allocator loaded into this process. Allocators are loaded
// once and never unloaded; an Allocator is safe for concurrent use.
type Allocator struct {
	spec  alloc.Spec
	info  alloc.Info
	table *C.ab_allocator
}

// Name is the allocator's name in package alloc.
func (a *Allocator) Name() string { return a.spec.Name }

// Spec describes the allocator.
func (a *Allocator) Spec() alloc.Spec { return a.spec }

// Info says which version was loaded and from where.
func (a *Allocator) Info() alloc.Info { return a.info }

// Table is the C entry-point table (an ab_allocator, see allocator.h) that
// the workload kernels call through. It stays valid for the life of the
// process.
func (a *Allocator) Table() unsafe.Pointer { return unsafe.Pointer(a.table) }

// Trim asks the allocator to give cached free memory back to the system, so
// that a run's resident memory starts from a common floor.
func (a *Allocator) Trim() {
	C.ab_trim(a.table)
}

// SelfCheck exercises the allocator through its entry-point table on one
// locked thread: blocks of many sizes up to 4 MiB, aligned (16 bytes, 8 below
// 16 bytes) and usable
// to their last byte, realloc that keeps the contents, and free.
func (a *Allocator) SelfCheck() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var errbuf [256]C.char
	if C.ab_selfcheck(a.table, &errbuf[0], C.size_t(len(errbuf))) != 0 {
		return fmt.Errorf("allocator %s: %s", a.spec.Name, C.GoString(&errbuf[0]))
	}
	return nil
}

// staticLoaders fill the entry-point table of allocators linked into the
// binary; files built with the allocbench_static tag register them.
var staticLoaders = map[string]func(*C.ab_allocator, *C.ab_load_info) C.int{}

type loaded struct {
	once sync.Once
	a    *Allocator
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*loaded{}
)

// Open loads the allocator called name, or returns the reason it cannot be
// used in this process. The result is cached: a second call returns the same
// allocator or the same error.
func Open(name string) (*Allocator, error) {
	spec, err := alloc.Lookup(name)
	if err != nil {
		return nil, err
	}
	cacheMu.Lock()
	l := cache[name]
	if l == nil {
		l = &loaded{}
		cache[name] = l
	}
	cacheMu.Unlock()
	l.once.Do(func() { l.a, l.err = load(spec) })
	return l.a, l.err
}

// Probe tries to open each named allocator and reports what it found; an
// allocator that cannot be used carries the reason in Info.Skipped.
func Probe(names []string) []alloc.Info {
	infos := make([]alloc.Info, 0, len(names))
	for _, n := range names {
		a, err := Open(n)
		if err != nil {
			infos = append(infos, alloc.Info{Name: n, Skipped: err.Error()})
			continue
		}
		infos = append(infos, a.Info())
	}
	return infos
}

func load(spec alloc.Spec) (*Allocator, error) {
	table := (*C.ab_allocator)(C.calloc(1, C.sizeof_ab_allocator))
	var info C.ab_load_info
	var rc C.int
	libc := Libc()
	switch spec.Name {
	case alloc.Libc:
		rc = C.ab_load_libc(table, &info)
	case alloc.Floor:
		rc = C.ab_load_floor(table, &info)
	default:
		if load := staticLoaders[spec.Name]; load != nil {
			// Linked into this binary under the allocbench_static tag.
			rc = load(table, &info)
			break
		}
		if libc.Static {
			C.free(unsafe.Pointer(table))
			return nil, fmt.Errorf("%s: this binary is linked statically against %s and cannot load %s (dynamic loading is not supported; build with -tags allocbench_static to link it in)",
				spec.Name, libc.Name, strings.Join(spec.Sonames, " or "))
		}
		var errs []string
		for _, so := range spec.Sonames {
			cso := C.CString(so)
			switch spec.Name {
			case alloc.Jemalloc:
				rc = C.ab_load_jemalloc(table, &info, cso)
			case alloc.Mimalloc:
				rc = C.ab_load_mimalloc(table, &info, cso)
			case alloc.Tcmalloc:
				rc = C.ab_load_tcmalloc(table, &info, cso)
			default:
				rc = -1
				copy(unsafe.Slice((*byte)(unsafe.Pointer(&info.error[0])), len(info.error)-1),
					"no loader for "+spec.Name)
			}
			C.free(unsafe.Pointer(cso))
			if rc == 0 {
				break
			}
			errs = append(errs, C.GoString(&info.error[0]))
		}
		if rc != 0 {
			C.free(unsafe.Pointer(table))
			return nil, fmt.Errorf("%s: %s%s", spec.Name, strings.Join(errs, "; "), loadHint(spec, errs))
		}
	}
	if rc != 0 {
		C.free(unsafe.Pointer(table))
		return nil, fmt.Errorf("%s: %s", spec.Name, C.GoString(&info.error[0]))
	}
	version := C.GoString(&info.version[0])
	if spec.Name == alloc.Libc {
		version = libc.Name + " " + libc.Version
	}
	return &Allocator{
		spec:  spec,
		table: table,
		info: alloc.Info{
			Name:     spec.Name,
			Version:  version,
			Library:  C.GoString(&info.library[0]),
			ServedBy: C.GoString(&info.served_by[0]),
		},
	}, nil
}

// loadHint turns the loader's errors into the step that fixes them.
func loadHint(spec alloc.Spec, errs []string) string {
	all := strings.Join(errs, " ")
	switch {
	case strings.Contains(all, "static TLS"):
		return fmt.Sprintf(" (glibc reserves too little static TLS for it: call cgoalloc.PrepareProcess at program start, which re-executes the program with %s)", tlsTunable)
	case strings.Contains(all, "No such file") || strings.Contains(all, "cannot open shared object"):
		if spec.Package != "" {
			return fmt.Sprintf(" (install the %s package, e.g. apt-get install %s, or your distribution's equivalent)", spec.Package, spec.Package)
		}
	}
	return ""
}

// nop makes one empty cgo call, for the benchmark of the call's cost.
func nop() { C.ab_nop() }

// Buildable reports whether this build of the program can have the
// allocator at all: the libc's and floor always, the others when they are
// linked in (allocbench_static) or the binary can open shared libraries.
// Whether their libraries are installed is Open's question.
func Buildable(name string) bool {
	spec, err := alloc.Lookup(name)
	if err != nil {
		return false
	}
	return len(spec.Sonames) == 0 || staticLoaders[name] != nil || !Libc().Static
}

// RequireEnv names the environment variable that turns a missing allocator
// into a failure instead of a skip: "all", or a comma-separated list of
// allocator names. CI sets it so that it cannot pass by skipping.
const RequireEnv = "ALLOCBENCH_REQUIRE"

// Required reports whether RequireEnv names the allocator. "all" names every
// allocator this build can have (Buildable): a static binary cannot load
// shared libraries, so there "all" means the allocators linked in.
func Required(name string) bool {
	v := strings.TrimSpace(os.Getenv(RequireEnv))
	if v == "all" {
		return Buildable(name)
	}
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == name {
			return true
		}
	}
	return false
}
