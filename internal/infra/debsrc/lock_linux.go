//go:build linux

package debsrc

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes f's exclusive lock without waiting: locked is false with a
// nil error when another process holds it.
func tryLock(f *os.File) (locked bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		return false, nil
	}
	return false, err
}

func releaseLock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
