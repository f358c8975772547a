//go:build linux

package containers

import "syscall"

// detach unmounts the file system at dir lazily (MNT_DETACH): it is gone
// from the tree at once, and released when nothing uses it any more.
func detach(dir string) error { return syscall.Unmount(dir, syscall.MNT_DETACH) }
