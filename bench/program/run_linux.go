//go:build linux

package program

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/allocbench/allocbench/internal/futex"
)

// runner runs the program, one run at a time.
type runner struct {
	o     Options
	meter *futex.Meter // nil: futex time not measured
	// trace is set while a run can start stopped at its first
	// instruction (ptrace), so that the futex window opens before the
	// program runs; cleared when ptrace is refused here.
	trace bool
	// sampled estimates futex time by sampling (no meter).
	sampled bool
}

// spawn is how one run is started.
type spawn struct {
	cell   Cell
	env    []string // added to the environment
	stdout io.Writer
	stderr io.Writer
	// measure opens a futex window for the run.
	measure bool
	// watch polls the memory map for the preloaded library.
	watch bool
}

// environ is the environment of a run of cell: this process's, without
// LD_PRELOAD, with the options' and the cell's.
func (r *runner) environ(c Cell, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LD_PRELOAD=") || strings.HasPrefix(kv, "LD_DEBUG=") || strings.HasPrefix(kv, "LD_DEBUG_OUTPUT=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, r.o.Env...)
	if c.Alloc.Preloads() {
		env = append(env, "LD_PRELOAD="+c.Alloc.Library)
	}
	return append(env, extra...)
}

// prepare runs the -prepare command, its output to the run's files.
func (r *runner) prepare(ctx context.Context, s spawn) error {
	if r.o.Prepare == "" {
		return nil
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", r.o.Prepare)
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("-prepare %q failed: %v", r.o.Prepare, err)
	}
	return nil
}

// run makes one run.
func (r *runner) run(ctx context.Context, s spawn) Run {
	out := Run{ExitCode: -1}
	if err := r.prepare(ctx, s); err != nil {
		out.Err = err.Error()
		return out
	}
	cmd := exec.Command(s.cell.Binary.Path, r.o.Args...)
	cmd.Env = r.environ(s.cell, s.env)
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	if r.o.Input != "" {
		f, err := os.Open(r.o.Input)
		if err != nil {
			out.Err = fmt.Sprintf("input: %v", err)
			return out
		}
		defer f.Close()
		cmd.Stdin = f
	}
	// Output left in a pipe by a child that outlived the program is
	// given up a second after the group is killed.
	cmd.WaitDelay = time.Second

	measure := s.measure && r.meter != nil
	// The whole run is on one OS thread: with ptrace, the thread that
	// started the program is its tracer.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	traced := r.trace
	start, err := r.start(cmd, traced, measure)
	if err != nil && traced && errors.Is(err, errNoTrace) {
		// ptrace is refused here: run without it from now on.
		r.trace, traced = false, false
		cmd = cloneCmd(cmd)
		start, err = r.start(cmd, false, false)
	}
	if err != nil {
		out.Err = err.Error()
		return out
	}
	measure = measure && traced
	pid := cmd.Process.Pid
	ownPeak := selfPeakRSS()

	var timedOut atomic.Bool
	var timer *time.Timer
	if r.o.Timeout > 0 {
		timer = time.AfterFunc(r.o.Timeout, func() {
			timedOut.Store(true)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		})
	}
	stopCtx := context.AfterFunc(ctx, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })

	var w *watcher
	if s.watch && s.cell.Alloc.Preloads() {
		w = watch(pid, s.cell.Alloc.Library)
	}
	var smp *sampler
	if s.measure && r.sampled {
		smp = startSampler(pid)
	}

	var hwm int64
	var end time.Time
	var werr error
	if traced {
		end, hwm, werr = followExit(pid)
	} else {
		end, werr = waitExit(pid)
	}
	if w != nil {
		w.stop()
	}
	if smp != nil {
		d, err := smp.stop()
		if err != nil && werr == nil {
			werr = err
		}
		out.Futex, out.FutexMethod = d, "sampled"
	}
	if timer != nil {
		timer.Stop()
	}
	stopCtx()
	// What is left of the group (children that outlived the program)
	// is killed before the program is reaped, so the group's id cannot
	// have been reused.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if measure {
		out.Futex, out.FutexCalls, out.FutexMethod = r.endFutex()
	}
	waitErr := cmd.Wait()
	out.Wall = end.Sub(start)
	out.TimedOut = timedOut.Load()
	if werr != nil {
		out.Err = werr.Error()
	}
	ps := cmd.ProcessState
	if ps == nil {
		if out.Err == "" && waitErr != nil {
			out.Err = waitErr.Error()
		}
		return out
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = unix.SignalName(ws.Signal())
		if out.Signal == "" {
			out.Signal = ws.Signal().String()
		}
	} else {
		out.ExitCode = ps.ExitCode()
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		out.User = time.Duration(ru.Utime.Nano())
		out.Sys = time.Duration(ru.Stime.Nano())
		out.Vcsw, out.Ivcsw = ru.Nvcsw, ru.Nivcsw
		out.Minflt, out.Majflt = ru.Minflt, ru.Majflt
		out.MaxRSS, out.MaxRSSNote = peakRSS(ru.Maxrss*1024, hwm, ownPeak)
	}
	if w != nil {
		out.Verified, out.Mislabelled = w.result()
	}
	return out
}

