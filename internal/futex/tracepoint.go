//go:build linux

package futex

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// tpValue mirrors the value of the tracked-threads map, keyed by u32 tid.
type tpValue struct {
	Start uint64 // bpf_ktime_get_ns at sys_enter; 0 when not inside a call
	Total uint64 // summed ns of completed calls
	Calls uint64 // completed calls
	Born  uint64 // when tracking began: Begin, or the thread's creation
}

// Offsets of tpValue's fields, for the BPF programs.
const (
	offStart = 0
	offTotal = 8
	offCalls = 16
	offBorn  = 24

	tpValueSize = 32
)

const (
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
	m        *ebpf.Map // tracked threads: tid -> tpValue
	progs    []*ebpf.Program
	links    []link.Link
	attached []string
	limit    int // Options.MaxThreads

	// Thread following (see follow.go); f is nil when the kernel lacks
	// what it needs.
	f *follower

	tids  []int
	borns []uint64 // tpValue.Born written for tids[i]
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

// openTracepoint loads the maps and programs and attaches them. note says
// what the method cannot do here (threads not followed); mounted is where
// it mounted tracefs, which was not mounted, even when err != nil.
func openTracepoint(opts Options) (_ *tpBackend, note, mounted string, err error) {
	// Kernels < 5.11 charge BPF memory to RLIMIT_MEMLOCK; this is a no-op
	// on newer ones. A failure only matters if loading fails later.
	memlockErr := rlimit.RemoveMemlock()

	ns, err := currentPidNS()
	if err != nil {
		return nil, "", "", err
	}

	b := &tpBackend{limit: opts.MaxThreads}
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
		MaxEntries: uint32(mapCapacity(opts.MaxThreads)),
	})
	if err != nil {
		if errors.Is(err, unix.EPERM) && !haveBPFCaps() {
			return nil, "", "", fmt.Errorf("creating BPF map: permission denied (needs root or CAP_BPF+CAP_PERFMON)")
		}
		if memlockErr != nil {
			err = fmt.Errorf("%w; raising RLIMIT_MEMLOCK failed too: %v", err, memlockErr)
		}
		return nil, "", "", fmt.Errorf("creating BPF map: %w", permHint(err))
	}

	base, mountNote, err := ensureTracefs()
	if mountNote != "" {
		mounted = base
	}
	if err != nil {
		return nil, "", mounted, err
	}
	if err := eventExists(base, "syscalls", "sys_enter_"+futexSyscalls[0]); err != nil {
		return nil, note, mounted, err
	}

	// Following threads is an addition: without it the syscalls are still
	// timed for the tids given to Begin.
	f, ferr := newFollower(base, b.m, ns, opts.MaxThreads, opts.FollowProcesses)
	if ferr != nil {
		note = joinNotes(note, fmt.Sprintf("threads created during a window are not followed: %v", ferr))
	} else {
		b.f = f
	}

	var pending, gone *ebpf.Map
	if b.f != nil {
		pending, gone = b.f.pending, b.f.gone
	}
	enter, err := b.load("futex_enter", enterProgram(b.m, pending, gone, ns))
	if err != nil {
		return nil, note, mounted, err
	}
	exit, err := b.load("futex_exit", exitProgram(b.m, ns))
	if err != nil {
		return nil, note, mounted, err
	}

	for i, sc := range futexSyscalls {
		en, ex := "sys_enter_"+sc, "sys_exit_"+sc
		if err := eventExists(base, "syscalls", en); err != nil {
			if i == 0 {
				return nil, note, mounted, err
			}
			continue // optional newer syscall not in this kernel
		}
		// Exit first: a thread caught between the two attachments then
		// only has an exit without a start, which is ignored.
		for _, a := range []struct {
			name string
			prog *ebpf.Program
		}{{ex, exit}, {en, enter}} {
			if err := b.attach("syscalls", a.name, a.prog); err != nil {
				return nil, note, mounted, err
			}
		}
		b.attached = append(b.attached, sc)
	}
	if b.f != nil {
		// Exits before creations, so that no thread is added that could
		// exit unseen; nothing is added anyway until Begin.
		if err := b.attach(b.f.exitEvent.group, b.f.exitEvent.name, b.f.exitProg); err != nil {
			return nil, note, mounted, err
		}
		if err := b.attach(b.f.newEvent.group, b.f.newEvent.name, b.f.newProg); err != nil {
			return nil, note, mounted, err
		}
	}
	return b, note, mounted, nil
}

