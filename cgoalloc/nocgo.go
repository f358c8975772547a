//go:build !cgo

package cgoalloc

import (
	"errors"
	"unsafe"

	"github.com/allocbench/allocbench/alloc"
)

// ErrNoCgo is returned by every loader in a build without cgo.
var ErrNoCgo = errors.New("allocbench measures C allocators and needs cgo: build with CGO_ENABLED=1 and a C compiler")

// Allocator is an allocator loaded into this process.
type Allocator struct{ spec alloc.Spec }

func (a *Allocator) Name() string     { return a.spec.Name }
func (a *Allocator) Spec() alloc.Spec { return a.spec }
func (a *Allocator) Info() alloc.Info {
	return alloc.Info{Name: a.spec.Name, Skipped: ErrNoCgo.Error()}
}
func (a *Allocator) Table() unsafe.Pointer { return nil }
func (a *Allocator) Trim()                 {}
func (a *Allocator) SelfCheck() error      { return ErrNoCgo }

// Open always fails without cgo.
func Open(name string) (*Allocator, error) {
	if _, err := alloc.Lookup(name); err != nil {
		return nil, err
	}
	return nil, ErrNoCgo
}

// Probe reports every allocator as skipped.
func Probe(names []string) []alloc.Info {
	infos := make([]alloc.Info, len(names))
	for i, n := range names {
		infos[i] = alloc.Info{Name: n, Skipped: ErrNoCgo.Error()}
	}
	return infos
}

// LibcInfo says which C library this binary runs on.
type LibcInfo struct {
	Name, Version, Path string
	Static              bool
}

// Libc cannot identify the C library without cgo.
func Libc() LibcInfo { return LibcInfo{Name: "none", Version: "no cgo"} }

// PrepareProcess has nothing to do without cgo.
func PrepareProcess() error { return nil }

// Buildable is false for every allocator without cgo.
func Buildable(name string) bool { return false }

// RequireEnv names the environment variable that turns a missing allocator
// into a failure instead of a skip.
const RequireEnv = "ALLOCBENCH_REQUIRE"

// Required is false without cgo: nothing can be had.
func Required(name string) bool { return false }
