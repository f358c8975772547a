// Package procfs reads per-process figures from Linux's /proc: resident
// memory and its peak and open file descriptors of this process, and when
// any process started. (Per-thread scheduler statistics are read where they
// are used: by the workload harness's C code and by internal/futex.) Every function
// returns an error wrapping errors.ErrUnsupported on systems other than
// Linux.
package procfs
