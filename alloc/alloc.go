// Package alloc names the memory allocators allocbench measures, says where
// each one comes from, and parses a user's choice of them. It is pure Go: the
// cgo side that loads an allocator lives in package cgoalloc.
package alloc

import (
	"fmt"
	"strings"
)

// The allocators allocbench knows.
const (
	// Libc is the malloc of the C library the binary is linked against:
	// glibc's ptmalloc in a dynamic glibc build, mallocng in a musl build.
	Libc = "libc"
	// Jemalloc is the distribution's libjemalloc, loaded at run time.
	Jemalloc = "jemalloc"
	// Mimalloc is the distribution's libmimalloc, loaded at run time.
	Mimalloc = "mimalloc"
	// Tcmalloc is gperftools' libtcmalloc_minimal, loaded at run time.
	Tcmalloc = "tcmalloc"
	// Floor is a trivial per-thread allocator inside the harness. Its rows
	// show what the harness itself costs per operation.
	Floor = "floor"
)

// Spec describes one allocator: where its code comes from and which entry
// points the workloads call.
type Spec struct {
	Name string
	// Doc is a one-line description for help texts.
	Doc string
	// Sonames are the shared libraries tried in order; empty for Libc and
	// Floor, which are part of the binary.
	Sonames []string
	// Malloc, Free and Realloc are the library's own entry points, looked up
	// in that library alone so that the process's malloc stays the libc's.
	Malloc, Free, Realloc string
	// Package is the Debian package that ships the library.
	Package string
	// CrossThreadFree is false for an allocator that cannot take a block
	// freed by a thread other than the one that allocated it; workloads that
	// free across threads skip it.
	CrossThreadFree bool
}

var specs = []Spec{
	{
		Name:            Libc,
		Doc:             "malloc of the C library the binary is linked against (glibc or musl)",
		Malloc:          "malloc",
		Free:            "free",
		Realloc:         "realloc",
		CrossThreadFree: true,
	},
	{
		Name:            Jemalloc,
		Doc:             "jemalloc, loaded from the system's shared library",
		Sonames:         []string{"libjemalloc.so.2"},
		Malloc:          "malloc",
		Free:            "free",
		Realloc:         "realloc",
		Package:         "libjemalloc2",
		CrossThreadFree: true,
	},
	{
		Name: Mimalloc,
		Doc:  "mimalloc, loaded from the system's shared library",
		// mimalloc 2 on Debian 12 and Ubuntu 24.04, mimalloc 3 on Debian 13.
		Sonames:         []string{"libmimalloc.so.2", "libmimalloc.so.3"},
		Malloc:          "mi_malloc",
		Free:            "mi_free",
		Realloc:         "mi_realloc",
		Package:         "libmimalloc2.0",
		CrossThreadFree: true,
	},
	{
		Name:            Tcmalloc,
		Doc:             "gperftools tcmalloc (minimal), loaded from the system's shared library",
		Sonames:         []string{"libtcmalloc_minimal.so.4"},
		Malloc:          "tc_malloc",
		Free:            "tc_free",
		Realloc:         "tc_realloc",
		Package:         "libtcmalloc-minimal4",
		CrossThreadFree: true,
	},
	{
		Name:            Floor,
		Doc:             "per-thread free lists inside the harness: the harness's own cost per operation",
		Malloc:          "floor_malloc",
		Free:            "floor_free",
		Realloc:         "floor_realloc",
		CrossThreadFree: false,
	},
}

// All returns every known allocator, in the order tables show them.
func All() []Spec {
	out := make([]Spec, len(specs))
	copy(out, specs)
	return out
}

// Names returns the names of every known allocator, in table order.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the allocator called name.
func Lookup(name string) (Spec, error) {
	for _, s := range specs {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("unknown allocator %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// ParseList parses a comma-separated list of allocator names, or "all".
// Duplicates are dropped; the result keeps table order.
func ParseList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty allocator list (valid: all, or a comma-separated list of %s)", strings.Join(Names(), ", "))
	}
	if s == "all" {
		return Names(), nil
	}
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if _, err := Lookup(f); err != nil {
			return nil, err
		}
		want[f] = true
	}
	var out []string
	for _, n := range Names() {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Info is what was found about one allocator in this process.
type Info struct {
	Name string
	// Version is the version the allocator reports about itself.
	Version string
	// Library is the file the allocator was loaded from ("" when it is part
	// of the binary).
	Library string
	// ServedBy is the object that really serves the entry points the
	// workloads call, as the dynamic linker resolved them.
	ServedBy string
	// Skipped, when not empty, says why the allocator cannot be used here.
	Skipped string
}

// Available reports whether the allocator can be used in this process.
func (i Info) Available() bool { return i.Skipped == "" }

// ConfigKey is the benchfmt configuration key for the allocator.
func (i Info) ConfigKey() string { return "alloc-" + i.Name }

// ConfigValue is the benchfmt configuration value: the version and where it
// came from, or why it was skipped.
func (i Info) ConfigValue() string {
	if i.Skipped != "" {
		return "skipped: " + oneLine(i.Skipped)
	}
	v := i.Version
	if i.Library != "" {
		v += " library=" + i.Library
	}
	if i.ServedBy != "" {
		v += " served-by=" + i.ServedBy
	}
	return oneLine(v)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
