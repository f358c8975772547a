package procfs

import (
	"errors"
	"fmt"
	"runtime"
)

// checkLinux reports an error for operation op when not running on Linux,
// where /proc/self has the layout this package reads.
func checkLinux(op string) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("procfs: %s: %w on %s (needs Linux /proc)", op, errors.ErrUnsupported, runtime.GOOS)
	}
	return nil
}
