//go:build !linux

package containers

import "errors"

// detach fails: the Debian bases are built with debootstrap, on Linux
// only.
func detach(dir string) error {
	return errors.New("unmounting " + dir + " needs Linux; compare and report work everywhere")
}
