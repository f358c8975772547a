//go:build linux

package futex

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// tpValue mirrors the BPF hash map value, keyed by u32 tid.
type tpValue struct {
	Start uint64 // bpf_ktime_get_ns at sys_enter; 0 when not inside a call
	Total uint64 // summed ns of completed calls
	Calls uint64 // completed calls
}

const (
	tpValueSize = 24
	// procPidInitIno is the inode number of the initial pid namespace
	// (PROC_PID_INIT_INO).
	procPidInitIno = 0xEFFFFFFC
	bpfLicense     = "Dual MIT/GPL"
)

// futexSyscalls are the syscall tracepoints (without the sys_enter_/
// sys_exit_ prefix) that are timed. The first is required, the others
// (kernel 5.16+/6.7+) are attached when present.
var futexSyscalls = []string{"futex", "futex_waitv", "futex_wait", "futex_wake", "futex_requeue"}

// forcePidNSHelper makes the programs use bpf_get_ns_current_pid_tgid even
// in the initial pid namespace (for tests).
var forcePidNSHelper = false

type tpBackend struct {
	m        *ebpf.Map
	progs    []*ebpf.Program
	links    []link.Link
	attached []string

	tids   []int
	starts []time.Time
}

// permHint decorates permission errors with what is missing.
func permHint(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w (needs root or CAP_BPF+CAP_PERFMON)", err)
	}
	return err
}

// haveBPFCaps reports whether the effective capabilities include
// CAP_SYS_ADMIN or CAP_BPF (false when unknown).
func haveBPFCaps() bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			const capSysAdmin, capBPF = 21, 39
			return err == nil && caps&(1<<capSysAdmin|1<<capBPF) != 0
		}
	}
	return false
}

// openTracepoint loads the map and programs and attaches them. note
// reports side effects (tracefs mounted) even when err != nil.
func openTracepoint(opts Options) (_ *tpBackend, note string, err error) {
	// Kernels < 5.11 charge BPF memory to RLIMIT_MEMLOCK; this is a no-op
	// on newer ones. A failure only matters if loading fails later.
	memlockErr := rlimit.RemoveMemlock()

	useNS, nsDev, nsIno, err := pidNamespace()
	if err != nil {
		return nil, "", err
	}

	b := &tpBackend{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()

	b.m, err = ebpf.NewMap(&ebpf.MapSpec{
		Name:       "futex_tids",
		Type:       ebpf.Hash,
		KeySize:    4,
		ValueSize:  tpValueSize,
		MaxEntries: uint32(opts.MaxThreads),
	})
	if err != nil {
		if errors.Is(err, unix.EPERM) && !haveBPFCaps() {
			return nil, "", fmt.Errorf("creating BPF map: permission denied (needs root or CAP_BPF+CAP_PERFMON)")
		}
		if memlockErr != nil {
			err = fmt.Errorf("%w; raising RLIMIT_MEMLOCK failed too: %v", err, memlockErr)
		}
		return nil, "", fmt.Errorf("creating BPF map: %w", permHint(err))
	}

	enter, err := b.load("futex_enter", enterProgram(b.m.FD(), useNS, nsDev, nsIno))
	if err != nil {
		return nil, "", err
	}
	exit, err := b.load("futex_exit", exitProgram(b.m.FD(), useNS, nsDev, nsIno))
	if err != nil {
		return nil, "", err
	}

	base, note, err := ensureTracefs()
	if err != nil {
		return nil, note, err
	}

	for i, sc := range futexSyscalls {
		en, ex := "sys_enter_"+sc, "sys_exit_"+sc
		if err := eventExists(base, en); err != nil {
			if i == 0 {
				return nil, note, err
			}
			continue // optional newer syscall not in this kernel
		}
		// Exit first: a thread caught between the two attachments then
		// only has an exit without a start, which is ignored.
		for _, a := range []struct {
			name string
			prog *ebpf.Program
		}{{ex, exit}, {en, enter}} {
			l, err := link.Tracepoint("syscalls", a.name, a.prog, nil)
			if err != nil {
				return nil, note, fmt.Errorf("attaching to syscalls:%s: %w", a.name, permHint(err))
			}
			b.links = append(b.links, l)
		}
		b.attached = append(b.attached, sc)
	}
	return b, note, nil
}

func (b *tpBackend) load(name string, insns asm.Instructions) (*ebpf.Program, error) {
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         name,
		Type:         ebpf.TracePoint,
		Instructions: insns,
		License:      bpfLicense,
	})
	if err != nil {
		return nil, fmt.Errorf("loading BPF program %s: %w", name, permHint(err))
	}
	b.progs = append(b.progs, p)
	return p, nil
}

