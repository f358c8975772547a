//go:build linux

package futex

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// Following threads. While a window is open (the "on" map holds 1), a
// program on task:task_newtask adds every thread (CLONE_THREAD) that a
// tracked thread creates to the tracked-threads map; it runs in the
// creator's context before the new thread first runs. task_newtask rather
// than sched:sched_process_fork because it carries the clone flags, so a
// child process is not followed, unless Options.FollowProcesses asks for
// it: then every task a tracked thread creates is added, a child process
// (fork, vfork, posix_spawn) as well as a thread, so that a window begun
// on a process's first thread covers its whole process tree. A child's
// first thread has the child's pid as its tid, and keeps it across execve.
//
// A program on sched:sched_process_exit, in the exiting thread's context,
// adds a tracked thread's totals to the single "gone" aggregate and deletes
// its entry, so the map holds only live threads however many generations
// a window sees.
//
// Who deletes an entry owns its totals: the exit program adds them to the
// aggregate only if its delete succeeds, End reports them only if its own
// does. The exit program raises gone.Folding around its delete and adds,
// so End waits for it to fall back to 0 before reading the aggregate.
//
// In a pid namespace other than the initial one the tracepoint gives the
// new thread's global tid, not the one this process sees, and no helper
// translates it. New threads then wait in the "pending" map under their
// global tid; the futex-enter program, on a thread's first call, moves it
// to the tracked-threads map under the tid bpf_get_ns_current_pid_tgid
// gives.

// goneValue mirrors the aggregate's value (array map, one entry).
type goneValue struct {
	Folding uint64 // exit programs between their delete and their adds
	Total   uint64 // summed futex ns of threads that exited
	Calls   uint64 // their futex calls
	Wall    uint64 // their summed lifetimes inside the window, ns
	Threads uint64 // how many threads exited (or, at End, were pending)
	Lost    uint64 // new threads not added because a map was full
}

// Offsets of goneValue's fields, for the BPF programs.
const (
	offFolding = 0
	offGTotal  = 8
	offGCalls  = 16
	offGWall   = 24
	offThreads = 32
	offLost    = 40

	goneValueSize = 48
)

// cloneThread is CLONE_THREAD: the new task is a thread of its creator's
// process.
const cloneThread = 0x00010000

type event struct{ group, name string }

var (
	newTaskEvent     = event{"task", "task_newtask"}
	processExitEvent = event{"sched", "sched_process_exit"}
)

type follower struct {
	on      *ebpf.Map // array[1] of u64: 1 while a window is open
	gone    *ebpf.Map // array[1] of goneValue
	pending *ebpf.Map // pid namespace mode only: global tid -> creation time

	newProg, exitProg   *ebpf.Program
	newEvent, exitEvent event
	// processes is set when child processes are followed too.
	processes bool
}

