//go:build linux

package sysinfo

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// kernelVersion returns the kernel release and version as "uname -r -v"
// prints them, falling back to /proc/sys/kernel if uname fails.
func kernelVersion() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		return strings.TrimSpace(unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Version[:]))
	}
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return unknown(err.Error())
	}
	version, err := os.ReadFile("/proc/sys/kernel/version")
	if err != nil {
		return unknown(err.Error())
	}
	return strings.TrimSpace(strings.TrimSpace(string(release)) + " " + strings.TrimSpace(string(version)))
}
