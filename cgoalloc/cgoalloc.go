// Package cgoalloc loads the allocators that package alloc describes and
// hands their entry points to the C workload kernels. The C library's malloc
// and the harness's floor allocator are part of the binary; the others (and
// a user's own library) are shared libraries, opened at run time in the same
// process through the entry points and hooks their records name, so that one
// binary compares them side by side.
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
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/allocbench/allocbench/alloc"
	"github.com/allocbench/allocbench/internal/elfinfo"
	"github.com/allocbench/allocbench/internal/sysinfo"
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

// staticSkipped lists the musl builds that were tried and failed when the
// linked-in libraries were built, with the reason ("tcmalloc: musl-gcc
// cannot compile C++: ...; tbbmalloc: ..."); the build sets it with -X
// (internal/infra/muslalloc's Libs.SkippedText).
var staticSkipped string

// staticSkipReason is the reason skipped gives for name, or "".
func staticSkipReason(name, skipped string) string {
	for _, part := range strings.Split(skipped, "; ") {
		if r, ok := strings.CutPrefix(part, name+": "); ok {
			return r
		}
	}
	return ""
}

func load(spec alloc.Spec) (*Allocator, error) {
	table := (*C.ab_allocator)(C.calloc(1, C.sizeof_ab_allocator))
	var info C.ab_load_info
	var rc C.int
	libc := Libc()
	switch {
	case spec.Kind == alloc.CLibrary:
		rc = C.ab_load_libc(table, &info)
	case spec.Kind == alloc.Harness:
		rc = C.ab_load_floor(table, &info)
	default:
		if load := staticLoaders[spec.Name]; load != nil {
			// Linked into this binary under the allocbench_static tag.
			rc = load(table, &info)
			break
		}
		files := spec.Sonames(release())
		if spec.User() {
			files = []string{spec.Path}
		}
		if libc.Static {
			C.free(unsafe.Pointer(table))
			// A musl build that was tried and failed (an allocator the
			// record expects to fail, or every one when the build of the
			// libraries failed as a whole) names its failure.
			if r := staticSkipReason(spec.Name, staticSkipped); libc.Name == "musl" && (spec.MuslSkip != "" || r != "") {
				why := spec.MuslSkip
				if r != "" {
					why = "its build was tried and failed: " + r
				}
				return nil, fmt.Errorf("%s: this binary is linked statically against musl and cannot load %s; it is not built for musl: %s",
					spec.Name, strings.Join(files, " or "), why)
			}
			return nil, fmt.Errorf("%s: this binary is linked statically against %s and cannot load %s (dynamic loading is not supported; build with -tags allocbench_static to link it in)",
				spec.Name, libc.Name, strings.Join(files, " or "))
		}
		var errs []string
		for _, file := range files {
			rc = loadShared(table, &info, spec, file)
			if rc == 0 {
				break
			}
			errs = append(errs, C.GoString(&info.error[0]))
		}
		if rc != 0 {
			C.free(unsafe.Pointer(table))
			return nil, fmt.Errorf("%s: %s%s", spec.Name, strings.Join(errs, "; "), loadHint(spec, errs, release()))
		}
	}
	if rc != 0 {
		C.free(unsafe.Pointer(table))
		return nil, fmt.Errorf("%s: %s", spec.Name, C.GoString(&info.error[0]))
	}
	version := C.GoString(&info.version[0])
	switch {
	case spec.Kind == alloc.CLibrary:
		version = libc.Name + " " + libc.Version
	case version == "":
		version = "unknown (no version function)"
	}
	library := C.GoString(&info.library[0])
	buildID := ""
	if strings.HasPrefix(library, "/") {
		buildID = elfinfo.BuildID(library)
	}
	return &Allocator{
		spec:  spec,
		table: table,
		info: alloc.Info{
			Name:     spec.Name,
			Version:  version,
			Library:  library,
			BuildID:  buildID,
			ServedBy: C.GoString(&info.served_by[0]),
		},
	}, nil
}

