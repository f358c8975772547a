//go:build cgo && linux

package futex

/*
#include "threadchain.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// threadChain drives the C thread chain of threadchain.h: real OS threads,
// each created by the previous one, for the tests of thread following.
type threadChain struct {
	c           *C.fx_chain
	generations int
	releaseFD   int // -1 unless the last thread is kept
}

// newThreadChain prepares a chain of generations threads making wakes
// FUTEX_WAKE calls each. With keepLast the last one stays alive until
// release.
func newThreadChain(generations, wakes int, keepLast bool) (*threadChain, error) {
	if generations < 1 || wakes < 0 {
		return nil, fmt.Errorf("thread chain of %d generations with %d wakes: need at least 1 generation and 0 wakes", generations, wakes)
	}
	ch := &threadChain{generations: generations, releaseFD: -1}
	keep := C.int(0)
	if keepLast {
		fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("eventfd: %w", err)
		}
		ch.releaseFD, keep = fd, 1
	}
	ch.c = C.fx_chain_new(C.int(generations), C.int(wakes), keep, C.int(ch.releaseFD))
	if ch.c == nil {
		ch.closeFD()
		return nil, errors.New("thread chain: out of memory")
	}
	return ch, nil
}

// start creates the first thread from the calling OS thread.
func (ch *threadChain) start() error {
	if e := C.fx_chain_start(ch.c); e != 0 {
		return fmt.Errorf("pthread_create: %w", unix.Errno(e))
	}
	return nil
}

// wait waits until every thread made its calls and created its successor,
// and every thread but a kept last one is gone.
func (ch *threadChain) wait(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for int(C.fx_chain_finished(ch.c)) < ch.generations {
		if e := C.fx_chain_err(ch.c); e != 0 {
			return fmt.Errorf("thread chain: %w", unix.Errno(e))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("thread chain: %d of %d threads finished after %v", C.fx_chain_finished(ch.c), ch.generations, timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
	if e := C.fx_chain_err(ch.c); e != 0 {
		return fmt.Errorf("thread chain: %w", unix.Errno(e))
	}
	if ch.releaseFD >= 0 {
		return nil
	}
	return waitGone(ch.tids()[ch.generations-1], time.Until(deadline))
}

// tids returns the threads' tids, in creation order, once wait returned.
func (ch *threadChain) tids() []int {
	n := int(C.fx_chain_finished(ch.c))
	out := make([]int, n)
	for k := range out {
		out[k] = int(C.fx_chain_tid(ch.c, C.int(k)))
	}
	return out
}

// release lets a kept last thread exit and waits until it is gone.
func (ch *threadChain) release(timeout time.Duration) error {
	if ch.releaseFD < 0 {
		return errors.New("thread chain: no thread kept")
	}
	var one [8]byte
	one[0] = 1 // little- or big-endian, any non-zero count wakes the reader
	if _, err := unix.Write(ch.releaseFD, one[:]); err != nil {
		return fmt.Errorf("eventfd write: %w", err)
	}
	return waitGone(ch.tids()[ch.generations-1], timeout)
}

// free releases the chain; its threads must be gone.
func (ch *threadChain) free() {
	C.fx_chain_free(ch.c)
	ch.c = nil
	ch.closeFD()
}

func (ch *threadChain) closeFD() {
	if ch.releaseFD >= 0 {
		unix.Close(ch.releaseFD)
		ch.releaseFD = -1
	}
}

// waitGone waits until thread tid of this process no longer exists.
func waitGone(tid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pid := unix.Getpid()
	for {
		err := unix.Tgkill(pid, tid, 0)
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("thread %d still exists after %v", tid, timeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// forkWithWakes forks a child process that makes wakes FUTEX_WAKE calls,
// from the calling OS thread, and waits for it.
func forkWithWakes(wakes int) error {
	switch e := C.fx_fork_wakes(C.int(wakes)); {
	case e == 0:
		return nil
	case e < 0:
		return errors.New("forked child failed")
	default:
		return fmt.Errorf("fork: %w", unix.Errno(e))
	}
}