// peakRSS makes the run's peak RSS from wait4's (ru, the peak of the
// program and of the children it waited for), the program's own at its
// exit (hwm, 0 when not seen) and allocbench's own (own). The kernel
// charges a child, at its execve, the peak of the memory it was forked
// from, allocbench's: a wait4 peak at or below own cannot be told from
// that, and the program's own at its exit is what is left.
func peakRSS(ru, hwm, own int64) (int64, string) {
	if own <= 0 || ru > own {
		return max(ru, hwm), ""
	}
	if hwm > 0 {
		return hwm, ""
	}
	return 0, fmt.Sprintf("peak RSS %d bytes is not above allocbench's own peak (%d bytes), which the kernel charges to a child at its execve, and the program's exit was not seen: its own is at most that", ru, own)
}

// errNoTrace marks a start that ptrace refused.
var errNoTrace = errors.New("ptrace refused")

// cloneCmd is a fresh command like cmd, for a second start.
func cloneCmd(cmd *exec.Cmd) *exec.Cmd {
	c := exec.Command(cmd.Path, cmd.Args[1:]...)
	c.Env, c.Stdin, c.Stdout, c.Stderr, c.WaitDelay = cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.WaitDelay
	return c
}

// start starts cmd in a process group of its own, killed when allocbench
// dies; the caller's goroutine is locked to its thread. With traced, the
// program stops at its first instruction (PTRACE_TRACEME stops it after
// execve); with measure, the futex window opens on it there, so that
// every thread and child it creates is followed; then it runs, traced
// only for its exit (PTRACE_O_TRACEEXIT), where followExit reads its peak
// memory. start is when the program began running.
func (r *runner) start(cmd *exec.Cmd, traced, measure bool) (time.Time, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Ptrace: traced}
	if !traced {
		t := time.Now()
		if err := cmd.Start(); err != nil {
			return t, fmt.Errorf("starting %s: %w", cmd.Path, err)
		}
		return t, nil
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return time.Time{}, fmt.Errorf("starting %s traced: %w: %w", cmd.Path, errNoTrace, err)
		}
		return time.Time{}, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	pid := cmd.Process.Pid
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			return time.Time{}, fmt.Errorf("waiting for %s to stop at its start: %w", cmd.Path, err)
		}
		break
	}
	if !ws.Stopped() {
		return time.Time{}, fmt.Errorf("%s ended before its first instruction (wait status %#x)", cmd.Path, uint32(ws))
	}
	var berr error
	if measure {
		berr = r.meter.Begin([]int{pid})
	}
	if err := unix.PtraceSetOptions(pid, unix.PTRACE_O_TRACEEXIT); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return time.Time{}, fmt.Errorf("tracing %s: %w", cmd.Path, err)
	}
	t := time.Now()
	if err := unix.PtraceCont(pid, 0); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		if measure && berr == nil {
			_ = r.meter.End()
		}
		return t, fmt.Errorf("letting %s go after its start: %w", cmd.Path, err)
	}
	if berr != nil {
		return t, fmt.Errorf("futex window: %w", berr)
	}
	return t, nil
}

// followExit waits, as the tracer of pid, for it to exit, without
// reaping it. Signals that stop it on their way are passed on; at its
// exit stop its peak resident memory (VmHWM, bytes) is read and it is let
// go. end is when it had exited.
func followExit(pid int) (end time.Time, hwm int64, err error) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return time.Now(), hwm, err
		}
		if info.Code != cldTrapped {
			return time.Now(), hwm, nil
		}
		status := siginfoStatus(&info)
		switch sig := syscall.Signal(status & 0xff); {
		case status>>8 == unix.PTRACE_EVENT_EXIT:
			hwm = peakOf(pid)
			_ = unix.PtraceDetach(pid)
		case sig == syscall.SIGSTOP || sig == syscall.SIGTSTP || sig == syscall.SIGTTIN || sig == syscall.SIGTTOU:
			// A group stop has no signal to pass on.
			if groupStop(pid) {
				sig = 0
			}
			_ = unix.PtraceCont(pid, int(sig))
		default:
			_ = unix.PtraceCont(pid, int(sig))
		}
	}
}