// newFollower creates the maps and programs that follow threads created
// and exiting. The caller attaches the programs; close releases them.
func newFollower(base string, m *ebpf.Map, ns pidNS, maxThreads int, processes bool) (_ *follower, err error) {
	f := &follower{newEvent: newTaskEvent, exitEvent: processExitEvent, processes: processes}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	for _, e := range []event{f.newEvent, f.exitEvent} {
		if err := eventExists(base, e.group, e.name); err != nil {
			return nil, err
		}
	}
	pid, err := tracepointField(base, f.newEvent, "pid")
	if err != nil {
		return nil, err
	}
	flags, err := tracepointField(base, f.newEvent, "clone_flags")
	if err != nil {
		return nil, err
	}
	if pid.size != 4 || (flags.size != 4 && flags.size != 8) {
		return nil, fmt.Errorf("unexpected %s:%s format: pid of %d bytes, clone_flags of %d",
			f.newEvent.group, f.newEvent.name, pid.size, flags.size)
	}

	if f.on, err = ebpf.NewMap(&ebpf.MapSpec{
		Name: "futex_on", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1,
	}); err != nil {
		return nil, fmt.Errorf("creating BPF map: %w", permHint(err))
	}
	if f.gone, err = ebpf.NewMap(&ebpf.MapSpec{
		Name: "futex_gone", Type: ebpf.Array, KeySize: 4, ValueSize: goneValueSize, MaxEntries: 1,
	}); err != nil {
		return nil, fmt.Errorf("creating BPF map: %w", permHint(err))
	}
	if ns.use {
		if f.pending, err = ebpf.NewMap(&ebpf.MapSpec{
			Name: "futex_pending", Type: ebpf.Hash, KeySize: 4, ValueSize: 8,
			MaxEntries: uint32(mapCapacity(maxThreads)),
		}); err != nil {
			return nil, fmt.Errorf("creating BPF map: %w", permHint(err))
		}
	}
	if f.newProg, err = loadProgram("futex_newthread", newThreadProgram(m, f, ns, pid, flags)); err != nil {
		return nil, err
	}
	if f.exitProg, err = loadProgram("futex_threadend", threadExitProgram(m, f, ns)); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *follower) close() error {
	var errs []error
	for _, p := range []*ebpf.Program{f.newProg, f.exitProg} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	for _, m := range []*ebpf.Map{f.on, f.gone, f.pending} {
		if m != nil {
			errs = append(errs, m.Close())
		}
	}
	f.newProg, f.exitProg, f.on, f.gone, f.pending = nil, nil, nil, nil, nil
	return errors.Join(errs...)
}

// setOn opens or closes following.
func (f *follower) setOn(on bool) error {
	var v uint64
	if on {
		v = 1
	}
	if err := f.on.Update(uint32(0), v, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("futex: switching thread following: %w", err)
	}
	return nil
}

// settleTimeout bounds the wait for exit programs to finish their adds;
// they run with preemption off, so they take microseconds.
const settleTimeout = time.Second

// settle waits until no exit program is between its delete and its adds,
// and returns the aggregate.
func (f *follower) settle() (goneValue, error) {
	deadline := time.Now().Add(settleTimeout)
	for {
		var g goneValue
		if err := f.gone.Lookup(uint32(0), &g); err != nil {
			return g, fmt.Errorf("reading exited threads' totals: %w", err)
		}
		if g.Folding == 0 {
			return g, nil
		}
		if time.Now().After(deadline) {
			return g, fmt.Errorf("exited threads' totals still being added after %v", settleTimeout)
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// resetGone zeroes the aggregate once no exit program is adding to it.
func (f *follower) resetGone() error {
	if _, err := f.settle(); err != nil {
		return fmt.Errorf("futex: %w", err)
	}
	if err := f.gone.Update(uint32(0), goneValue{}, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("futex: resetting exited threads' totals: %w", err)
	}
	return nil
}

// countLost emits gone.Lost++ (a new thread could not be added).
func countLost(gone *ebpf.Map) asm.Instructions {
	insns := asm.Instructions{asm.StoreImm(asm.RFP, fpZero, 0, asm.Word)}
	insns = append(insns, mapCall(asm.FnMapLookupElem, gone, fpZero, 0)...)
	return append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.AddAtomic.Mem(asm.R0, asm.R1, asm.DWord, offLost),
	)
}

// newThreadProgram runs on task_newtask in the creating thread: if the
// window is open, the new task is a thread (or any task, when the follower
// follows processes) and its creator is tracked, the new task is added
// (to pending in pid namespace mode), born now.
func newThreadProgram(m *ebpf.Map, f *follower, ns pidNS, pid, flags field) asm.Instructions {
	flagsSize := asm.DWord
	if flags.size == 4 {
		flagsSize = asm.Word
	}
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R9, asm.R1), // the tracepoint's record
		asm.StoreImm(asm.RFP, fpZero, 0, asm.Word),
	}
	insns = append(insns, mapCall(asm.FnMapLookupElem, f.on, fpZero, 0)...)
	insns = append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.JEq.Imm(asm.R1, 0, "out"),
	)
	if !f.processes {
		insns = append(insns,
			asm.LoadMem(asm.R1, asm.R9, int16(flags.offset), flagsSize),
			asm.And.Imm(asm.R1, cloneThread),
			asm.JEq.Imm(asm.R1, 0, "out"),
		)
	}
	insns = append(insns, lookupSelf(m, ns, "out")...)
	insns = append(insns,
		asm.LoadMem(asm.R8, asm.R9, int16(pid.offset), asm.Word),
		asm.StoreMem(asm.RFP, fpOther, asm.R8, asm.Word),
		asm.FnKtimeGetNs.Call(),
	)
	if ns.use {
		insns = append(insns, asm.StoreMem(asm.RFP, fpValue, asm.R0, asm.DWord))
		insns = append(insns, mapCall(asm.FnMapUpdateElem, f.pending, fpOther, fpValue)...)
	} else {
		insns = append(insns,
			asm.Mov.Imm(asm.R1, 0),
			asm.StoreMem(asm.RFP, fpValue+offStart, asm.R1, asm.DWord),
			asm.StoreMem(asm.RFP, fpValue+offTotal, asm.R1, asm.DWord),
			asm.StoreMem(asm.RFP, fpValue+offCalls, asm.R1, asm.DWord),
			asm.StoreMem(asm.RFP, fpValue+offBorn, asm.R0, asm.DWord),
		)
		insns = append(insns, mapCall(asm.FnMapUpdateElem, m, fpOther, fpValue)...)
	}
	insns = append(insns, asm.JEq.Imm(asm.R0, 0, "out"))
	insns = append(insns, countLost(f.gone)...)
	return append(insns, epilogue()...)
}