// mapCapacity is the size of the tracked-threads map: every tracked thread
// can have one new thread beside it before it exits.
func mapCapacity(maxThreads int) int { return 2 * maxThreads }

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func (b *tpBackend) attach(group, name string, prog *ebpf.Program) error {
	l, err := link.Tracepoint(group, name, prog, nil)
	if err != nil {
		return fmt.Errorf("attaching to %s:%s: %w", group, name, permHint(err))
	}
	b.links = append(b.links, l)
	return nil
}

func (b *tpBackend) load(name string, insns asm.Instructions) (*ebpf.Program, error) {
	p, err := loadProgram(name, insns)
	if err != nil {
		return nil, err
	}
	b.progs = append(b.progs, p)
	return p, nil
}

func loadProgram(name string, insns asm.Instructions) (*ebpf.Program, error) {
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         name,
		Type:         ebpf.TracePoint,
		Instructions: insns,
		License:      bpfLicense,
	})
	if err != nil {
		return nil, fmt.Errorf("loading BPF program %s: %w", name, permHint(err))
	}
	return p, nil
}

// pidNS says how the BPF programs find the current thread's tid as this
// process sees it.
type pidNS struct {
	// use is set when tids seen by this process differ from the kernel's
	// global ones; dev and ino are then the nsfs dev/ino of its pid
	// namespace in the form bpf_get_ns_current_pid_tgid expects.
	use      bool
	dev, ino uint64
}

func currentPidNS() (pidNS, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil {
		return pidNS{}, fmt.Errorf("stat /proc/self/ns/pid: %w", err)
	}
	if st.Ino == procPidInitIno && !forcePidNSHelper {
		return pidNS{}, nil
	}
	// The helper compares against the kernel-internal dev_t encoding.
	kdev := uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
	return pidNS{use: true, dev: kdev, ino: st.Ino}, nil
}

// Stack slots used by the programs.
const (
	fpSelf  = -8  // u32 key: the current thread's tid as this process sees it
	fpOther = -16 // u32 key: a global tid (pending threads, new threads)
	fpZero  = -24 // u32 key 0 of the array maps
	fpValue = -56 // a tpValue being built (32 bytes)
)

// lookupSelf emits code that looks up the current thread in m and leaves
// the value pointer in R6, or jumps to miss when the thread is not in m
// (to "out" when it is not in our pid namespace at all). The key is at
// fpSelf.
func lookupSelf(m *ebpf.Map, ns pidNS, miss string) asm.Instructions {
	var insns asm.Instructions
	if ns.use {
		// struct bpf_pidns_info { u32 pid; u32 tgid; } at fpSelf; pid is
		// the thread id as seen in our pid namespace.
		insns = append(insns,
			asm.LoadImm(asm.R1, int64(ns.dev), asm.DWord),
			asm.LoadImm(asm.R2, int64(ns.ino), asm.DWord),
			asm.Mov.Reg(asm.R3, asm.RFP),
			asm.Add.Imm(asm.R3, fpSelf),
			asm.Mov.Imm(asm.R4, 8),
			asm.FnGetNsCurrentPidTgid.Call(),
			asm.JNE.Imm(asm.R0, 0, "out"),
		)
	} else {
		// Lower 32 bits of pid_tgid are the tid.
		insns = append(insns,
			asm.FnGetCurrentPidTgid.Call(),
			asm.StoreMem(asm.RFP, fpSelf, asm.R0, asm.Word),
		)
	}
	return append(insns,
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, fpSelf),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, miss),
		asm.Mov.Reg(asm.R6, asm.R0),
	)
}

