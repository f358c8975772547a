// Package procfs reads per-process figures from Linux's /proc: resident
// memory and its peak, open file descriptors and per-thread scheduler
// statistics of this process, and when any process started. Every function
// returns an error wrapping errors.ErrUnsupported on systems other than
// Linux.
package procfs
