// Package procgroup runs a command in a process group of its own, so that
// cancelling it stops everything it started (make's compilers, a test
// binary's children), not the command alone.
package procgroup