// mapCall emits a call of a map helper on m with the key at stack slot
// key and, for updates, the value at stack slot value.
func mapCall(fn asm.BuiltinFunc, m *ebpf.Map, key, value int32) asm.Instructions {
	insns := asm.Instructions{
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, key),
	}
	if fn == asm.FnMapUpdateElem {
		insns = append(insns,
			asm.Mov.Reg(asm.R3, asm.RFP),
			asm.Add.Imm(asm.R3, value),
			asm.Mov.Imm(asm.R4, 0), // BPF_ANY
		)
	}
	return append(insns, fn.Call())
}

func epilogue() asm.Instructions {
	return asm.Instructions{
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

// enterProgram: v = map[tid]; if v { v.start = ktime }. When pending is
// not nil (following threads in a pid namespace), a thread not in the map
// whose global tid is in pending is a new thread making its first futex
// call: it moves from pending to the map, with start = ktime.
func enterProgram(m, pending, gone *ebpf.Map, ns pidNS) asm.Instructions {
	miss := "out"
	if pending != nil {
		miss = "adopt"
	}
	insns := lookupSelf(m, ns, miss)
	insns = append(insns,
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.R6, offStart, asm.R0, asm.DWord),
	)
	if pending == nil {
		return append(insns, epilogue()...)
	}
	insns = append(insns, asm.Ja.Label("out"))
	insns = append(insns,
		asm.FnGetCurrentPidTgid.Call().WithSymbol("adopt"),
		asm.StoreMem(asm.RFP, fpOther, asm.R0, asm.Word),
	)
	insns = append(insns, mapCall(asm.FnMapLookupElem, pending, fpOther, 0)...)
	insns = append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R7, asm.R0, 0, asm.DWord), // creation time
	)
	// Whoever deletes the pending entry owns it: End may have taken it.
	insns = append(insns, mapCall(asm.FnMapDeleteElem, pending, fpOther, 0)...)
	insns = append(insns,
		asm.JNE.Imm(asm.R0, 0, "out"),
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.RFP, fpValue+offStart, asm.R0, asm.DWord),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.RFP, fpValue+offTotal, asm.R1, asm.DWord),
		asm.StoreMem(asm.RFP, fpValue+offCalls, asm.R1, asm.DWord),
		asm.StoreMem(asm.RFP, fpValue+offBorn, asm.R7, asm.DWord),
	)
	insns = append(insns, mapCall(asm.FnMapUpdateElem, m, fpSelf, fpValue)...)
	insns = append(insns, asm.JEq.Imm(asm.R0, 0, "out"))
	insns = append(insns, countLost(gone)...)
	return append(insns, epilogue()...)
}

// exitProgram: v = map[tid]; if v && v.start { v.total += ktime - v.start;
// v.calls++; v.start = 0 }. Only the thread itself writes its entry, so
// plain loads/stores suffice.
func exitProgram(m *ebpf.Map, ns pidNS) asm.Instructions {
	insns := lookupSelf(m, ns, "out")
	insns = append(insns,
		asm.LoadMem(asm.R7, asm.R6, offStart, asm.DWord),
		asm.JEq.Imm(asm.R7, 0, "out"),
		asm.FnKtimeGetNs.Call(),
		asm.Sub.Reg(asm.R0, asm.R7),
		asm.LoadMem(asm.R1, asm.R6, offTotal, asm.DWord),
		asm.Add.Reg(asm.R1, asm.R0),
		asm.StoreMem(asm.R6, offTotal, asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.R6, offCalls, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R6, offCalls, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R1, 0),
		asm.StoreMem(asm.R6, offStart, asm.R1, asm.DWord),
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

// Tracefs returns where tracefs is mounted. If it is not and this process
// is root, it mounts it at /sys/kernel/tracing and says so in note.
func Tracefs() (path, note string, err error) { return ensureTracefs() }

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

// eventExists checks that tracepoint group:name exists and its id is
// readable.
func eventExists(base, group, name string) error {
	p := filepath.Join(base, "events", group, name, "id")
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			hint := ""
			if group == "syscalls" {
				hint = " (kernel without CONFIG_FTRACE_SYSCALLS?)"
			}
			return fmt.Errorf("no tracepoint %s:%s (%s missing)%s", group, name, p, hint)
		}
		return fmt.Errorf("reading tracepoint id: %w", permHint(err))
	}
	return f.Close()
}

