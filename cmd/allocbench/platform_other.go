//go:build !linux

package main

import (
	"fmt"
	"io/fs"
	"runtime"
)

// needLinux says that what (the main job, containers, fidelity) cannot
// run here: they build and run Linux test binaries and read /proc, mount
// namespaces, perf and BPF.
func needLinux(what string) error {
	return fmt.Errorf("%s needs Linux (this is %s); compare and report work everywhere", what, runtime.GOOS)
}

// fileOwner is not known here.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) { return 0, false }
