//go:build linux

package program

import "golang.org/x/sys/unix"

func unixMajor(dev uint64) uint32 { return unix.Major(dev) }
func unixMinor(dev uint64) uint32 { return unix.Minor(dev) }