func monotonicNow() uint64 {
	var ts unix.Timespec
	// CLOCK_MONOTONIC is bpf_ktime_get_ns's clock; it cannot fail here.
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(ts.Nano())
}

func (b *tpBackend) followsThreads() bool { return b.f != nil }

func (b *tpBackend) followsProcesses() bool { return b.f != nil && b.f.processes }

func (b *tpBackend) maxThreads() int { return b.limit }

func (b *tpBackend) begin(tids []int) error {
	// Meter.Begin checked len(tids) against b.limit. Leftovers: threads a straggling creation added after the last End.
	if err := b.clear(); err != nil {
		return err
	}
	if b.f != nil {
		if err := b.f.setOn(true); err != nil {
			return err
		}
	}
	b.borns = make([]uint64, len(tids))
	for i, tid := range tids {
		v := tpValue{Born: monotonicNow()}
		if err := b.m.Update(uint32(tid), &v, ebpf.UpdateAny); err != nil {
			_ = b.clear()
			if errors.Is(err, unix.E2BIG) {
				return fmt.Errorf("futex: %d tids exceed the map's %d entries", len(tids), b.m.MaxEntries())
			}
			return fmt.Errorf("futex: tracking tid %d: %w", tid, err)
		}
		b.borns[i] = v.Born
	}
	b.tids = tids
	return nil
}

