//go:build !linux

package debsrc

import (
	"errors"
	"os"
)

// tryLock fails: the builds from Debian sources that share a cache
// directory run on Linux only.
func tryLock(f *os.File) (locked bool, err error) {
	return false, errors.New("building from Debian sources needs Linux; compare and report work everywhere")
}

func releaseLock(f *os.File) {}