// threadExitProgram runs on sched_process_exit in the exiting thread: if
// it is tracked (or pending), its totals, up to now for a futex call in
// progress, go to the aggregate and its entry is deleted.
func threadExitProgram(m *ebpf.Map, f *follower, ns pidNS) asm.Instructions {
	insns := asm.Instructions{asm.StoreImm(asm.RFP, fpZero, 0, asm.Word)}
	insns = append(insns, mapCall(asm.FnMapLookupElem, f.gone, fpZero, 0)...)
	insns = append(insns,
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R9, asm.R0), // the aggregate
	)
	miss := "out"
	if f.pending != nil {
		miss = "pending"
	}
	insns = append(insns, lookupSelf(m, ns, miss)...)
	insns = append(insns,
		asm.FnKtimeGetNs.Call(),
		asm.Mov.Reg(asm.R8, asm.R0), // now
		asm.LoadMem(asm.R1, asm.R6, offStart, asm.DWord),
		asm.LoadMem(asm.R2, asm.R6, offTotal, asm.DWord),
		asm.LoadMem(asm.R3, asm.R6, offCalls, asm.DWord),
		asm.LoadMem(asm.R4, asm.R6, offBorn, asm.DWord),
		asm.JEq.Imm(asm.R1, 0, "idle"),
		// Inside a futex call that will not return: count it up to now.
		asm.Mov.Reg(asm.R5, asm.R8),
		asm.Sub.Reg(asm.R5, asm.R1),
		asm.Add.Reg(asm.R2, asm.R5),
		asm.Add.Imm(asm.R3, 1),
		asm.Mov.Reg(asm.R5, asm.R8).WithSymbol("idle"),
		asm.Sub.Reg(asm.R5, asm.R4),
		asm.StoreMem(asm.RFP, fpValue+offTotal, asm.R2, asm.DWord),
		asm.StoreMem(asm.RFP, fpValue+offCalls, asm.R3, asm.DWord),
		asm.StoreMem(asm.RFP, fpValue+offBorn, asm.R5, asm.DWord), // lifetime
		asm.Mov.Imm(asm.R1, 1),
		asm.FetchAdd.Mem(asm.R9, asm.R1, asm.DWord, offFolding),
	)
	insns = append(insns, mapCall(asm.FnMapDeleteElem, m, fpSelf, 0)...)
	insns = append(insns,
		asm.JNE.Imm(asm.R0, 0, "unfold"),
		asm.LoadMem(asm.R1, asm.RFP, fpValue+offTotal, asm.DWord),
		asm.AddAtomic.Mem(asm.R9, asm.R1, asm.DWord, offGTotal),
		asm.LoadMem(asm.R1, asm.RFP, fpValue+offCalls, asm.DWord),
		asm.AddAtomic.Mem(asm.R9, asm.R1, asm.DWord, offGCalls),
		asm.Ja.Label("fold"),
	)
	if f.pending != nil {
		// A new thread that made no futex call: only its lifetime counts.
		insns = append(insns,
			asm.FnGetCurrentPidTgid.Call().WithSymbol("pending"),
			asm.StoreMem(asm.RFP, fpOther, asm.R0, asm.Word),
		)
		insns = append(insns, mapCall(asm.FnMapLookupElem, f.pending, fpOther, 0)...)
		insns = append(insns,
			asm.JEq.Imm(asm.R0, 0, "out"),
			asm.LoadMem(asm.R7, asm.R0, 0, asm.DWord),
			asm.FnKtimeGetNs.Call(),
			asm.Sub.Reg(asm.R0, asm.R7),
			asm.StoreMem(asm.RFP, fpValue+offBorn, asm.R0, asm.DWord),
			asm.Mov.Imm(asm.R1, 1),
			asm.FetchAdd.Mem(asm.R9, asm.R1, asm.DWord, offFolding),
		)
		insns = append(insns, mapCall(asm.FnMapDeleteElem, f.pending, fpOther, 0)...)
		insns = append(insns, asm.JNE.Imm(asm.R0, 0, "unfold"))
	}
	insns = append(insns,
		asm.LoadMem(asm.R1, asm.RFP, fpValue+offBorn, asm.DWord).WithSymbol("fold"),
		asm.AddAtomic.Mem(asm.R9, asm.R1, asm.DWord, offGWall),
		asm.Mov.Imm(asm.R1, 1),
		asm.AddAtomic.Mem(asm.R9, asm.R1, asm.DWord, offThreads),
		asm.Mov.Imm(asm.R1, -1).WithSymbol("unfold"),
		asm.FetchAdd.Mem(asm.R9, asm.R1, asm.DWord, offFolding),
	)
	return append(insns, epilogue()...)
}

