//go:build linux

package main

import (
	"io/fs"
	"syscall"
)

// needLinux returns nil: the main job, containers and fidelity run here.
func needLinux(what string) error { return nil }

// fileOwner returns the uid that owns a file.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