// keys lists the keys of m (nil m: none). Entries deleted meanwhile can
// make the kernel restart from the first key; seen keys are skipped and
// the walk is bounded.
func keys(m *ebpf.Map) ([]uint32, error) {
	if m == nil {
		return nil, nil
	}
	var out []uint32
	seen := map[uint32]bool{}
	var prev *uint32
	for range 4 * int(m.MaxEntries()) {
		var k uint32
		var err error
		if prev == nil {
			err = m.NextKey(nil, &k)
		} else {
			err = m.NextKey(*prev, &k)
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
		prev = &k
	}
	return out, nil
}

// take reads and deletes m[k]. ok is false when the entry is gone, or was
// deleted by the kernel side between the read and the delete (the thread
// exited: its totals went to the aggregate, not to us).
func take[V any](m *ebpf.Map, k uint32, v *V) (ok bool, err error) {
	if err := m.Lookup(k, v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return false, nil
		}
		return false, err
	}
	if err := m.Delete(k); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// drain empties the tracked-threads map (and the pending one), calling
// onEntry and onPending (if not nil) for each entry it takes. New entries
// can still appear while it works (a creation that saw the window open,
// a pending thread's first futex call), so it repeats until a pass finds
// nothing.
func (b *tpBackend) drain(onEntry func(uint32, tpValue), onPending func(born uint64)) error {
	var pending *ebpf.Map
	if b.f != nil {
		pending = b.f.pending
	}
	for range 100 {
		ks, err := keys(b.m)
		if err != nil {
			return err
		}
		ps, err := keys(pending)
		if err != nil {
			return err
		}
		if len(ks) == 0 && len(ps) == 0 {
			return nil
		}
		for _, k := range ks {
			var v tpValue
			ok, err := take(b.m, k, &v)
			if err != nil {
				return fmt.Errorf("tid %d: %w", k, err)
			}
			if ok && onEntry != nil {
				onEntry(k, v)
			}
		}
		for _, k := range ps {
			var born uint64
			ok, err := take(pending, k, &born)
			if err != nil {
				return fmt.Errorf("new thread %d: %w", k, err)
			}
			if ok && onPending != nil {
				onPending(born)
			}
		}
	}
	return errors.New("threads kept being added after the window closed")
}

// clear closes following and empties the maps and the aggregate.
func (b *tpBackend) clear() error {
	var errs []error
	if b.f != nil {
		errs = append(errs, b.f.setOn(false))
	}
	if err := b.drain(nil, nil); err != nil {
		errs = append(errs, fmt.Errorf("futex: emptying BPF map: %w", err))
	}
	if b.f != nil {
		errs = append(errs, b.f.resetGone())
	}
	return errors.Join(errs...)
}

func (b *tpBackend) end() ([]ThreadStats, []string, error) {
	var errs []error
	if b.f != nil {
		// No thread is added from now on.
		if err := b.f.setOn(false); err != nil {
			errs = append(errs, err)
		}
	}
	now := monotonicNow()
	found := map[uint32]tpValue{}
	var pendingN int
	var pendingWall uint64
	if err := b.drain(
		func(k uint32, v tpValue) { found[k] = v },
		func(born uint64) { pendingN++; pendingWall += sub0(now, born) },
	); err != nil {
		errs = append(errs, fmt.Errorf("reading BPF map: %w", err))
	}

	var warns []string
	entry := func(tid int, v tpValue) ThreadStats {
		st := ThreadStats{TID: tid, Wall: time.Duration(sub0(now, v.Born)), Futex: time.Duration(v.Total), Calls: v.Calls}
		if v.Start != 0 {
			st.Futex += time.Duration(sub0(now, v.Start))
			st.Calls++
			warns = append(warns, fmt.Sprintf("tid %d was inside a futex call at End; counted it up to End", tid))
		}
		return st
	}
	stats := make([]ThreadStats, 0, len(b.tids)+len(found)+1)
	for i, tid := range b.tids {
		v, ok := found[uint32(tid)]
		// A different Born: the thread exited and a new one got its tid.
		if !ok || (b.f != nil && v.Born != b.borns[i]) {
			stats = append(stats, ThreadStats{TID: tid, Exited: true})
			continue
		}
		stats = append(stats, entry(tid, v))
		delete(found, uint32(tid))
	}
	spawned := make([]int, 0, len(found))
	for k := range found {
		spawned = append(spawned, int(k))
	}
	slices.Sort(spawned)
	for _, tid := range spawned {
		st := entry(tid, found[uint32(tid)])
		st.Spawned = true
		stats = append(stats, st)
	}
	if b.f != nil {
		g, err := b.f.settle()
		if err != nil {
			errs = append(errs, err)
		}
		if n := int(g.Threads) + pendingN; n > 0 {
			stats = append(stats, ThreadStats{
				Futex:      time.Duration(g.Total),
				Calls:      g.Calls,
				Wall:       time.Duration(g.Wall + pendingWall),
				Aggregated: n,
			})
		}
		if g.Lost > 0 {
			errs = append(errs, fmt.Errorf("%d threads created by tracked threads were not followed, as the map of %d entries was full: their futex time is missing (raise Options.MaxThreads above %d)",
				g.Lost, b.m.MaxEntries(), b.limit))
		}
	}
	b.tids, b.borns = nil, nil
	if len(errs) > 0 {
		return stats, warns, fmt.Errorf("futex: %w", errors.Join(errs...))
	}
	return stats, warns, nil
}

func (b *tpBackend) abort() {
	_ = b.clear()
	b.tids, b.borns = nil, nil
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
	if b.f != nil {
		errs = append(errs, b.f.close())
	}
	if b.m != nil {
		errs = append(errs, b.m.Close())
	}
	b.links, b.progs, b.f, b.m = nil, nil, nil, nil
	return errors.Join(errs...)
}

// attachedSyscalls lists the syscalls whose tracepoints are in use.
func (b *tpBackend) attachedSyscalls() string { return strings.Join(b.attached, ",") }