// field is where a tracepoint record holds one field.
type field struct{ offset, size int }

// tracepointField reads the offset and size of a field from the event's
// format file, lines like "field:pid_t pid;	offset:8;	size:4;	signed:1;".
func tracepointField(base string, e event, name string) (field, error) {
	p := filepath.Join(base, "events", e.group, e.name, "format")
	data, err := os.ReadFile(p)
	if err != nil {
		return field{}, fmt.Errorf("reading tracepoint format: %w", permHint(err))
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		parts := strings.Split(strings.TrimSpace(line), ";")
		decl, ok := strings.CutPrefix(parts[0], "field:")
		if !ok {
			continue
		}
		words := strings.Fields(decl)
		if len(words) == 0 || words[len(words)-1] != name {
			continue
		}
		f := field{offset: -1, size: -1}
		for _, part := range parts[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(v)
			switch {
			case k == "offset" && err == nil:
				f.offset = n
			case k == "size" && err == nil:
				f.size = n
			}
		}
		// The BPF program reads the record at the field's offset, which
		// the kernel wants aligned to the size of the read.
		if f.offset < 8 || f.size <= 0 || f.offset%f.size != 0 || f.offset > 1<<15-1 {
			return field{}, fmt.Errorf("%s: field %s has unusable offset %d, size %d", p, name, f.offset, f.size)
		}
		return f, nil
	}
	return field{}, fmt.Errorf("%s has no field %s", p, name)
}