// cldTrapped is si_code CLD_TRAPPED: a traced child stopped.
const cldTrapped = 4

// siginfoStatus is the si_status of a SIGCHLD siginfo: after si_pid and
// si_uid in the union that follows si_signo, si_errno and si_code (and,
// on 64-bit systems, padding to 8 bytes).
func siginfoStatus(info *unix.Siginfo) int32 {
	off := uintptr(12)
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	return *(*int32)(unsafe.Add(unsafe.Pointer(info), off+8))
}

// groupStop reports whether the traced pid is in a group stop, not a
// signal's delivery stop: PTRACE_GETSIGINFO fails with EINVAL then.
func groupStop(pid int) bool {
	var buf [128]byte
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(pid), 0, uintptr(unsafe.Pointer(&buf[0])), 0, 0)
	return e == unix.EINVAL
}

// peakOf is a process's peak resident memory in bytes (VmHWM), 0 when
// unknown.
func peakOf(pid int) int64 { return readHWM(fmt.Sprintf("/proc/%d/status", pid)) }

// endFutex closes the run's futex window and sums every thread of the
// program's tree.
func (r *runner) endFutex() (time.Duration, uint64, string) {
	if err := r.meter.End(); err != nil {
		return 0, 0, ""
	}
	var d time.Duration
	var calls uint64
	for _, t := range r.meter.Threads() {
		d += t.Futex
		calls += t.Calls
	}
	return d, calls, string(r.meter.Method())
}

// waitExit waits until pid has exited, without reaping it, and says when.
func waitExit(pid int) (time.Time, error) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return time.Now(), err
	}
}

// selfPeakRSS is this process's peak resident memory in bytes (VmHWM), 0
// when unknown.
func selfPeakRSS() int64 { return readHWM("/proc/self/status") }

func readHWM(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// watcher polls a running program's memory map until it shows whether
// the preloaded library serves it.
type watcher struct {
	done     chan struct{}
	finished chan struct{}
	mu       sync.Mutex
	verified string
	wrong    string
}

func watch(pid int, library string) *watcher {
	w := &watcher{done: make(chan struct{}), finished: make(chan struct{})}
	var dev, ino uint64
	var st unix.Stat_t
	if err := unix.Stat(library, &st); err == nil {
		dev, ino = st.Dev, st.Ino
	}
	go func() {
		defer close(w.finished)
		delay := 100 * time.Microsecond
		path := fmt.Sprintf("/proc/%d/maps", pid)
		for {
			if v, wrong, ok := readMaps(path, dev, ino, library); ok {
				w.mu.Lock()
				w.verified, w.wrong = v, wrong
				w.mu.Unlock()
				return
			}
			select {
			case <-w.done:
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, 20*time.Millisecond)
		}
	}()
	return w
}

func (w *watcher) stop() {
	close(w.done)
	<-w.finished
}

func (w *watcher) result() (verified, wrong string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.verified, w.wrong
}

// readMaps reads a memory map: ok when it tells, with verified set when
// the library (same device and inode) is mapped, and wrong when the C
// library is mapped but the library is not (the dynamic linker ignored
// the preload).
func readMaps(path string, dev, ino uint64, library string) (verified, wrong string, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", false
	}
	libc := ""
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		maj, min, _ := strings.Cut(f[3], ":")
		ma, err1 := strconv.ParseUint(maj, 16, 32)
		mi, err2 := strconv.ParseUint(min, 16, 32)
		in, err3 := strconv.ParseUint(f[4], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil && in == ino && unix.Mkdev(uint32(ma), uint32(mi)) == dev && ino != 0 {
			return "mapped", "", true
		}
		if base := f[len(f)-1]; strings.Contains(base, "/libc.so") || strings.Contains(base, "/libc-") {
			libc = base
		}
	}
	if libc != "" {
		return "", fmt.Sprintf("%s is mapped but %s is not: the dynamic linker did not preload it", libc, library), true
	}
	return "", "", false
}