// hookKinds are the C shapes of package alloc's hook kinds.
var hookKinds = map[alloc.HookKind]C.int{
	alloc.NoHook:            C.AB_HOOK_NONE,
	alloc.VersionMallctl:    C.AB_VERSION_MALLCTL,
	alloc.VersionDigits:     C.AB_VERSION_DIGITS,
	alloc.VersionGperftools: C.AB_VERSION_GPERFTOOLS,
	alloc.VersionString:     C.AB_VERSION_STRING,
	alloc.TrimMallctl:       C.AB_TRIM_MALLCTL,
	alloc.TrimCollect:       C.AB_TRIM_COLLECT,
	alloc.TrimCall:          C.AB_TRIM_CALL,
}

// loadShared opens one file of a shared-library allocator through its
// record's entry points and hooks.
func loadShared(table *C.ab_allocator, info *C.ab_load_info, spec alloc.Spec, file string) C.int {
	vk, ok1 := hookKinds[spec.Version.Kind]
	tk, ok2 := hookKinds[spec.Trim.Kind]
	if !ok1 || !ok2 {
		setCString(info.error[:], fmt.Sprintf("unknown hook kind in the record of %s (version %q, trim %q)", spec.Name, spec.Version.Kind, spec.Trim.Kind))
		return -1
	}
	m, f, r := spec.Symbols()
	cstr := func(s string) *C.char { return C.CString(s) }
	args := []*C.char{cstr(file), cstr(m), cstr(f), cstr(r), cstr(spec.Version.Symbol), cstr(spec.Trim.Symbol)}
	defer func() {
		for _, p := range args {
			C.free(unsafe.Pointer(p))
		}
	}()
	return C.ab_load_shared(table, info, args[0], args[1], args[2], args[3], vk, args[4], tk, args[5])
}

// release is the distribution release this process runs on ("debian12"),
// or "" when it cannot tell.
func release() string { return sysinfo.Release() }

// loadHint turns the loader's errors into the step that fixes them.
func loadHint(spec alloc.Spec, errs []string, release string) string {
	all := strings.Join(errs, " ")
	switch {
	case strings.Contains(all, "static TLS"):
		return fmt.Sprintf(" (glibc reserves too little static TLS for it: call cgoalloc.PrepareProcess at program start, which re-executes the program with %s)", tlsTunable)
	case spec.User():
		return ""
	case strings.Contains(all, "No such file") || strings.Contains(all, "cannot open shared object"):
		if l, ok := spec.On(release); ok {
			return fmt.Sprintf(" (install the %s package, e.g. apt-get install %s, or your distribution's equivalent)", l.Package, l.Package)
		}
		var where []string
		for r, p := range spec.Packages() {
			where = append(where, r+": "+p)
		}
		sort.Strings(where)
		if len(where) > 0 {
			what := release
			if what == "" {
				what = "this distribution"
			}
			return fmt.Sprintf(" (%s ships no package of it; it is packaged on %s)", what, strings.Join(where, ", "))
		}
	}
	return ""
}

// setCString copies s into a C string buffer, cut to fit.
func setCString(dst []C.char, s string) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst))
	n := copy(b[:len(b)-1], s)
	b[n] = 0
}

// nop makes one empty cgo call, for the benchmark of the call's cost.
func nop() { C.ab_nop() }

// Buildable reports whether this build of the program can have the
// allocator at all: the libc's and floor always, the others when they are
// linked in (allocbench_static), or when the binary can open shared
// libraries and the allocator is packaged for this distribution release
// (any release, when it cannot be told). Whether their libraries are
// installed is Open's question.
func Buildable(name string) bool {
	spec, err := alloc.Lookup(name)
	if err != nil {
		return false
	}
	if !spec.Loadable() || staticLoaders[name] != nil {
		return true
	}
	if Libc().Static {
		return false
	}
	if r := release(); r != "" && !spec.User() {
		_, packaged := spec.On(r)
		return packaged
	}
	return true
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
