//go:build linux

package program

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The sampled estimate of futex time, for where the exact method cannot be
// opened: a goroutine walks the program's process tree at a fixed rate
// (each process's threads under /proc/PID/task, each thread's children in
// its children file) and reads each thread's /proc/.../syscall, which says
// whether it is running or blocked and in which system call. At the end,
// each thread's blocked time over the span it was seen (its lifetime
// less its on-CPU and run-queue time from schedstat) is split by the share
// of its blocked samples that found it in futex. A thread that lived
// between two samples is not seen, nor the part of a life before its first
// sample or after its last.

// sampleInterval is the sampler's period.
const sampleInterval = time.Millisecond

// futexSyscalls are the system calls that wait on a futex.
var futexSyscalls = map[int]bool{unix.SYS_FUTEX: true, 449 /* futex_waitv */ : true}

type sampledThread struct {
	first, last      time.Time
	cpu0, rq0        uint64
	cpu1, rq1        uint64
	off, futex, seen uint64
}

type sampler struct {
	root           int
	done, finished chan struct{}
	mu             sync.Mutex
	threads        map[string]*sampledThread
	err            error
}

func startSampler(pid int) *sampler {
	s := &sampler{root: pid, done: make(chan struct{}), finished: make(chan struct{}), threads: map[string]*sampledThread{}}
	go func() {
		defer close(s.finished)
		t := time.NewTicker(sampleInterval)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// sample reads every thread of the tree once.
func (s *sampler) sample() {
	now := time.Now()
	procs := []int{s.root}
	seen := map[int]bool{}
	for len(procs) > 0 {
		p := procs[0]
		procs = procs[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		dir := fmt.Sprintf("/proc/%d/task", p)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // exited
		}
		for _, e := range entries {
			tdir := dir + "/" + e.Name()
			if b, err := os.ReadFile(tdir + "/children"); err == nil {
				for _, f := range strings.Fields(string(b)) {
					if c, err := strconv.Atoi(f); err == nil {
						procs = append(procs, c)
					}
				}
			}
			sc, err := os.ReadFile(tdir + "/syscall")
			if err != nil {
				if os.IsPermission(err) {
					s.mu.Lock()
					s.err = err
					s.mu.Unlock()
				}
				continue
			}
			st, err := os.ReadFile(tdir + "/schedstat")
			if err != nil {
				continue
			}
			f := strings.Fields(string(st))
			if len(f) < 2 {
				continue
			}
			cpu, _ := strconv.ParseUint(f[0], 10, 64)
			rq, _ := strconv.ParseUint(f[1], 10, 64)
			s.mu.Lock()
			th := s.threads[tdir]
			if th == nil {
				th = &sampledThread{first: now, cpu0: cpu, rq0: rq}
				s.threads[tdir] = th
			}
			th.last, th.cpu1, th.rq1 = now, cpu, rq
			th.seen++
			words := strings.Fields(string(sc))
			if len(words) > 0 && words[0] != "running" {
				th.off++
				if nr, err := strconv.Atoi(words[0]); err == nil && futexSyscalls[nr] {
					th.futex++
				}
			}
			s.mu.Unlock()
		}
	}
}

// stop ends the sampling and returns the estimate.
func (s *sampler) stop() (time.Duration, error) {
	close(s.done)
	<-s.finished
	s.mu.Lock()
	defer s.mu.Unlock()
	var total time.Duration
	for _, th := range s.threads {
		if th.off == 0 || th.futex == 0 {
			continue
		}
		life := th.last.Sub(th.first)
		blocked := life - time.Duration(th.cpu1-th.cpu0) - time.Duration(th.rq1-th.rq0)
		if blocked <= 0 {
			continue
		}
		total += time.Duration(float64(blocked) * float64(th.futex) / float64(th.off))
	}
	if len(s.threads) == 0 && s.err != nil {
		return 0, fmt.Errorf("sampled futex estimate: %w", s.err)
	}
	return total, nil
}