// pidNamespace tells whether tids seen by this process differ from the
// kernel's global ones, and if so the nsfs dev/ino of its pid namespace in
// the form bpf_get_ns_current_pid_tgid expects.
func pidNamespace() (useNS bool, dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil {
		return false, 0, 0, fmt.Errorf("stat /proc/self/ns/pid: %w", err)
	}
	if st.Ino == procPidInitIno && !forcePidNSHelper {
		return false, 0, 0, nil
	}
	// The helper compares against the kernel-internal dev_t encoding.
	kdev := uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
	return true, kdev, st.Ino, nil
}

// lookupSelf emits code that looks up the current thread in the map and
// leaves the value pointer in R6, or jumps to "out" when the thread is not
// tracked. The key (u32 tid) lives at fp-8.
func lookupSelf(mapFD int, useNS bool, nsDev, nsIno uint64) asm.Instructions {
	var insns asm.Instructions
	if useNS {
		// struct bpf_pidns_info { u32 pid; u32 tgid; } at fp-8; pid is the
		// thread id as seen in our pid namespace.
		insns = append(insns,
			asm.LoadImm(asm.R1, int64(nsDev), asm.DWord),
			asm.LoadImm(asm.R2, int64(nsIno), asm.DWord),
			asm.Mov.Reg(asm.R3, asm.RFP),
			asm.Add.Imm(asm.R3, -8),
			asm.Mov.Imm(asm.R4, 8),
			asm.FnGetNsCurrentPidTgid.Call(),
			asm.JNE.Imm(asm.R0, 0, "out"),
		)
	} else {
		// Lower 32 bits of pid_tgid are the tid.
		insns = append(insns,
			asm.FnGetCurrentPidTgid.Call(),
			asm.StoreMem(asm.RFP, -8, asm.R0, asm.Word),
		)
	}
	return append(insns,
		asm.LoadMapPtr(asm.R1, mapFD),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R6, asm.R0),
	)
}

func epilogue() asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

// enterProgram: v = map[tid]; if v { v.start = ktime }.
func enterProgram(mapFD int, useNS bool, nsDev, nsIno uint64) asm.Instructions {
	insns := lookupSelf(mapFD, useNS, nsDev, nsIno)
	insns = append(insns,
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.R6, 0, asm.R0, asm.DWord),
	)
	return append(insns, epilogue()...)
}

// exitProgram: v = map[tid]; if v && v.start { v.total += ktime - v.start;
// v.calls++; v.start = 0 }. Only the thread itself writes its entry, so
// plain loads/stores suffice.
func exitProgram(mapFD int, useNS bool, nsDev, nsIno uint64) asm.Instructions {
	insns := lookupSelf(mapFD, useNS, nsDev, nsIno)
	insns = append(insns,
		asm.LoadMem(asm.R7, asm.R6, 0, asm.DWord),
		asm.JEq.Imm(asm.R7, 0, "out"),
		asm.FnKtimeGetNs.Call(),
		asm.Sub.Reg(asm.R0, asm.R7),
		asm.LoadMem(asm.R1, asm.R6, 8, asm.DWord),
		asm.Add.Reg(asm.R1, asm.R0),
		asm.StoreMem(asm.R6, 8, asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.R6, 16, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R6, 16, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R6, 0, asm.R1, asm.DWord),
	)
	return append(insns, epilogue()...)
}

// tracefsCandidates are where tracefs may be found, in order.
var tracefsCandidates = []struct {
	path  string
	magic int64
}{
	{"/sys/kernel/tracing", unix.TRACEFS_MAGIC},
	{"/sys/kernel/debug/tracing", unix.TRACEFS_MAGIC},
	{"/sys/kernel/debug/tracing", unix.DEBUGFS_MAGIC},
}

