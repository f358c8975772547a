package cgoalloc

/*
#cgo LDFLAGS: -Wl,-undefined=__libc_version
#include "allocator.h"
*/
import "C"

import (
	"os/exec"
	"regexp"
	"sync"
)

// LibcInfo says which C library this binary runs on.
type LibcInfo struct {
	Name    string // "glibc" or "musl"
	Version string
	// Path is the shared object that holds the C library, or the executable
	// itself when it is linked statically.
	Path   string
	Static bool
}

var (
	libcOnce sync.Once
	libcInfo LibcInfo
)

// Libc identifies the C library of this binary: glibc through
// gnu_get_libc_version, musl through the version string in its libc.a (a
// static build) or its dynamic loader (a dynamic build).
func Libc() LibcInfo {
	libcOnce.Do(func() {
		var c C.ab_libc_info
		C.ab_libc_identify(&c)
		libcInfo = LibcInfo{
			Name:    C.GoString(&c.name[0]),
			Version: C.GoString(&c.version[0]),
			Path:    C.GoString(&c.path[0]),
			Static:  c.is_static != 0,
		}
		if libcInfo.Version == "" && libcInfo.Name == "musl" && !libcInfo.Static {
			libcInfo.Version = muslLoaderVersion(libcInfo.Path)
		}
		if libcInfo.Version == "" {
			libcInfo.Version = "unknown"
		}
	})
	return libcInfo
}

var muslVersionLine = regexp.MustCompile(`(?m)^Version ([0-9][^\s]*)`)

// muslLoaderVersion runs musl's dynamic loader, which prints its version
// when started with no arguments.
func muslLoaderVersion(loader string) string {
	out, _ := exec.Command(loader).CombinedOutput()
	if m := muslVersionLine.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return ""
}
