//go:build !cgo

package workloads

import "errors"

// errNoCgo is what every run returns in a build without cgo: the workloads
// are C kernels.
var errNoCgo = errors.New("the workloads are C kernels and need cgo: build with CGO_ENABLED=1 and a C compiler")

// Run fails in a build without cgo.
func Run(cfg Config) (Result, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	return Result{}, errNoCgo
}

// MeasureMemory fails in a build without cgo.
func MeasureMemory(cfg Config) (Memory, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return Memory{}, err
	}
	return Memory{}, errNoCgo
}

// RunFresh fails in a build without cgo.
func RunFresh(cfg Config) (Result, error) {
	if _, _, err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	return Result{}, errNoCgo
}