// ensureTracefs finds tracefs; if it is not mounted and we are root it
// mounts it at /sys/kernel/tracing and says so in note.
func ensureTracefs() (base, note string, err error) {
	for _, c := range tracefsCandidates {
		var sfs unix.Statfs_t
		if unix.Statfs(c.path, &sfs) == nil && int64(sfs.Type) == c.magic {
			return c.path, "", nil
		}
	}
	const where = "/sys/kernel/tracing"
	if os.Geteuid() != 0 {
		return "", "", fmt.Errorf("tracefs is not mounted (run as root: mount -t tracefs nodev %s)", where)
	}
	if err := unix.Mount("nodev", where, "tracefs", 0, ""); err != nil {
		return "", "", fmt.Errorf("tracefs is not mounted and mounting it at %s failed: %w", where, err)
	}
	return where, "tracefs was not mounted; mounted it at " + where, nil
}

// eventExists checks that syscalls:<name> exists and its id is readable.
func eventExists(base, name string) error {
	p := filepath.Join(base, "events", "syscalls", name, "id")
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no tracepoint syscalls:%s (%s missing; kernel without CONFIG_FTRACE_SYSCALLS?)", name, p)
		}
		return fmt.Errorf("reading tracepoint id: %w", permHint(err))
	}
	return f.Close()
}

func (b *tpBackend) begin(tids []int) error {
	var zero tpValue
	b.starts = make([]time.Time, len(tids))
	for i, tid := range tids {
		if err := b.m.Update(uint32(tid), &zero, ebpf.UpdateAny); err != nil {
			for _, t := range tids[:i] {
				_ = b.m.Delete(uint32(t))
			}
			if errors.Is(err, unix.E2BIG) {
				return fmt.Errorf("futex: %d tids exceed MaxThreads (%d)", len(tids), b.m.MaxEntries())
			}
			return fmt.Errorf("futex: tracking tid %d: %w", tid, err)
		}
		b.starts[i] = time.Now()
	}
	b.tids = tids
	return nil
}

func (b *tpBackend) end() ([]ThreadStats, []string, error) {
	stats := make([]ThreadStats, len(b.tids))
	var warns []string
	var errs []error
	for i, tid := range b.tids {
		var v tpValue
		now := time.Now()
		err := b.m.Lookup(uint32(tid), &v)
		if err == nil {
			err = b.m.Delete(uint32(tid))
		}
		st := ThreadStats{TID: tid, Wall: now.Sub(b.starts[i])}
		if err != nil {
			errs = append(errs, fmt.Errorf("tid %d: %w", tid, err))
			stats[i] = st
			continue
		}
		st.Futex = time.Duration(v.Total)
		st.Calls = v.Calls
		if v.Start != 0 {
			var ts unix.Timespec
			if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) == nil && uint64(ts.Nano()) > v.Start {
				st.Futex += time.Duration(uint64(ts.Nano()) - v.Start)
			}
			st.Calls++
			warns = append(warns, fmt.Sprintf("tid %d was inside a futex call at End; counted it up to End", tid))
		}
		stats[i] = st
	}
	b.tids, b.starts = nil, nil
	if len(errs) > 0 {
		return stats, warns, fmt.Errorf("futex: reading BPF map: %w", errors.Join(errs...))
	}
	return stats, warns, nil
}

func (b *tpBackend) abort() {
	for _, tid := range b.tids {
		_ = b.m.Delete(uint32(tid))
	}
	b.tids, b.starts = nil, nil
}

func (b *tpBackend) close() error {
	// Detaching a tracepoint program waits for RCU grace periods (tens of
	// ms each); closing the links concurrently lets them share the wait.
	errs := make([]error, len(b.links))
	var wg sync.WaitGroup
	for i, l := range b.links {
		wg.Go(func() { errs[i] = l.Close() })
	}
	wg.Wait()
	for _, p := range b.progs {
		errs = append(errs, p.Close())
	}
	if b.m != nil {
		errs = append(errs, b.m.Close())
	}
	b.links, b.progs, b.m = nil, nil, nil
	return errors.Join(errs...)
}

// attachedSyscalls lists the syscalls whose tracepoints are in use.
func (b *tpBackend) attachedSyscalls() string { return strings.Join(b.attached, ",") }
