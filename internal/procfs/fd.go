package procfs

import (
	"fmt"
	"os"
	"strconv"
)

const fdDir = "/proc/self/fd"

// OpenFDs returns the number of file descriptors the process has open, as
// listed in /proc/self/fd. The descriptor used to read that directory is
// not counted.
func OpenFDs() (int, error) {
	if err := checkLinux("OpenFDs"); err != nil {
		return 0, err
	}
	d, err := os.Open(fdDir)
	if err != nil {
		return 0, fmt.Errorf("procfs: count open fds: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return 0, fmt.Errorf("procfs: count open fds: read %s: %w", fdDir, err)
	}
	own := strconv.FormatUint(uint64(d.Fd()), 10)
	n := 0
	for _, name := range names {
		if name != own {
			n++
		}
	}
	return n, nil
}
