//go:build !linux

package sysinfo

import "runtime"

// kernelVersion is only implemented on Linux.
func kernelVersion() string {
	return unknown("kernel version is only read on Linux, not " + runtime.GOOS)
}
