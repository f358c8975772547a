package program

import (
	"io"
	"sync"
)

// capped writes to w until cap bytes have gone through, then reads and
// drops the rest, so that a program that floods its output cannot fill
// the disk nor block on a full pipe.
type capped struct {
	mu        sync.Mutex
	w         io.Writer
	left      int64
	truncated bool
	err       error
}

func newCapped(w io.Writer, limit int64) *capped { return &capped{w: w, left: limit} }

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := int64(len(p))
	keep := min(n, c.left)
	if keep < n {
		c.truncated = true
	}
	if keep > 0 && c.err == nil {
		_, c.err = c.w.Write(p[:keep])
	}
	c.left -= keep
	// Always the whole of p: the program's pipe keeps draining.
	return len(p), nil
}

// Truncated reports whether output was dropped.
func (c *capped) Truncated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.truncated
}
