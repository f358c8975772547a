// Package procfs reads per-process figures from Linux's /proc/self:
// resident memory and its peak, open file descriptors, and per-thread
// scheduler statistics. Every function returns an error wrapping
// errors.ErrUnsupported on systems other than Linux.
package procfs
