//go:build cgo && allocbench_static

package cgoalloc

// With the allocbench_static build tag, jemalloc and mimalloc are linked into
// the binary instead of being opened at run time: a static musl binary cannot
// dlopen. Package internal/infra/muslalloc builds the two static libraries from
// Debian's source packages with musl-gcc; the build passes their directory in
// CGO_LDFLAGS and says which sources they came from with
//
//	-ldflags '... -X github.com/allocbench/allocbench/cgoalloc.staticSources=<Libs.Sources()>'
//
// Both libraries export prefixed entry points only (je_malloc, mi_malloc), so
// the C library's malloc stays the process's malloc.

/*
#cgo LDFLAGS: -ljemalloc -lmimalloc -lm -lpthread
#include <stdlib.h>
#include "allocator.h"

int ab_load_static_jemalloc(ab_allocator *a, ab_load_info *info);
int ab_load_static_mimalloc(ab_allocator *a, ab_load_info *info);
int ab_static_exercise(const ab_allocator *a, int rounds, char *err, size_t cap);
*/
import "C"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/allocbench/allocbench/alloc"
)

// staticSources says where the linked-in libraries came from, in the form
// internal/infra/muslalloc's Libs.Sources writes: "jemalloc 5.3.0-1 and mimalloc
// 2.0.9+ds-2, Debian sources built with musl-gcc 1.2.3". It is set at link
// time with -X.
var staticSources = "unknown sources"

func init() {
	staticLoaders[alloc.Jemalloc] = func(a *C.ab_allocator, info *C.ab_load_info) C.int {
		return finishStatic(alloc.Jemalloc, C.ab_load_static_jemalloc(a, info), info)
	}
	staticLoaders[alloc.Mimalloc] = func(a *C.ab_allocator, info *C.ab_load_info) C.int {
		return finishStatic(alloc.Mimalloc, C.ab_load_static_mimalloc(a, info), info)
	}
}

// finishStatic fills in the library field of a linked-in allocator from
// staticSources, and refuses an allocator whose own version contradicts the
// sources the build claims, so that a figure never carries the wrong name.
func finishStatic(name string, rc C.int, info *C.ab_load_info) C.int {
	if rc != 0 {
		return rc
	}
	version := C.GoString(&info.version[0])
	if err := checkStaticVersion(name, version, staticSources); err != nil {
		setCString(info.error[:], err.Error())
		return -1
	}
	setCString(info.library[:], staticLibrary(name, staticSources))
	return 0
}

var builtWith = regexp.MustCompile(`\bbuilt with (.+)$`)

// staticSourceVersion finds the Debian source version of name in sources
// ("jemalloc 5.3.0-1 and mimalloc 2.0.9+ds-2, ..."), or "".
func staticSourceVersion(name, sources string) string {
	m := regexp.MustCompile(`(?:^|[\s,])` + regexp.QuoteMeta(name) + ` ([0-9][^\s,]*)`).FindStringSubmatch(sources)
	if m == nil {
		return ""
	}
	return m[1]
}

// staticLibrary is the library field of a linked-in allocator, e.g.
// "static (Debian source jemalloc 5.3.0-1 built with musl-gcc 1.2.3)".
func staticLibrary(name, sources string) string {
	v := staticSourceVersion(name, sources)
	if v == "" {
		return "static (" + strings.Join(strings.Fields(sources), " ") + ")"
	}
	s := "static (Debian source " + name + " " + v
	if m := builtWith.FindStringSubmatch(sources); m != nil {
		s += " built with " + strings.TrimSpace(m[1])
	}
	return s + ")"
}

// checkStaticVersion compares the version an allocator reports with the
// upstream part of the source version the build names: jemalloc's
// "5.3.0-0-g54eaed1d" against "5.3.0-1", mimalloc's "2.0.9" against
// "2.0.9+ds-2".
func checkStaticVersion(name, reported, sources string) error {
	src := staticSourceVersion(name, sources)
	if src == "" {
		return nil
	}
	if i := strings.IndexByte(src, ':'); i >= 0 {
		src = src[i+1:]
	}
	upstream := src
	if i := strings.LastIndexByte(upstream, '-'); i >= 0 {
		upstream = upstream[:i]
	}
	end := 0
	for end < len(upstream) && (upstream[end] == '.' || upstream[end] >= '0' && upstream[end] <= '9') {
		end++
	}
	upstream = strings.TrimRight(upstream[:end], ".")
	if upstream == "" || reported == upstream || strings.HasPrefix(reported, upstream+"-") || strings.HasPrefix(reported, upstream+"+") {
		return nil
	}
	return fmt.Errorf("linked-in %s reports version %s, but the build says it comes from %s %s (rebuild with the -X ...staticSources value that internal/infra/muslalloc gives for these libraries)",
		name, reported, name, src)
}

// exerciseTable makes a few thousand malloc/realloc/free calls through the
// allocator's entry-point table and checks the blocks keep their contents.
func exerciseTable(a *Allocator, rounds int) error {
	var buf [256]C.char
	if C.ab_static_exercise(a.table, C.int(rounds), &buf[0], C.size_t(len(buf))) != 0 {
		return errors.New(a.Name() + ": " + C.GoString(&buf[0]))
	}
	return nil
}
