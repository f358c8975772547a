//go:build !linux

package program

import (
	"context"
	"fmt"
	"runtime"
)

// Measure needs Linux: LD_PRELOAD, /proc and ptrace as Linux has them.
func Measure(ctx context.Context, p *Plan, progress Progress) (*Result, error) {
	return nil, fmt.Errorf("allocbench exec needs Linux, not %s", runtime.GOOS)
}
