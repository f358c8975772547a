//go:build !linux

package futex

import (
	"errors"
	"runtime"
)

var errNotLinux = errors.New("futex measurement needs Linux, not " + runtime.GOOS)

func openTracepoint(Options) (backend, string, error) { return nil, "", errNotLinux }

func openSampled(Options) (backend, error) { return nil, errNotLinux }

// Tracefs fails on systems other than Linux.
func Tracefs() (string, string, error) { return "", "", errNotLinux }
